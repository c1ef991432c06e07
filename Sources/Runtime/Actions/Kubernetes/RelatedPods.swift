import Foundation

// related_pods (Robusta's, reference C6): the pods of a resource as a table or as JSON.
extension BuiltinActionImplementations {
    static let relatedPodsHeaders = [
        "name", "namespace", "cluster", "node", "cpu limit", "cpu request", "memory limit", "memory request", "creation_time", "restarts",
        "addresses", "containers", "status", "status reason",
    ]

    public func relatedPods(_ event: some KubernetesResourceEvent, parameters: RelatedPodsAction.Parameters, context: ActionContext)
        async throws
    {
        let action = RelatedPodsAction.name
        guard let resource = event.resource else { throw ActionError(.failed, action: action, message: "the event has no resource") }
        let kind = resource.kind ?? ""
        guard Self.podOwningKinds.contains(kind) else {
            throw ActionError(.failed, action: action, message: "Related pods is not supported for resource \(kind)")
        }
        let cluster = try ClusterCalls(context, action: action)
        var pods: [KubernetesObject]
        switch kind {
        case "Job":
            guard let selector = Selectors.jobPods(resource) else {
                throw ActionError(
                    .failed, action: action,
                    message:
                        "Job \(resource.namespace ?? "None")/\(resource.name ?? "None") has no pod selector (no controller-uid label, spec.selector or job-name label)"
                )
            }
            pods = try await cluster.list(.pod, namespace: resource.namespace, labelSelector: selector)
        case "Pod":
            let (namespace, name) = (resource.namespace, resource.name ?? "")
            guard let pod = try await cluster.object(.pod, namespace: namespace, name: name) else {
                throw ActionError(
                    .failed, action: action,
                    message: KubernetesAPIError(
                        code: 404, reason: "NotFound", message: "pods \"\(name)\" not found", verb: "get", resource: "pods",
                        namespace: namespace, name: name
                    ).description)
            }
            pods = [pod]
        case "Node":
            pods = try await cluster.list(.pod, namespace: nil, fieldSelector: "spec.nodeName=\(resource.name ?? "None")")
        default:
            pods = try await cluster.list(
                .pod, namespace: resource.namespace, labelSelector: Selectors.query(resource.json.value(atPath: "spec.selector")))
        }
        // Robusta passes `limit` to the list call, which then answers its first `limit` pods (a
        // limit of 0 or less is no limit); the Pod itself is read, not listed.
        if kind != "Pod", let limit = parameters.limit, limit > 0 { pods = Array(pods.prefix(limit)) }
        let block: Block
        if parameters.outputFormat == "json" {
            block = .json(
                .array(pods.map { RelatedPod($0).json(cluster: parameters.clusterName, includeRawData: parameters.includeRawData) }))
        } else {
            block = .table(
                headers: Self.relatedPodsHeaders, rows: pods.map { RelatedPod($0).row(cluster: parameters.clusterName) },
                name: "related pods")
        }
        context.addEnrichment([block]) { DefaultFinding.of(event) }
    }
}

/// What related_pods reports of one pod (Robusta's `to_pod_row` and `to_pod_obj`).
struct RelatedPod {
    let pod: KubernetesObject

    init(_ pod: KubernetesObject) { self.pod = pod }

    var spec: JSONValue? { pod.json["spec"] }
    var status: JSONValue? { pod.json["status"] }
    var containers: [JSONValue] { spec?["containers"]?.arrayValue ?? [] }

    /// The containers' requests or limits summed: CPU in cores, memory in whole MiB per container.
    func total(_ field: String) -> (cpu: Double, memoryMB: Int) {
        containers.reduce((0, 0)) { sum, container in
            let resources = ContainerResources(container["resources"]?[field])
            return (sum.0 + resources.cpu, sum.1 + resources.memoryMB)
        }
    }

