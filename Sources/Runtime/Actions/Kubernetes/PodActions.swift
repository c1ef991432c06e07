import Foundation

// The built-in actions about a pod (Robusta's, reference C10); for an alert, the pod its `pod` label names.
extension BuiltinActionImplementations {
    public func logsEnricher(_ event: some PodEvent, parameters: LogsEnricherAction.Parameters, context: ActionContext) async throws {
        let cluster = try ClusterCalls(context, action: LogsEnricherAction.name)
        try await Self.enrichWithLogs(
            event, pod: event.pod, container: parameters.containerName, warnOnMissingPod: parameters.warnOnMissingLabel,
            previous: parameters.previous, patterns: parameters.regexReplacerPatterns, style: parameters.regexReplacementStyle,
            filterRegex: parameters.filterRegex, cluster: cluster, context: context)
    }

    /// Robusta's `start_log_enrichment` (reference B.2): the crash information of the pod's
    /// crashed containers, then the log of the container (the one named, else the alert's
    /// `container` label when the pod has it, else the first) as `<pod>.log`, titled `Logs`.
    static func enrichWithLogs(
        _ event: some PodEvent, pod: KubernetesObject?, container: String?, warnOnMissingPod: Bool, previous: Bool,
        patterns: [NamedRegexPattern]?, style: String?, filterRegex: String?, cluster: ClusterCalls, context: ActionContext
    ) async throws(ActionError) {
        guard let pod else {
            if warnOnMissingPod {
                context.addEnrichment([.markdown("Cannot fetch logs because the pod is unknown. The alert has no `pod` label")]) {
                    DefaultFinding.of(event)
                }
            }
            return
        }
        var name = container
        if name == nil, let label = (event as? any PrometheusKubernetesAlert)?.alert.label("container"),
            PodAnalysis.statuses(pod).contains(where: { $0["name"]?.stringValue == label })
        {
            name = label
        }
        let containerName = name ?? pod.value(atPath: "spec.containers[0].name")?.stringValue ?? ""
        for enrichment in PodAnalysis.crashEnrichments(pod) {
            context.addEnrichment(enrichment.blocks, title: enrichment.title, type: enrichment.type) { DefaultFinding.of(event) }
        }
        let log = try await cluster.log(
            of: pod, container: containerName, previous: previous, patterns: patterns, style: style, filterRegex: filterRegex,
            context: context)
        context.addEnrichment([logBlock(pod, log: log, container: containerName)], title: "Logs", type: "text_file") {
            DefaultFinding.of(event)
        }
    }

    /// The log as `<pod>.log`, or an empty file saying the container's log is unavailable.
    static func logBlock(_ pod: KubernetesObject, log: String?, container: String) -> Block {
        let file = "\(pod.name ?? "None").log"
        guard let log, !log.isEmpty else { return .emptyFile(name: file, remarks: "Logs unavailable for container: \(container)") }
        return .file(name: file, contents: log)
    }

