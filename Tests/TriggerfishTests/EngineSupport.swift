import Foundation
import TriggerfishTesting

@testable import Triggerfish

/// Actions only the engine tests use, declared to the schema the way a consumer declares its own.
enum RecordAction: ActionDefinition {
    static let name = "record"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }

    struct Parameters: ActionParameters {
        var tag: String
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {
            tag = try ParameterReader(parameterValue, path: path).required("tag")
        }
    }
}

enum ExplodeAction: ActionDefinition {
    static let name = "explode"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }

    struct Parameters: ActionParameters {
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {}
    }
}

struct Explosion: Error, CustomStringConvertible {
    var description: String { "boom" }
}

enum EngineHarness {
    static let actionDeclarations = """
        actions:
          record:
            doc: "Logs its tag and the type of the event it was given."
            event: ExecutionBaseEvent
            parameters:
              tag:
                type: string
                required: true
                doc: "Text to log."
          explode:
            doc: "Always throws."
            event: ExecutionBaseEvent
        """

    static let registrations: [ActionRegistration] = [
        ActionRegistration(RecordAction.self) { event, parameters, context in
            context.log("\(parameters.tag):\(type(of: event).eventName)")
        },
        ActionRegistration(ExplodeAction.self) { _, _, _ in throw Explosion() },
    ]

    static func engine(
        _ yaml: String, clock: TestClock = TestClock(), provider: String = "Unknown", kubernetes: (any KubernetesAPI)? = nil,
        registrations extra: [ActionRegistration] = []
    ) throws -> PlaybookEngine {
        try PlaybookHarness.engine(
            yaml, actionDeclarations: actionDeclarations, registrations: registrations + extra, clock: clock, provider: provider,
            kubernetes: kubernetes)
    }
}

/// The engine tests' name for the library's hand-moved wall clock.
typealias TestClock = ManualDate

func object(
    _ kind: String, _ name: String, namespace: String? = "default", labels: [String: String] = [:], _ extra: [String: JSONValue] = [:]
) -> KubernetesObject {
    .fixture(kind, name, namespace: namespace, labels: labels, extra)
}

func update(_ old: KubernetesObject, _ new: KubernetesObject) -> KubernetesChange {
    .updating(old, to: new)
}

func alert(
    _ name: String, status: String = "firing", labels: [String: String] = [:], fingerprint: String = "fp",
    startsAt: String = "2026-11-26T10:00:00Z"
) -> PrometheusAlert {
    .fixture(name, status: status, labels: labels, fingerprint: fingerprint, startsAt: startsAt)
}

extension EventReport {
    var actionNames: [String] { actions.map(\.action) }
}