    /// The sum of the containers' restarts (init containers not counted).
    var restarts: Int { (status?["containerStatuses"]?.arrayValue ?? []).reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) } }

    /// The pod's IPs joined by commas.
    var addresses: String { (status?["podIPs"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue }.joined(separator: ",") }

    /// The creation time as Python's `str(datetime)` writes it: `2024-01-01 10:00:00+00:00`;
    /// `None` when there is none.
    var creationTime: String { RelatedPod.pythonDateTime(pod.json.value(atPath: "metadata.creationTimestamp")) ?? "None" }

    /// A Kubernetes time as Python's `str(datetime)` writes it, in UTC; `nil` when absent.
    static func pythonDateTime(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue else { return nil }
        guard let date = RFC3339.date(text) else { return text }
        return BuiltinActionImplementations.pythonISOTime(date).replacing("T", with: " ", maxReplacements: 1)
    }

    /// The table row: name, namespace, cluster, node, cpu limit and request (cores), memory limit
    /// and request (MiB), creation time, restarts, addresses, number of containers, phase, reason.
    func row(cluster: String?) -> [String] {
        let (limits, requests) = (total("limits"), total("requests"))
        func text(_ value: JSONValue?) -> String { PodAnalysis.string(value) }
        return [
            text(pod.json.value(atPath: "metadata.name")), text(pod.json.value(atPath: "metadata.namespace")), cluster ?? "None",
            text(spec?["nodeName"]), PodAnalysis.pythonFloat(limits.cpu), PodAnalysis.pythonFloat(requests.cpu), "\(limits.memoryMB)",
            "\(requests.memoryMB)", creationTime,
            "\(restarts)", addresses, "\(containers.count)", text(status?["phase"]), text(status?["reason"]),
        ]
    }

    /// Robusta's `RelatedPod` as JSON.
    func json(cluster: String?, includeRawData: Bool) -> JSONValue {
        let (limits, requests) = (total("limits"), total("requests"))
        func value(_ value: JSONValue?) -> JSONValue { value ?? .null }
        return .object([
            "name": value(pod.json.value(atPath: "metadata.name")),
            "namespace": value(pod.json.value(atPath: "metadata.namespace")),
            "node": value(spec?["nodeName"]),
            "clusterName": cluster.map(JSONValue.string) ?? .null,
            "cpuLimit": .double(limits.cpu), "cpuRequest": .double(requests.cpu),
            "memoryLimit": .int(limits.memoryMB), "memoryRequest": .int(requests.memoryMB),
            "creationTime": .string(creationTime),
            "restarts": .int(restarts),
            "addresses": .string(addresses),
            "containers": .array(containers.map(containerJSON)),
            "status": value(status?["phase"]),
            "statusReason": value(status?["reason"]),
            "raw_data": includeRawData ? pod.json : .null,
        ])
    }

    /// Robusta's `RelatedContainer`: the container's resources, its status's restarts, its
    /// current state (the first of running, waiting, terminated; `waiting` when it has none) with
    /// that state's start, message and reason, its ports, and how its last run ended.
    func containerJSON(_ container: JSONValue) -> JSONValue {
        let name = container["name"]?.stringValue
        let containerStatus = (status?["containerStatuses"]?.arrayValue ?? []).first { $0["name"]?.stringValue == name }
        let limits = ContainerResources(container["resources"]?["limits"])
        let requests = ContainerResources(container["resources"]?["requests"])
        var stateName = "waiting"
        var state: JSONValue?
        if let current = containerStatus?["state"] {
            for candidate in ["running", "waiting", "terminated"] {
                if let found = current[candidate], !found.isNull {
                    (stateName, state) = (candidate, found)
                    break
                }
            }
        }
        let terminated = containerStatus?["lastState"]?["terminated"]
        func string(_ value: JSONValue?) -> JSONValue { value?.stringValue.map(JSONValue.string) ?? .null }
        func time(_ value: JSONValue?) -> JSONValue { RelatedPod.pythonDateTime(value).map(JSONValue.string) ?? .null }
        let ports = (container["ports"]?.arrayValue ?? []).map { port -> JSONValue in
            // The Python client's V1ContainerPort.to_dict(): every field, snake_case.
            .object([
                "container_port": port["containerPort"] ?? .null, "host_ip": port["hostIP"] ?? .null,
                "host_port": port["hostPort"] ?? .null, "name": port["name"] ?? .null, "protocol": port["protocol"] ?? .null,
            ])
        }
        return .object([
            "name": name.map(JSONValue.string) ?? .null,
            "cpuLimit": .double(limits.cpu), "cpuRequest": .double(requests.cpu),
            "memoryLimit": .int(limits.memoryMB), "memoryRequest": .int(requests.memoryMB),
            "restarts": .int(containerStatus?["restartCount"]?.intValue ?? 0),
            "status": .string(stateName),
            "created": time(state?["startedAt"]),
            "ports": .array(ports),
            "statusMessage": string(state?["message"]),
            "statusReason": string(state?["reason"]),
            "terminatedReason": string(terminated?["reason"]),
            "terminatedExitCode": terminated?["exitCode"]?.intValue.map(JSONValue.int) ?? .null,
            "terminatedStarted": time(terminated?["startedAt"]),
            "terminatedFinished": time(terminated?["finishedAt"]),
        ])
    }
}
