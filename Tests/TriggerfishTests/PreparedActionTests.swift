import Synchronization
import Testing

@testable import Triggerfish

/// Counts how often its parameters are decoded.
enum CountedAction: ActionDefinition {
    static let name = "record"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }
    static let decodes = Mutex(0)

    struct Parameters: ActionParameters {
        var tag: String
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {
            CountedAction.decodes.withLock { $0 += 1 }
            tag = try ParameterReader(parameterValue, path: path).required("tag")
        }
    }
}

/// Action parameters are decoded into their generated types once, when the engine is built from a
/// loaded config, not on every run.
@Suite(.serialized) struct PreparedActionTests {
    @Test func parametersAreDecodedOnceAtLoadNotPerRun() async throws {
        CountedAction.decodes.withLock { $0 = 0 }
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", EngineHarness.actionDeclarations)])
        let config = try PlaybookConfig.load(
            text: """
                - triggers: [{on_pod_update: {}}]
                  actions: [{record: {tag: a}}, {record: {tag: b}}]
                """, file: "test.yaml", schema: schema)
        let registration = ActionRegistration(CountedAction.self) { _, parameters, context in context.log(parameters.tag) }
        let engine = try PlaybookEngine(config: config, actions: [registration])
        #expect(CountedAction.decodes.withLock { $0 } == 2, "one decode per configured action, at load")
        for generation in 1...3 {
            let report = await engine.handle(update(object("Pod", "web-\(generation)"), object("Pod", "web-\(generation)")))
            #expect(report.logs == ["a", "b"])
        }
        #expect(CountedAction.decodes.withLock { $0 } == 2, "running decodes nothing")
    }
}
