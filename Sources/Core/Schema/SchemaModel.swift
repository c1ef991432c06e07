import Foundation

/// The schema: event hierarchy, resource kinds, triggers, actions and sinks, as read from `schema/`.
///
/// Kinds are already expanded: each kind contributes `<Kind>Event`, `<Kind>ChangeEvent` and the
/// `on_<kind>_<operation>` triggers, so code that reads a `Schema` never expands anything again.
public struct Schema: Sendable {
    public var kinds: [KindDefinition] = []
    public var events: [EventDefinition] = []
    public var types: [RecordType] = []
    public var triggers: [TriggerDefinition] = []
    public var actions: [ActionDefinition] = []
    public var sinks: [SinkDefinition] = []
    /// Parameters every sink accepts, whatever its type.
    public var sinkBaseParameters: [ParameterDefinition] = []
    /// The parents of generated `<Kind>Event` and (second parent) `<Kind>ChangeEvent` types.
    public var kindResourceParent: String?
    public var kindChangeParent: String?
    /// Alert labels that name a Kubernetes object, with the object's kind, in the order an alert's
    /// labels are read (Robusta's `AlertEventBuilder`).
    public var alertLabels: [AlertLabel] = []
    /// The Kubernetes API permissions of the built-in actions that call it (`schema/permissions.yaml`).
    public var actionPermissions: [ActionPermissions] = []
    /// The Kubernetes API permissions of the runner itself.
    public var runnerPermissions = RunnerPermissions()
    /// Schema source files (path relative to the schema folder, text), kept for embedding.
    public var sources: [(name: String, text: String)] = []

    public init() {}

    public func event(named name: String) -> EventDefinition? { eventIndex[name].map { events[$0] } }
    public func trigger(named key: String) -> TriggerDefinition? { triggerIndex[key].map { triggers[$0] } }
    public func action(named name: String) -> ActionDefinition? { actionIndex[name].map { actions[$0] } }
    public func type(named name: String) -> RecordType? { types.first { $0.name == name } }
    public func sink(named key: String) -> SinkDefinition? { sinks.first { $0.key == key } }

    var eventIndex: [String: Int] = [:]
    var triggerIndex: [String: Int] = [:]
    var actionIndex: [String: Int] = [:]
    var ancestorCache: [String: Set<String>] = [:]

