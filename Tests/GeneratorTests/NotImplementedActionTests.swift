import Foundation
import Testing

@testable import _TriggerfishCore
@testable import _TriggerfishGenerator

/// Built-in actions declared `implemented: false`: how the schema reads them, the warning where a
/// playbook uses one, the Swift generated for them and how the docs mark them.
@Suite struct NotImplementedActionTests {
    /// A small schema: `ready` is implemented, `later` (line 13) is declared ahead of its implementation.
    static let schemaText = """
        events:
          BaseEvent:
            manual:
              parameters: {}
        triggers:
          on_thing:
            event: BaseEvent
            source: prometheus
        actions:
          ready:
            doc: Does its job.
            event: BaseEvent
          later:
            doc: Will do its job.
            event: BaseEvent
            implemented: false
            parameters:
              limit: {type: int, default: 3, minimum: 0, maximum: 10}

        """

    func schema() throws -> Schema {
        let loaded = CoreFixtures.loadSchema([("s.yaml", Self.schemaText)])
        #expect(loaded.diagnostics.map(\.description) == [])
        return try #require(loaded.schema)
    }

    @Test func implementedDefaultsToTrue() throws {
        let schema = try schema()
        #expect(schema.action(named: "ready")?.isImplemented == true)
        #expect(schema.action(named: "later")?.isImplemented == false)
    }

    @Test func implementedMustBeTrueOrFalse() {
        let text = Self.schemaText.replacingOccurrences(of: "implemented: false", with: "implemented: not yet")
        let loaded = CoreFixtures.loadSchema([("s.yaml", text)])
        #expect(loaded.schema == nil)
        #expect(
            loaded.diagnostics.map(\.description) == [
                "s.yaml:16:18: error: 'implemented' in action 'later' must be true or false, found a string (not yet)"
            ])
    }

    @Test func misspelledImplementedIsAnUnknownKey() {
        let text = Self.schemaText.replacingOccurrences(of: "implemented: false", with: "implemnted: false")
        #expect(
            CoreFixtures.loadSchema([("s.yaml", text)]).diagnostics.map(\.description) == [
                "s.yaml:16:5: error: unknown key 'implemnted' in action 'later'; did you mean 'implemented'?"
            ])
    }

    @Test func aTargetsOwnActionCannotBeUnimplemented() throws {
        let text = """
            actions:
              count_pods:
                event: PodEvent
                implemented: false
              count_nodes:
                event: NodeEvent
                implemented: true
            """
        let extended = SchemaLoader.extend(try CoreFixtures.schema(), with: [(path: "actions.yaml", text: text)])
        #expect(extended.schema == nil)
        #expect(
            extended.diagnostics.map(\.description) == [
                "actions.yaml:4:18: error: 'implemented: false' is only for Triggerfish's built-in actions; action 'count_pods' is this target's own, so its PlaybookActions conformance implements it: remove the key"
            ])
    }

    @Test func usingAnUnimplementedActionIsAWarningAtItsName() throws {
        let playbooks = """
            - triggers:
              - on_thing: {}
              actions:
              - later: {limit: 5}
              - ready: {}
              - later
            """
        let result = ConfigValidator(schema: try schema()).validate(text: playbooks, file: "playbooks.yaml")
        #expect(!result.hasErrors)
        #expect(
            result.diagnostics.map(\.description) == [
                "playbooks.yaml:4:5: warning: action 'later' is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs",
                "playbooks.yaml:6:5: warning: action 'later' is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs",
            ])
    }

    @Test func parametersOfAnUnimplementedActionAreStillChecked() throws {
        let playbooks = "- triggers: [on_thing: {}]\n  actions: [later: {limit: many, lmit: 2}]\n"
        let result = ConfigValidator(schema: try schema()).validate(text: playbooks, file: "playbooks.yaml")
        #expect(
            result.diagnostics.map(\.description) == [
                "playbooks.yaml:2:13: warning: action 'later' is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs",
                "playbooks.yaml:2:28: error: parameter 'limit' of action 'later' must be an integer, found a string (many)",
                "playbooks.yaml:2:34: error: unknown parameter 'lmit' for action 'later'; did you mean 'limit'?",
            ])
    }

    @Test func generatedSwiftHasNoRequirementButARegistrationThatThrows() throws {
        let file = SwiftEmitter(schema: try schema()).runtimeFiles().first { $0.name == "GeneratedActions.swift" }?.contents ?? ""
        #expect(file.contains("public enum LaterAction: ActionDefinition {"))
        #expect(file.contains("    public static let isImplemented: Bool = false\n"))
        #expect(file.contains("    public static let isImplemented: Bool = true\n"))
        let requirement = "func ready(_ event: some BaseEvent, parameters: ReadyAction.Parameters, context: ActionContext) async throws"
        #expect(file.contains("    \(requirement)\n"))
        #expect(!file.contains("func later("))
        #expect(
            file.contains(
                """
                            ActionRegistration(LaterAction.self) { _, _, _ in
                                throw ActionError(.notImplemented, action: LaterAction.name, message: "is not implemented in Triggerfish yet")
                            },

                """))
    }

    @Test func docsMarkUnimplementedActions() throws {
        let docs = DocsEmitter(schema: try schema())
        let actions = docs.actions()
        #expect(
            actions.contains(
                "| [`later`](#later) (not implemented yet) | [BaseEvent](events.md#baseevent) | yes | [1](compatibility.md#actions-accepting-baseevent) |\n"
            ))
        #expect(
            actions.contains(
                "| [`ready`](#ready) | [BaseEvent](events.md#baseevent) | yes | [1](compatibility.md#actions-accepting-baseevent) |\n"))
        #expect(actions.contains("## later\n\n> **Not implemented yet.**"))
        #expect(!actions.contains("## ready\n\n> **Not implemented yet.**"))
        #expect(docs.compatibility().contains("\nActions (2): `ready`, `later`*.\n"))
        #expect(docs.compatibility().contains("\n- [BaseEvent](events.md#baseevent): `ready`, `later`*\n"))
    }
}
