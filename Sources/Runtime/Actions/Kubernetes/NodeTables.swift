import Foundation

/// Robusta's node tables (reference B.6) and the selectors of a workload's pods (B.7).
enum NodeTables {
    static let allocatableName = "Node Allocatable Resources - The amount of compute resources that are available for pods"

    /// `resource, value` for each allocatable resource (by name: the API's order is not kept).
    static func allocatable(_ node: KubernetesObject, name: String = allocatableName) -> Block {
        let allocatable = node.json.value(atPath: "status.allocatable")?.objectValue ?? [:]
        let rows = allocatable.sorted { $0.key < $1.key }.map { [$0.key, BuiltinActionImplementations.text($0.value)] }
        return .table(headers: ["resource", "value"], rows: rows, name: name)
    }

    /// `Type, Status` for each of the node's conditions.
    static func status(_ node: KubernetesObject, name: String = "*Node status details:*") -> Block {
        let rows = (node.json.value(atPath: "status.conditions")?.arrayValue ?? []).map { condition in
            [PodAnalysis.string(condition["type"]), PodAnalysis.string(condition["status"])]
        }
        return .table(headers: ["Type", "Status"], rows: rows, name: name)
    }

    /// Every pod on the node, in any phase.
    static func pods(on node: String, cluster: ClusterCalls) async throws(ActionError) -> [KubernetesObject] {
        try await cluster.list(.pod, namespace: nil, fieldSelector: "spec.nodeName=\(node)")
    }

    /// `namespace, name, ready` for each pod (ready: its Ready condition's status, or `Unknown`).
    static func runningPods(_ pods: [KubernetesObject]) -> Block {
        let rows = pods.map { pod in
            let conditions = pod.json.value(atPath: "status.conditions")?.arrayValue ?? []
            let ready = conditions.first { $0["type"]?.stringValue == "Ready" }?["status"]?.stringValue ?? "Unknown"
            return [pod.namespace ?? "None", pod.name ?? "None", ready]
        }
        return .table(headers: ["namespace", "name", "ready"], rows: rows, name: "Pods running on the node")
    }
}

enum Selectors {
    /// A label selector (`matchLabels`, then `matchExpressions`) as a query: `app=web,tier In (a,b)`;
    /// a plain map of labels gives `k=v,...`.
    static func query(_ selector: JSONValue?) -> String {
        guard let selector = selector?.objectValue else { return "" }
        if selector["matchLabels"] == nil && selector["matchExpressions"] == nil {
            return selector.sorted { $0.key < $1.key }.compactMap { key, value in value.stringValue.map { "\(key)=\($0)" } }
                .joined(separator: ",")
        }
        var parts = (selector["matchLabels"]?.objectValue ?? [:]).sorted { $0.key < $1.key }.compactMap { key, value in
            value.stringValue.map { "\(key)=\($0)" }
        }
        for expression in selector["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let operation = expression["operator"]?.stringValue ?? ""
            switch operation {
            case "Exists": parts.append(key)
            case "DoesNotExist": parts.append("!\(key)")
            default:
                let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ",")
                parts.append("\(key) \(operation) (\(values))")
            }
        }
        return parts.joined(separator: ",")
    }

    /// A Job's pods' selector: `controller-uid=<uid>` from its label, else its `spec.selector`,
    /// else `job-name=<name>` from its label; `nil` when it has none.
    static func jobPods(_ job: KubernetesObject) -> String? {
        if let uid = job.labels["controller-uid"] { return "controller-uid=\(uid)" }
        let selector = query(job.json.value(atPath: "spec.selector"))
        if !selector.isEmpty { return selector }
        if let name = job.labels["job-name"] { return "job-name=\(name)" }
        return nil
    }

    /// The Job's pods; `nil` when it has no selector.
    static func jobPods(_ job: KubernetesObject, cluster: ClusterCalls) async throws(ActionError) -> [KubernetesObject]? {
        guard let selector = jobPods(job) else { return nil }
        return try await cluster.list(.pod, namespace: job.namespace, labelSelector: selector)
    }

    /// The Job's pod that started last (by its start time's text).
    static func latestJobPod(_ job: KubernetesObject, cluster: ClusterCalls) async throws(ActionError) -> KubernetesObject? {
        guard let pods = try await jobPods(job, cluster: cluster) else { return nil }
        return pods.enumerated()
            .sorted { a, b in
                let left = a.element.json.value(atPath: "status.startTime")?.stringValue ?? ""
                let right = b.element.json.value(atPath: "status.startTime")?.stringValue ?? ""
                return left != right ? left > right : a.offset < b.offset
            }
            .first?.element
    }
}