    mutating func reindex() {
        eventIndex = Dictionary(events.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        triggerIndex = Dictionary(triggers.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        actionIndex = Dictionary(actions.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
        ancestorCache = [:]
        for event in events { ancestorCache[event.name] = computeAncestors(of: event.name) }
    }

    /// The event and all its ancestors, through every parent.
    public func selfAndAncestors(of event: String) -> Set<String> {
        ancestorCache[event] ?? computeAncestors(of: event)
    }

    private func computeAncestors(of event: String) -> Set<String> {
        var seen: Set<String> = []
        var stack = [event]
        while let next = stack.popLast() {
            guard seen.insert(next).inserted, let definition = self.event(named: next) else { continue }
            stack.append(contentsOf: definition.parents)
        }
        return seen
    }

    /// DESIGN §5: an action accepting A is compatible with trigger T iff T's event is A or descends from A.
    public func isCompatible(trigger: TriggerDefinition, action: ActionDefinition) -> Bool {
        selfAndAncestors(of: trigger.event).contains(action.event)
    }

    /// Triggers an action can be bound to, in schema order.
    public func compatibleTriggers(for action: ActionDefinition) -> [TriggerDefinition] {
        triggers.filter { isCompatible(trigger: $0, action: action) }
    }

    /// An action can run from a manual trigger iff its event can be built by hand.
    public func isManuallyTriggerable(_ action: ActionDefinition) -> Bool {
        event(named: action.event)?.manualParameters != nil
    }

    /// Every field of an event, inherited ones first (parents in declared order), each once.
    public func allFields(of event: String) -> [FieldDefinition] {
        var result: [FieldDefinition] = []
        var visited: Set<String> = []
        func visit(_ name: String) {
            guard visited.insert(name).inserted, let definition = self.event(named: name) else { return }
            for parent in definition.parents { visit(parent) }
            for field in definition.fields where !result.contains(where: { $0.name == field.name }) {
                result.append(field)
            }
        }
        visit(event)
        return result
    }
}

public struct KindDefinition: Sendable {
    public var name: String
    public var apiVersion: String
    public var namespaced: Bool
    public var doc: String
    public var location: SourceLocation

    /// `pod`, `horizontalpodautoscaler`: the form used in trigger keys.
    public var lowercased: String { name.lowercased() }
    /// `pod`, `horizontalPodAutoscaler`: the Swift accessor on `<Kind>Event`.
    public var accessor: String { name.prefix(1).lowercased() + name.dropFirst() }
    public var eventName: String { name + "Event" }
    public var changeEventName: String { name + "ChangeEvent" }
    /// `on_pod_create`: the key of the trigger generated for this kind and `operation`.
    public func triggerKey(_ operation: TriggerDefinition.Operation) -> String { "on_\(lowercased)_\(operation.rawValue)" }
}

/// An alert label (`pod`, `job_name`) whose value names an object of `kind`.
public struct AlertLabel: Sendable {
    public var label: String
    public var kind: String
    public var location: SourceLocation
}

public struct EventDefinition: Sendable {
    public var name: String
    public var doc: String
    public var parents: [String]
    public var fields: [FieldDefinition]
    /// Parameters to build this event by hand; `nil` when it cannot be (a manual trigger is impossible).
    public var manualParameters: [ParameterDefinition]?
    /// The kind this event was expanded from, if any.
    public var kind: String?
    /// How a trigger builds the event's concrete type, besides field by field; `nil` when only
    /// field by field (`built_from` in the schema; the per-kind change events are built from a change).
    public var builtFrom: BuildSource? = nil
    public var location: SourceLocation

    /// What a trigger builds an event from.
    public enum BuildSource: String, Sendable, CaseIterable {
        /// A Kubernetes change: `operation`, `object`, `oldObject`, and each other (optional object) field set to the object.
        case kubernetesChange = "kubernetes_change"
        /// A Prometheus alert: the alert, each kind's field set to the object its labels name, and
        /// each other (optional object) field to the alert's subject.
        case prometheusAlert = "prometheus_alert"
    }
}

public struct FieldDefinition: Sendable {
    public enum FieldType: String, Sendable, CaseIterable {
        case string, int, bool
        case kubernetesObject = "kubernetes_object"
        case kubernetesOperation = "kubernetes_operation"
        case prometheusAlert = "prometheus_alert"
        case stringMap = "string_map"
    }

    public var name: String
    public var type: FieldType
    public var optional: Bool
    public var doc: String
}

/// The type of a trigger, action, sink or record parameter.
public indirect enum ParameterType: Sendable, Equatable, CustomStringConvertible {
    case string, int, number, bool, regex, cron, labelSelector, scope, any
    /// An absolute `http` or `https` URL with a host.
    case url
    case list(ParameterType)
    case map(ParameterType)
    case record(String)

    static let scalarNames: [String: ParameterType] = [
        "string": .string, "int": .int, "number": .number, "bool": .bool, "regex": .regex, "cron": .cron,
        "label_selector": .labelSelector, "scope": .scope, "any": .any, "url": .url,
    ]

    /// Parses `string`, `list<int>`, `map<list<string>>`, `ChangeFilters`, ...
    static func parse(_ text: String, isRecord: (String) -> Bool) -> ParameterType? {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let scalar = scalarNames[text] { return scalar }
        for (prefix, make) in [("list<", ParameterType.list), ("map<", ParameterType.map)] where text.hasPrefix(prefix) {
            guard text.hasSuffix(">") else { return nil }
            let inner = String(text.dropFirst(prefix.count).dropLast())
            return parse(inner, isRecord: isRecord).map(make)
        }
        return isRecord(text) ? .record(text) : nil
    }

    /// The numbers a value of this type holds, `int` or `number`, alone or in lists and maps
    /// (`list<int>`); `nil` when it holds none. Such a parameter states its range.
    public var numericElement: ParameterType? {
        switch self {
        case .int, .number: self
        case .list(let inner), .map(let inner): inner.numericElement
        default: nil
        }
    }

    public var description: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .number: "number"
        case .bool: "bool"
        case .regex: "regex"
        case .cron: "cron"
        case .labelSelector: "label_selector"
        case .scope: "scope"
        case .any: "any"
        case .url: "url"
        case .list(let inner): "list<\(inner)>"
        case .map(let inner): "map<\(inner)>"
        case .record(let name): name
        }
    }
}

public struct ParameterDefinition: Sendable {
    public var name: String
    public var type: ParameterType
    public var doc: String
    public var required: Bool
    public var defaultValue: JSONValue?
    /// For string parameters: the only values that can ever match.
    public var allowedValues: [String]?
    public var location: SourceLocation
    /// For numeric parameters (int, number, and lists and maps of them), where both are required:
    /// the smallest and largest values accepted (`minimum`, `maximum`), for each number in a list or map.
    public var minimum: Int? = nil
    public var maximum: Int? = nil
}

/// A named structured parameter type (`ChangeFilters`, `OOMExclude`, ...).
public struct RecordType: Sendable {
    public var name: String
    public var doc: String
    public var fields: [ParameterDefinition]
    /// Exactly one field must be given (a union, as `on_schedule`'s variants).
    public var exactlyOne: Bool
    /// Declared by a consumer next to its playbooks rather than in `schema/`.
    public var isCustom: Bool
    public var location: SourceLocation
}

public struct TriggerDefinition: Sendable {
    public enum Source: String, Sendable, CaseIterable {
        case kubernetes, prometheus, schedule
    }

    public enum Operation: String, Sendable, CaseIterable {
        case create, update, delete
        case allChanges = "all_changes"
    }

    public var key: String
    public var doc: String
    public var event: String
    public var source: Source
    /// For Kubernetes triggers: the kind it listens to, `nil` for any kind.
    public var kind: String?
    /// For Kubernetes triggers: the operation it listens to; `allChanges` for every operation.
    public var operation: Operation?
    /// The named runtime condition of a "smart" trigger.
    public var condition: String?
    public var parameters: [ParameterDefinition]
    /// Parameters of which exactly one must be given (e.g. the variants of `on_schedule`).
    public var exactlyOneOf: [String]?
    /// Set for the triggers expanded from kinds: they share one parameters type of this name.
    public var sharedParametersType: String?
    public var location: SourceLocation
}

public struct ActionDefinition: Sendable {
    public var name: String
    public var doc: String
    public var event: String
    public var parameters: [ParameterDefinition]
    /// Declared by a consumer next to its playbooks rather than in `schema/`.
    public var isCustom: Bool
    /// `false` for a built-in action Triggerfish declares (so playbooks using it validate) but does
    /// not implement yet: validation warns where it is used, and running it is an action error.
    public var isImplemented: Bool = true
    public var location: SourceLocation
}

public struct SinkDefinition: Sendable {
    public var key: String
    public var doc: String
    public var parameters: [ParameterDefinition]
    /// `true` for a sink type Triggerfish sends findings to (`delivers: true` in the schema); the others
    /// validate, and their findings are routed and reported, but not sent.
    public var delivers: Bool = false
    public var location: SourceLocation
}
