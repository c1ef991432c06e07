import Foundation
import Synchronization
import Triggerfish

/// Builds engines for tests from a config's text: the built-in schema plus the test's own action
/// declarations, the built-in action implementations plus the test's, a clock the test moves.
public enum PlaybookHarness {
    /// An engine running `yaml` (a runner config, Helm values or a list of playbooks).
    /// - Parameters:
    ///   - actionDeclarations: custom actions in `actions.yaml` format, as a consumer declares them.
    ///   - registrations: implementations run besides the built-in ones (a registration for a
    ///     built-in action replaces it).
    ///   - sinks: sink instances by sink name (``CapturingSink``, a real sink, ...).
    ///   - clock: what rate limits, `fire_delay` and alert de-duplication read.
    public static func engine(
        _ yaml: String, file: String = "test.yaml", actionDeclarations: String? = nil, registrations: [ActionRegistration] = [],
        sinks: [String: any FindingSink] = [:], clock: ManualDate = ManualDate(), provider: String = "Unknown",
        kubernetes: (any KubernetesAPI)? = nil
    ) throws -> PlaybookEngine {
        let schema = try PlaybookConfig.schema(addingActions: actionDeclarations.map { [("test.actions.yaml", $0)] } ?? [])
        let config = try PlaybookConfig.load(text: yaml, file: file, schema: schema)
        return try PlaybookEngine(
            config: config, actions: BuiltinActionImplementations().registrations + registrations, sinks: sinks,
            options: .init(clusterProvider: provider, now: { clock.now }, kubernetes: kubernetes))
    }
}

/// A wall clock (`Date`) that moves only when the test advances it: for an engine's
/// ``Triggerfish/PlaybookEngine/Options/now``.
public final class ManualDate: Sendable {
    let time: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        time = Mutex(start)
    }

    public var now: Date { time.withLock { $0 } }

    public func advance(_ seconds: TimeInterval) { time.withLock { $0 += seconds } }
}

extension KubernetesObject {
    /// An object as the API server would send it: `apiVersion: v1`, the kind, and metadata with
    /// the name, namespace (`nil` for a cluster-scoped object) and labels; `extra` adds or
    /// replaces top-level keys (`spec`, `status`).
    public static func fixture(
        _ kind: String, _ name: String, namespace: String? = "default", labels: [String: String] = [:],
        _ extra: [String: JSONValue] = [:]
    ) -> KubernetesObject {
        var metadata: [String: JSONValue] = ["name": .string(name), "labels": .object(labels.mapValues(JSONValue.string))]
        if let namespace { metadata["namespace"] = .string(namespace) }
        var json: [String: JSONValue] = ["apiVersion": "v1", "kind": .string(kind), "metadata": .object(metadata)]
        json.merge(extra) { _, new in new }
        return KubernetesObject(json: .object(json))
    }
}

extension KubernetesChange {
    /// An update of `old` to `new`.
    public static func updating(_ old: KubernetesObject, to new: KubernetesObject) -> KubernetesChange {
        KubernetesChange(operation: .update, kind: new.kind ?? "", apiVersion: "v1", object: new, oldObject: old)
    }
}

extension PrometheusAlert {
    /// An alert named `name` (its `alertname` label) with the other labels given.
    public static func fixture(
        _ name: String, status: String = "firing", labels: [String: String] = [:], fingerprint: String = "fp",
        startsAt: String = "2026-11-26T10:00:00Z"
    ) -> PrometheusAlert {
        var all = labels
        all["alertname"] = name
        return PrometheusAlert(status: status, labels: all, startsAt: startsAt, endsAt: "0001-01-01T00:00:00Z", fingerprint: fingerprint)
    }
}