    public func podEventsEnricher(_ event: some PodEvent, parameters: PodEventsEnricherAction.Parameters, context: ActionContext)
        async throws
    {
        let cluster = try ClusterCalls(context, action: PodEventsEnricherAction.name)
        guard let pod = Self.required(event.pod, "pod", action: PodEventsEnricherAction.name, context: context) else { return }
        let table = try await ObjectEvents.table(
            cluster, name: "Pod Events", kind: "Pod", objectName: pod.name, namespace: pod.namespace,
            includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
        ObjectEvents.enrich(table, title: "Pod Events", event: event, context: context)
    }

    public func enrichPodWithNodeEvents(
        _ event: some PodEvent, parameters: EnrichPodWithNodeEventsAction.Parameters, context: ActionContext
    ) async throws {
        let action = EnrichPodWithNodeEventsAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let pod = event.pod else { throw ActionError(.failed, action: action, message: "the event has no pod") }
        let table = try await ObjectEvents.table(
            cluster, name: "Node Events", kind: "Node", objectName: pod.value(atPath: "spec.nodeName")?.stringValue, namespace: nil,
            includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
        ObjectEvents.enrich(table, title: "Node Events", event: event, context: context)
    }

    public func reportCrashLoop(_ event: some PodEvent, parameters: ReportCrashLoopAction.Parameters, context: ActionContext) async throws {
        let cluster = try ClusterCalls(context, action: ReportCrashLoopAction.name)
        guard let pod = Self.required(event.pod, "pod", action: ReportCrashLoopAction.name, context: context) else { return }
        var finding = Finding(
            title: "Crashing pod \(pod.name ?? "None") in namespace \(pod.namespace ?? "None")", severity: .high,
            aggregationKey: "CrashLoopBackoff", source: "kubernetes_api_server", subject: FindingSubject(pod))
        finding.enrichments = PodAnalysis.crashEnrichments(pod)
        for status in PodAnalysis.crashedContainers(pod) {
            let container = PodAnalysis.string(status["name"])
            do {
                let log = try await cluster.log(
                    of: pod, container: container, previous: true, patterns: parameters.regexReplacerPatterns,
                    style: parameters.regexReplacementStyle, context: context)
                finding.enrichments.append(
                    Enrichment(title: "Logs", blocks: [Self.logBlock(pod, log: log, container: container)], type: "text_file"))
            } catch {
                context.log("\(ReportCrashLoopAction.name): \(ClusterCalls.message(error))")
            }
        }
        context.addFinding(finding)
    }

    public func imagePullBackoffReporter(
        _ event: some PodEvent, parameters: ImagePullBackoffReporterAction.Parameters, context: ActionContext
    ) async throws {
        let action = ImagePullBackoffReporterAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let pod = event.pod else { return }
        guard PodAnalysis.statuses(pod, includingInit: false).contains(where: { PodAnalysis.waitingReason($0) == "ImagePullBackOff" })
        else {
            context.log("\(action): pod \(pod.name ?? "None") has no container in ImagePullBackOff")
            return
        }
        var finding = Finding(
            title: "Failed to pull at least one image in pod \(pod.name ?? "None") in namespace \(pod.namespace ?? "None")",
            severity: .high, aggregationKey: "ImagePullBackoff", source: "kubernetes_api_server", subject: FindingSubject(pod))
        let enrichment = try await PodAnalysis.imagePullEnrichment(pod, cluster: cluster, context: context)
        if !enrichment.blocks.isEmpty { finding.enrichments.append(enrichment) }
        context.addFinding(finding)
    }

    public func podEvictedEnricher(_ event: some PodEvent, parameters: PodEvictedEnricherAction.Parameters, context: ActionContext)
        async throws
    {
        let action = PodEvictedEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let pod = Self.required(event.pod, "pod", action: action, context: context) else { return }
        let nodeName = pod.value(atPath: "spec.nodeName")?.stringValue ?? ""
        let node: KubernetesObject?
        do {
            node = try await cluster.object(.node, namespace: nil, name: nodeName)
        } catch {
            context.log("\(action): \(ClusterCalls.message(error))")
            return
        }
        guard let node else {
            context.log("\(action): node \(nodeName) of pod \(pod.name ?? "None") not found")
            return
        }
        let finding = Finding(
            title: "Pod \(pod.name ?? "None") in namespace \(pod.namespace ?? "None") was Evicted", severity: .high,
            aggregationKey: "PodEvictedTriggered", subject: FindingSubject(pod),
            enrichments: [
                Enrichment(
                    title: "Node Info",
                    blocks: [
                        .table(headers: ["Field", "Value"], rows: [["Node Name", nodeName]], name: "*Node general info:*"),
                        NodeTables.status(node),
                        NodeTables.allocatable(node, name: "*Node Allocatable Resources:*"),
                    ],
                    type: "node_info")
            ])
        context.addFinding(finding)
        do {
            let pods = try await NodeTables.pods(on: nodeName, cluster: cluster)
            context.addEnrichment([NodeTables.runningPods(pods)]) { DefaultFinding.of(event) }
        } catch {
            context.log("\(action): \(ClusterCalls.message(error))")
        }
    }

    public func podOomKillerEnricher(
        _ event: some PodEvent, parameters: PodOomKillerEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = PodOomKillerEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let pod = Self.required(event.pod, "pod", action: action, context: context) else { return }
        var finding = Finding(
            title: "Pod \(pod.name ?? "None") in namespace \(pod.namespace ?? "None") OOMKilled results", severity: .high,
            aggregationKey: "PodOOMKilled", source: "kubernetes_api_server", subject: FindingSubject(pod))
        let nodeName = pod.value(atPath: "spec.nodeName")?.stringValue
        if let nodeName, let node = try? await cluster.object(.node, namespace: nil, name: nodeName) {
            let capacity = ContainerResources.bytes(node.value(atPath: "status.capacity.memory")) / (1 << 20)
            let allocatable = ContainerResources.bytes(node.value(atPath: "status.allocatable.memory")) / (1 << 20)
            guard capacity > 0 else {
                throw ActionError(.failed, action: action, message: "node \(nodeName) reports no memory capacity")
            }
            let percent = Double(capacity - allocatable) * 100 / Double(capacity)
            finding.enrichments.append(
                Enrichment(
                    title: "Node Info",
                    blocks: [
                        .table(
                            headers: ["field", "value"],
                            rows: [
                                ["Node Name", nodeName],
                                ["Node allocated memory", "\(String(format: "%.2f", percent))% out of \(allocatable)MB allocatable"],
                            ], name: "*Node Info*")
                    ], type: "node_info"))
        } else {
            context.log("\(action): node \(nodeName ?? "None") of pod \(pod.name ?? "None") not found")
        }
        let killed = Self.oomKilledContainer(pod)
        if let killed {
            let (status, terminated) = killed
            let name = PodAnalysis.string(status["name"])
            var rows = [["Pod", pod.name ?? "None"], ["Namespace", pod.namespace ?? "None"]]
            let spec = (pod.value(atPath: "spec.containers")?.arrayValue ?? []).first { $0["name"]?.stringValue == name }
            if let spec {
                let request = ContainerResources(spec["resources"]?["requests"]).memoryMB
                let limit = ContainerResources(spec["resources"]?["limits"]).memoryMB
                let requestText = request == 0 ? "No request" : "\(request)MB request"
                let limitText = limit == 0 ? "No limit" : "\(limit)MB limit"
                rows += [["Container memory", "\(requestText), \(limitText)"], ["Container name", name]]
            }
            if let started = terminated["startedAt"]?.stringValue { rows.append(["Container started at", started]) }
            if let finished = terminated["finishedAt"]?.stringValue { rows.append(["Container finished at", finished]) }
            finding.enrichments.append(
                Enrichment(
                    title: "Container Info", blocks: [.table(headers: ["field", "value"], rows: rows, name: "*Container Info*")],
                    type: "container_info"))
        } else {
            context.log("\(action): no OOMKilled container in pod \(pod.name ?? "None")")
        }
        context.addFinding(finding)
        if parameters.attachLogs, let status = killed?.0 {
            try await Self.enrichWithLogs(
                event, pod: pod, container: PodAnalysis.string(status["name"]), warnOnMissingPod: false, previous: false, patterns: nil,
                style: nil, filterRegex: nil, cluster: cluster, context: context)
        }
        if parameters.containerMemoryGraph || parameters.nodeMemoryGraph || parameters.dmesgLog {
            context.log("\(action): memory graphs and dmesg are not supported by Triggerfish; skipped")
        }
    }

    /// The container (regular or init) whose current, else last, state is terminated by
    /// `OOMKilled`, the one that finished last; with that termination.
    static func oomKilledContainer(_ pod: KubernetesObject) -> (JSONValue, JSONValue)? {
        var found: (JSONValue, JSONValue)?
        for status in PodAnalysis.statuses(pod) {
            let current = status["state"]?["terminated"]
            let terminated = (current?.isNull == false ? current : nil) ?? status["lastState"]?["terminated"]
            guard let terminated, terminated["reason"]?.stringValue == "OOMKilled" else { continue }
            let finished = terminated["finishedAt"]?.stringValue ?? ""
            if let best = found?.1, (best["finishedAt"]?.stringValue ?? "") >= finished { continue }
            found = (status, terminated)
        }
        return found
    }

    public func deletePod(_ event: some PodEvent, parameters: DeletePodAction.Parameters, context: ActionContext) async throws {
        let action = DeletePodAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let pod = event.pod, let name = pod.name else {
            throw ActionError(.failed, action: action, message: "Failed to get the pod for deletion")
        }
        try await cluster.delete(.pod, namespace: pod.namespace, name: name)
    }
}
