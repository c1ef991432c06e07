import Foundation
import Synchronization

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

    static func engine(_ yaml: String, clock: TestClock = TestClock(), provider: String = "Unknown") throws -> PlaybookEngine {
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", actionDeclarations)])
        let config = try PlaybookConfig.load(text: yaml, file: "test.yaml", schema: schema)
        return try PlaybookEngine(
            config: config, actions: BuiltinActionImplementations().registrations + registrations,
            options: .init(clusterProvider: provider, now: { clock.now }))
    }
}

/// A clock tests move by hand.
final class TestClock: Sendable {
    let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
}

func object(
    _ kind: String, _ name: String, namespace: String? = "default", labels: [String: String] = [:], _ extra: [String: JSONValue] = [:]
) -> KubernetesObject {
    var metadata: [String: JSONValue] = ["name": .string(name), "labels": .object(labels.mapValues(JSONValue.string))]
    if let namespace { metadata["namespace"] = .string(namespace) }
    var json: [String: JSONValue] = ["apiVersion": "v1", "kind": .string(kind), "metadata": .object(metadata)]
    json.merge(extra) { _, new in new }
    return KubernetesObject(json: .object(json))
}

func update(_ old: KubernetesObject, _ new: KubernetesObject) -> KubernetesChange {
    KubernetesChange(operation: .update, kind: new.kind ?? "", apiVersion: "v1", object: new, oldObject: old)
}

func alert(
    _ name: String, status: String = "firing", labels: [String: String] = [:], fingerprint: String = "fp",
    startsAt: String = "2026-11-26T10:00:00Z"
) -> PrometheusAlert {
    var all = labels
    all["alertname"] = name
    return PrometheusAlert(status: status, labels: all, startsAt: startsAt, endsAt: "0001-01-01T00:00:00Z", fingerprint: fingerprint)
}

extension EventReport {
    var actionNames: [String] { actions.map(\.action) }
}
