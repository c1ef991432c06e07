import Foundation
import Synchronization

/// How an alert's labels name Kubernetes objects (Robusta's `AlertEventBuilder`); the labels, their
/// kinds and API versions come from the schema (`alert_labels` in kinds.yaml).
enum AlertResources {
    /// What an alert's labels name: which object of which kind, in Robusta's reading order.
    struct Names {
        var objects: [(kind: String, apiVersion: String, name: String)] = []
        var namespace: String
        /// The node's name, or an `address:port` to look up among the nodes' addresses.
        var node: String?
    }

    /// The namespace is the `namespace` label (default "default"); names containing
    /// "kube-state-metrics" are skipped; the node comes from `node`, else from `instance` unless
    /// the scrape job is kube-state-metrics.
    static func names(_ alert: PrometheusAlert) -> Names {
        var names = Names(namespace: alert.label("namespace") ?? "default")
        for (label, kind, apiVersion) in KubernetesKinds.alertLabels {
            guard let name = alert.label(label), !name.isEmpty, !contains(name, "kube-state-metrics") else { continue }
            names.objects.append((kind, apiVersion, name))
        }
        names.node = alert.label("node").flatMap { $0.isEmpty ? nil : $0 }
        if names.node == nil, alert.label("job") != "kube-state-metrics", let instance = alert.label("instance"), !instance.isEmpty {
            names.node = instance
        }
        return names
    }

    /// Whether `text` contains `part`, byte by byte: Foundation's `contains` goes through
    /// `NSString`, and the standard library's generic search instantiates type metadata at each
    /// call; either cost more than the rest of reading an alert's names (or its description's
    /// `LABELS = map[` marker, ``PrometheusAlert/cleanDescription``).
    static func contains(_ text: String, _ part: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            let count = part.utf8CodeUnitCount
            guard bytes.count >= count else { return false }
            let needle = part.utf8Start
            for start in 0...(bytes.count - count) where bytes[start] == needle[0] {
                if (1..<count).allSatisfy({ bytes[start + $0] == needle[$0] }) { return true }
            }
            return false
        }
    }

    /// The objects an alert is about, keyed by kind.
    ///
    /// With the Kubernetes API, as Robusta does: each object is read (the watch cache answers
    /// first when there is one), and one that is not found or cannot be read is left unresolved,
    /// the reason in `problems`; an `address:port` node is looked up among the nodes' addresses.
    /// Without it, each object comes from the store when the input stream carried it, otherwise it
    /// is a reference holding the kind, name and namespace; an `address:port` value is looked up
    /// among known nodes' addresses and left unresolved when no known node has it.
    static func resolve(_ alert: PrometheusAlert, store: ObjectStore, kubernetes: (any KubernetesAPI)?, problems: inout [String])
        async -> [String: KubernetesObject]
    {
        let names = names(alert)
        guard let kubernetes else { return resolve(names, store: store) }
        var resources: [String: KubernetesObject] = [:]
        func read(_ kind: String, namespace: String?, name: String) async -> KubernetesObject? {
            do {
                guard let object = try await kubernetes.object(kind: kind, namespace: namespace, name: name) else {
                    problems.append("alert \(alert.name): \(kind) \(namespace.map { "\($0)/" } ?? "")\(name) was not found in the cluster")
                    return nil
                }
                return object
            } catch {
                problems.append("alert \(alert.name): could not read \(kind) \(namespace.map { "\($0)/" } ?? "")\(name): \(error)")
                return nil
            }
        }
        for (kind, _, name) in names.objects {
            resources[kind] = await read(kind, namespace: names.namespace, name: name)
        }
        if let node = names.node {
            if let colon = node.lastIndex(of: ":") {
                let host = String(node[..<colon])
                do {
                    resources["Node"] = try await kubernetes.list(.node, namespace: nil, labelSelector: nil, fieldSelector: nil).first {
                        Self.addresses(of: $0).contains(host)
                    }
                } catch {
                    problems.append("alert \(alert.name): could not list nodes to find address \(host): \(error)")
                }
            } else {
                resources["Node"] = await read("Node", namespace: nil, name: node)
            }
        }
        return resources
    }

    /// The objects an alert is about, from the store or by reference (see the method above).
    static func resolve(_ alert: PrometheusAlert, store: ObjectStore) -> [String: KubernetesObject] {
        resolve(names(alert), store: store)
    }

    static func resolve(_ names: Names, store: ObjectStore) -> [String: KubernetesObject] {
        // Made with its capacity rather than reserving it: `reserveCapacity` on an empty dictionary
        // is not specialized and went through the runtime's metadata cache and a generic resize
        // for every alert. The initializer still looks the storage's type up, at a third of that.
        var resources = [String: KubernetesObject](minimumCapacity: names.objects.count + (names.node == nil ? 0 : 1))
        for (kind, apiVersion, name) in names.objects {
            resources[kind] =
                store.object(kind: kind, namespace: names.namespace, name: name)
                ?? KubernetesObject(referenceTo: kind, apiVersion: apiVersion, name: name, namespace: names.namespace)
        }
        if let node = names.node {
            if let colon = node.lastIndex(of: ":") {
                resources["Node"] = store.node(withAddress: String(node[..<colon]))
            } else {
                resources["Node"] =
                    store.object(kind: "Node", namespace: nil, name: node)
                    ?? KubernetesObject(
                        referenceTo: "Node", apiVersion: KubernetesKinds.apiVersions["Node"] ?? "v1", name: node, namespace: nil)
            }
        }
        return resources
    }

    /// A node's `status.addresses`.
    static func addresses(of node: KubernetesObject) -> [String] {
        (node.value(atPath: "status.addresses")?.arrayValue ?? []).compactMap { $0["address"]?.stringValue }
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
