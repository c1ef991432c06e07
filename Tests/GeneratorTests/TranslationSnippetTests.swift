import Foundation
import Testing

@testable import _TriggerfishCore
@testable import _TriggerfishGenerator

/// One translation at a time: a few lines of schema and the exact Swift the emitter renders for
/// them, asserted whole.
@Suite struct TranslationSnippetTests {
    static let events = """
        events:
          BaseEvent:
            doc: The root.
            manual:
              parameters: {}
          ChangeEvent:
            parents: [BaseEvent]
            built_from: kubernetes_change
            fields:
              operation: {type: kubernetes_operation}
              object: {type: kubernetes_object, doc: The object.}
              oldObject: {type: kubernetes_object, optional: true}
        types:
          Limits:
            fields:
              max: {type: int, default: 10, minimum: 0, maximum: 100}

        """

    func emitter(_ more: String = "") throws -> SwiftEmitter {
        let loaded = CoreFixtures.loadSchema([("s.yaml", Self.events + more)])
        #expect(loaded.diagnostics.map(\.description) == [])
        return SwiftEmitter(schema: try #require(loaded.schema))
    }

    func render(_ declaration: SwiftDeclaration) -> String {
        SwiftRenderer().render(declaration, indent: "").joined(separator: "\n")
    }

    static let triggerAndAction = """
        triggers:
          on_change:
            doc: Something changed.
            event: ChangeEvent
            source: kubernetes
            kind: any
            operation: update
            condition: changed
            parameters:
              rate_limit: {type: int, default: 3600, minimum: 0, maximum: 86400, doc: Seconds.}
              tags: {type: list<string>, default: [a, b]}
              limits: {type: Limits, default: {max: 3}}
              name: {type: string, required: true}
        actions:
          tell:
            doc: Tells.
            event: BaseEvent
            parameters:
              text: {type: string, required: true}

        """

    @Test func eventIsAProtocolSayingHowItIsBuiltByHand() throws {
        let emitter = try emitter()
        #expect(
            render(emitter.eventProtocol(try #require(emitter.schema.event(named: "BaseEvent")))) == """
                /// The root.
                ///
                /// Can be built by hand (manual trigger) from: no parameters.
                public protocol BaseEvent: TriggerfishEvent {
                }
                """)
    }

    @Test func eventBuiltFromAChangeHasAChangeInitializer() throws {
        let emitter = try emitter()
        #expect(
            render(emitter.instance(try #require(emitter.schema.event(named: "ChangeEvent")))) == """
                /// The concrete `ChangeEvent`: what triggers build and tests construct.
                public struct ChangeEventInstance: ChangeEvent {
                    public static let eventName = "ChangeEvent"

                    /// The fields, behind one reference (see `EventStorage`).
                    var storage: EventStorage<Fields>

                    struct Fields: Sendable {
                        var operation: KubernetesOperation
                        var object: KubernetesObject
                        var oldObject: KubernetesObject?
                    }

                    public var operation: KubernetesOperation {
                        get { storage.fields.operation }
                        set { storage.fields.operation = newValue }
                    }

                    public var object: KubernetesObject {
                        get { storage.fields.object }
                        set { storage.fields.object = newValue }
                    }

                    public var oldObject: KubernetesObject? {
                        get { storage.fields.oldObject }
                        set { storage.fields.oldObject = newValue }
                    }

                    public init(operation: KubernetesOperation, object: KubernetesObject, oldObject: KubernetesObject? = nil) {
                        storage = EventStorage(Fields(operation: operation, object: object, oldObject: oldObject))
                    }

                    /// Builds the event for an observed change.
                    public init(change: KubernetesChange) {
                        storage = EventStorage(Fields(operation: change.operation, object: change.object, oldObject: change.oldObject))
                    }
                }
                """)
    }

    @Test func triggerWithAConditionRequiresItsImplementation() throws {
        let emitter = try emitter(Self.triggerAndAction)
        #expect(
            render(emitter.trigger(try #require(emitter.schema.trigger(named: "on_change")))) == """
                /// Something changed.
                ///
                /// YAML key `on_change`; produces `ChangeEvent`. Fires on the condition `changed`, implemented by hand as `makeCondition(_:)`.
                public enum OnChange: KubernetesTrigger, ConditionalTrigger {
                    public static let key = "on_change"
                    public static let source = TriggerSource.kubernetes
                    public typealias Event = ChangeEventInstance
                    public static let kind: String? = nil
                    public static let operation: KubernetesOperation? = .update

                    public static func makeEvent(from change: KubernetesChange) -> (any TriggerfishEvent)? {
                        guard listens(to: change) else { return nil }
                        return KubernetesEvents.changeEvent(for: change)
                    }

                    /// The trigger's parameters as configured in a playbook.
                    public struct Parameters: ParameterDecodable, Sendable, Hashable {
                        /// Seconds.
                        ///
                        /// YAML: `rate_limit`, int, default 3600.
                        public var rateLimit: Int
                        /// YAML: `tags`, list<string>, default ["a", "b"].
                        public var tags: [String]
                        /// YAML: `limits`, Limits, default {max: 3}.
                        public var limits: Limits
                        /// YAML: `name`, string, required.
                        public var name: String

                        public init(rateLimit: Int = 3600, tags: [String] = ["a", "b"], limits: Limits = Limits(max: 3), name: String) {
                            self.rateLimit = rateLimit
                            self.tags = tags
                            self.limits = limits
                            self.name = name
                        }

                        public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
                            let reader = try ParameterReader(parameterValue, path: path)
                            self.rateLimit = try reader.value("rate_limit", default: 3600)
                            self.tags = try reader.value("tags", default: ["a", "b"])
                            self.limits = try reader.value("limits", default: Limits(max: 3))
                            self.name = try reader.required("name")
                        }
                    }
                }
                """)
    }

    @Test func actionDeclaresItsEventAndParameters() throws {
        let emitter = try emitter(Self.triggerAndAction)
        #expect(
            render(emitter.action(access: "public", try #require(emitter.schema.action(named: "tell")))) == """
                /// Tells.
                ///
                /// YAML name `tell`; accepts `BaseEvent`.
                public enum TellAction: ActionDefinition {
                    public static let name = "tell"
                    public static let eventName = "BaseEvent"
                    public static let isImplemented: Bool = true

                    public static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool {
                        eventType is any BaseEvent.Type
                    }

                    /// Parameters of `tell`.
                    public struct Parameters: ActionParameters, Hashable {
                        /// YAML: `text`, string, required.
                        public var text: String

                        public init(text: String) {
                            self.text = text
                        }

                        public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
                            let reader = try ParameterReader(parameterValue, path: path)
                            self.text = try reader.required("text")
                        }
                    }
                }
                """)
    }

    @Test func triggersTakingTheKindSetsShareOneParametersType() throws {
        let kinds = """
            kind_events: {resource_parent: BaseEvent, change_parent: ChangeEvent}
            kind_triggers: {parameter_sets: [filters]}
            kinds:
              Pod: {api_version: v1, namespaced: true}
            parameter_sets:
              filters:
                name_prefix: {type: string}
            triggers:
              on_any_update: {event: ChangeEvent, source: kubernetes, kind: any, operation: update, parameter_sets: [filters]}

            """
        let emitter = try emitter(kinds)
        let any = render(emitter.trigger(try #require(emitter.schema.trigger(named: "on_any_update"))))
        #expect(any.contains("    public typealias Parameters = KindTriggerParameters\n"))
        #expect(!any.contains("struct Parameters"))
        let all = emitter.triggers().map(render).joined(separator: "\n")
        #expect(all.components(separatedBy: "public struct KindTriggerParameters").count == 2)
        #expect(!all.contains("public struct Parameters"))
    }

    @Test func kindsTableCarriesAlertLabelsInTheirOrder() throws {
        let kinds = """
            kind_events: {resource_parent: BaseEvent, change_parent: ChangeEvent}
            alert_labels:
              pod: Pod
              node: Node
            kinds:
              Node: {api_version: v1, namespaced: false}
              Pod: {api_version: v1, namespaced: true}

            """
        let emitter = try emitter(kinds)
        #expect(
            render(emitter.kinds()) == """
                /// The schema's Kubernetes kinds, as the runtime reads them.
                enum KubernetesKinds {
                    /// The API version of each kind.
                    static let apiVersions: [String: String] = ["Node": "v1", "Pod": "v1"]

                    /// The kinds whose objects live in a namespace.
                    static let namespaced: Set<String> = ["Pod"]

                    /// Alert labels that name an object, with its kind and API version, in the order they are read.
                    static let alertLabels: [(label: String, kind: String, apiVersion: String)] = [("pod", "Pod", "v1"), ("node", "Node", "v1")]
                }
                """)
    }

    // MARK: Rendering

    let narrow = SwiftRenderer(lineLength: 40)

    func narrow(_ declaration: SwiftDeclaration) -> String {
        narrow.render(declaration, indent: "").joined(separator: "\n")
    }

    @Test func callThatDoesNotFitTakesOneArgumentPerLine() {
        let call = SwiftExpression.call(
            "make", [.init("first", .string("alpha")), .init("second", .string("beta")), .init(nil, .code("42"))])
        #expect(
            narrow(.property(doc: "", modifiers: "", keyword: "let", name: "x", type: nil, value: call)) == """
                let x = make(
                    first: "alpha",
                    second: "beta",
                    42)
                """)
    }

    @Test func collectionThatDoesNotFitTakesOneElementPerLine() {
        let list = SwiftExpression.array([.string("one"), .string("two"), .string("three"), .string("four")])
        #expect(
            narrow(.property(doc: "", modifiers: "", keyword: "let", name: "list", type: "[String]", value: list)) == """
                let list: [String] = [
                    "one",
                    "two",
                    "three",
                    "four",
                ]
                """)
        let single = SwiftExpression.array([.string("a long enough single element")])
        #expect(
            narrow(.property(doc: "", modifiers: "", keyword: "let", name: "single", type: nil, value: single)) == """
                let single = [
                    "a long enough single element"
                ]
                """)
    }

    @Test func declarationThatDoesNotFitTakesOneParameterPerLine() {
        let function = SwiftDeclaration.function(
            doc: "", modifiers: "", name: "func run",
            parameters: [SwiftParameter("first", "String"), SwiftParameter("second", "Int", default: .code("0"))],
            effects: "async throws", body: [.code("work()")])
        #expect(
            narrow(function) == """
                func run(
                    first: String,
                    second: Int = 0
                ) async throws {
                    work()
                }
                """)
        let type = SwiftDeclaration.type(
            doc: "", modifiers: "public", kind: "protocol", name: "Alert", inherits: ["PodEvent", "NodeEvent", "JobEvent"], members: [])
        #expect(
            narrow(type) == """
                public protocol Alert: PodEvent,
                    NodeEvent, JobEvent
                {
                }
                """)
    }

    @Test func docCommentsWrapAtSpaces() {
        #expect(
            narrow.docLines("one two three four five six seven eight nine ten", indent: "") == [
                "/// one two three four five six seven", "/// eight nine ten",
            ])
    }

    @Test func longStringBecomesAMultilineStringWithTheSameValue() {
        let property = SwiftDeclaration.property(
            doc: "", modifiers: "", keyword: "let", name: "query", type: nil,
            value: .string("alpha beta gamma delta epsilon zeta eta theta"))
        // `\#` at the end of a line of a raw multi-line string continues the line: the value is unchanged.
        #expect(
            narrow(property) == ##"""
                let query = #"""
                    alpha beta gamma delta epsilon\#
                     zeta eta theta
                    """#
                """##)
    }
}
