import Foundation
import Synchronization

/// How an alert's labels name Kubernetes objects (Robusta's `AlertEventBuilder`); the labels, their
/// kinds and API versions come from the schema (`alert_labels` in kinds.yaml).
enum AlertResources {
    /// The objects an alert is about, keyed by kind. Each comes from the store when the input
    /// stream carried it, otherwise it is a reference holding the kind, name and namespace.
    /// The namespace is the `namespace` label (default "default"); names containing
    /// "kube-state-metrics" are skipped; the node comes from `node`, else from `instance` unless
    /// the scrape job is kube-state-metrics; an `address:port` value is looked up among known
    /// nodes' addresses and left unresolved when no known node has it.
    static func resolve(_ alert: PrometheusAlert, store: ObjectStore) -> [String: KubernetesObject] {
        let namespace = alert.labels["namespace"] ?? "default"
        var resources: [String: KubernetesObject] = [:]
        for (label, kind, apiVersion) in KubernetesKinds.alertLabels {
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
                    ?? reference(kind: "Node", apiVersion: KubernetesKinds.apiVersions["Node"] ?? "v1", name: nodeName, namespace: nil)
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
