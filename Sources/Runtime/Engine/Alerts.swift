import Foundation
import Synchronization

/// `on_prometheus_alert`'s filters, compiled once per configured trigger.
struct AlertFilters: Sendable {
    var parameters: OnPrometheusAlert.Parameters
    var scope: CompiledScope?
    /// Provider names lower-cased; `nil` when the trigger sets none.
    var providers: Set<String>?

    init(parameters json: JSONValue, path: String) throws(ParameterError) {
        parameters = try OnPrometheusAlert.Parameters(parameterValue: json, path: path)
        scope = try parameters.scope.map { (scope) throws(ParameterError) in try CompiledScope(scope, path: path + ".scope") }
        providers = parameters.k8sProviders.map { Set($0.map { $0.lowercased() }) }
    }

    /// Robusta's checks in its order: name (exact), status (`all` passes both), the pod,
    /// namespace and instance label prefixes (a missing label counts as ""), the cluster
    /// provider, then the scope over the alert's labels and annotations.
    func accepts(_ alert: PrometheusAlert, provider: String) -> Bool {
        if let name = parameters.alertName, alert.labels["alertname"] != name { return false }
        if parameters.status != "all" && parameters.status != alert.status { return false }
        if let prefix = parameters.podNamePrefix, !(alert.labels["pod"] ?? "").hasPrefix(prefix) { return false }
        if let prefix = parameters.namespacePrefix, !(alert.labels["namespace"] ?? "").hasPrefix(prefix) { return false }
        if let prefix = parameters.instanceNamePrefix, !(alert.labels["instance"] ?? "").hasPrefix(prefix) { return false }
        if let providers, !providers.contains(provider.lowercased()) { return false }
        if let scope {
            let accepted = scope.accepts { attribute in
                switch attribute {
                case "labels": .pairs(alert.labels)
                case "annotations": .pairs(alert.annotations)
                default: nil
                }
            }
            if !accepted { return false }
        }
        return true
    }
}

/// Remembers alerts already handled, as Robusta does: by fingerprint, status, start and end,
/// for `ttl` seconds, holding at most `capacity` entries (the oldest go first).
public final class AlertDeduplicator: Sendable {
    struct State {
        var seen: [String: Date] = [:]
        var order: [(key: String, at: Date)] = []
        var head = 0
    }

    private let state = Mutex(State())
    public let ttl: TimeInterval
    public let capacity: Int

    public init(ttl: TimeInterval = 7200, capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// `true` the first time an alert is seen within the TTL; `false` for a repeat.
    public func isFirst(_ alert: PrometheusAlert, now: Date) -> Bool {
        let key = [alert.fingerprint, alert.status, alert.startsAt, alert.endsAt].joined(separator: "\u{1F}")
        return state.withLock { state in
            // Expire from the front of the arrival order.
            while state.head < state.order.count,
                now.timeIntervalSince(state.order[state.head].at) >= ttl || state.order.count - state.head > capacity
            {
                let entry = state.order[state.head]
                if state.seen[entry.key] == entry.at { state.seen[entry.key] = nil }
                state.head += 1
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            if let at = state.seen[key], now.timeIntervalSince(at) < ttl { return false }
            state.seen[key] = now
            state.order.append((key, now))
            return true
        }
    }
}

/// The latest version of each object seen in the input stream, so alerts can be resolved to
/// the objects they are about when those objects came through the same stream.
public final class ObjectStore: Sendable {
    private let objects = Mutex<[String: KubernetesObject]>([:])
    /// Kinds alerts resolve to; other kinds are not kept.
    static let kinds: Set<String> = ["Pod", "Deployment", "DaemonSet", "StatefulSet", "Job", "HorizontalPodAutoscaler", "Node"]

    public init() {}

    static func key(kind: String, namespace: String?, name: String) -> String { "\(kind)/\(namespace ?? "")/\(name)" }

    /// Records a change: creates and updates keep the new object, deletes forget it.
    public func apply(_ change: KubernetesChange) {
        guard Self.kinds.contains(change.kind), let name = change.object.name else { return }
        let key = Self.key(kind: change.kind, namespace: change.kind == "Node" ? nil : change.object.namespace, name: name)
        objects.withLock { $0[key] = change.operation == .delete ? nil : change.object }
    }

    public func object(kind: String, namespace: String?, name: String) -> KubernetesObject? {
        objects.withLock { $0[Self.key(kind: kind, namespace: namespace, name: name)] }
    }

    /// The node one of whose `status.addresses` is `address`.
    public func node(withAddress address: String) -> KubernetesObject? {
        objects.withLock { objects in
            objects.first { key, object in
                key.hasPrefix("Node/")
                    && (object.json.value(atPath: "status.addresses")?.arrayValue ?? []).contains { $0["address"]?.stringValue == address }
            }?.value
        }
    }
}

/// How an alert's labels name Kubernetes objects (Robusta's `AlertEventBuilder`).
enum AlertResources {
    static let labelKinds: [(label: String, kind: String, apiVersion: String)] = [
        ("deployment", "Deployment", "apps/v1"), ("daemonset", "DaemonSet", "apps/v1"), ("statefulset", "StatefulSet", "apps/v1"),
        ("job_name", "Job", "batch/v1"), ("pod", "Pod", "v1"), ("horizontalpodautoscaler", "HorizontalPodAutoscaler", "autoscaling/v1"),
    ]

    /// The objects an alert is about, keyed by kind. Each comes from the store when the input
    /// stream carried it, otherwise it is a reference holding the kind, name and namespace.
    /// The namespace is the `namespace` label (default "default"); names containing
    /// "kube-state-metrics" are skipped; the node comes from `node`, else from `instance` unless
    /// the scrape job is kube-state-metrics; an `address:port` value is looked up among known
    /// nodes' addresses and left unresolved when no known node has it.
    static func resolve(_ alert: PrometheusAlert, store: ObjectStore) -> [String: KubernetesObject] {
        let namespace = alert.labels["namespace"] ?? "default"
        var resources: [String: KubernetesObject] = [:]
        for (label, kind, apiVersion) in labelKinds {
            guard let name = alert.labels[label], !name.isEmpty, !name.contains("kube-state-metrics") else { continue }
            resources[kind] =
                store.object(kind: kind, namespace: namespace, name: name)
                ?? reference(kind: kind, apiVersion: apiVersion, name: name, namespace: namespace)
        }
        var nodeName = alert.labels["node"].flatMap { $0.isEmpty ? nil : $0 }
        if nodeName == nil, alert.labels["job"] != "kube-state-metrics", let instance = alert.labels["instance"], !instance.isEmpty {
            nodeName = instance
        }
        if let nodeName {
            if nodeName.contains(":") {
                let host = String(nodeName[..<nodeName.lastIndex(of: ":")!])
                resources["Node"] = store.node(withAddress: host)
            } else {
                resources["Node"] =
                    store.object(kind: "Node", namespace: nil, name: nodeName)
                    ?? reference(kind: "Node", apiVersion: "v1", name: nodeName, namespace: nil)
            }
        }
        return resources
    }

    static func reference(kind: String, apiVersion: String, name: String, namespace: String?) -> KubernetesObject {
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        return KubernetesObject(json: ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata)])
    }
}

extension PlaybookConfig.AlertRelabel {
    /// Applies the rule: when `source` is a label, copy it to `target`; `replace` removes `source`.
    func apply(to labels: inout [String: String]) {
        guard let value = labels[source] else { return }
        labels[target] = value
        if replace && source != target { labels[source] = nil }
    }
}
