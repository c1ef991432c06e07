import Foundation

// The built-in actions about a node (Robusta's, reference C7); for an alert, the node its `node` label names.
extension BuiltinActionImplementations {
    public func nodeRunningPodsEnricher(
        _ event: some NodeEvent, parameters: NodeRunningPodsEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = NodeRunningPodsEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let node = Self.required(event.node, "node", action: action, context: context) else { return }
        let pods: [KubernetesObject]
        do {
            pods = try await NodeTables.pods(on: node.name ?? "", cluster: cluster)
        } catch {
            context.log("\(action): \(ClusterCalls.message(error))")
            return
        }
        context.addEnrichment([NodeTables.runningPods(pods)]) { DefaultFinding.of(event) }
    }

    public func nodePodsCapacityEnricher(
        _ event: some NodeEvent, parameters: NodePodsCapacityEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = NodePodsCapacityEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let node = Self.required(event.node, "node", action: action, context: context) else { return }
        let name = node.name ?? "None"
        let running = try await NodeTables.pods(on: name, cluster: cluster).filter {
            $0.json.value(atPath: "status.phase")?.stringValue?.lowercased() == "running"
        }
        func lacking(_ resource: String) -> Int {
            running.filter { pod in
                !(pod.json.value(atPath: "spec.containers")?.arrayValue ?? []).contains { container in
                    container["resources"]?["requests"]?[resource].map { !$0.isNull } == true
                }
            }.count
        }
        let capacity = node.json.value(atPath: "status.capacity.pods").map(Self.text)
        var text = "*On the node \(name), there are currently \(running.count) pods running"
        if let capacity { text += " and the maximum capacity for pods on this node is \(capacity)" }
        text += ".*\n"
        let (noCPU, noMemory) = (lacking("cpu"), lacking("memory"))
        if noCPU > 0 { text += "\(noCPU) pods don't have cpu request. " }
        if noMemory > 0 { text += "\(noMemory) pods don't have memory request. " }
        context.addEnrichment([.markdown(text)]) { DefaultFinding.of(event) }
    }

    public func cordon(_ event: some NodeEvent, parameters: CordonAction.Parameters, context: ActionContext) async throws {
        try await Self.setUnschedulable(true, event: event, action: CordonAction.name, context: context)
    }

    public func uncordon(_ event: some NodeEvent, parameters: UncordonAction.Parameters, context: ActionContext) async throws {
        try await Self.setUnschedulable(false, event: event, action: UncordonAction.name, context: context)
    }

    /// Robusta's cordon and uncordon: nothing to do when the node already is (cordon: marked
    /// unschedulable; uncordon: marked schedulable explicitly, so a node never cordoned is patched
    /// anyway), else a patch of `spec.unschedulable`; a Markdown line says which.
    static func setUnschedulable(_ cordon: Bool, event: some NodeEvent, action: String, context: ActionContext)
        async throws(ActionError)
    {
        let verb = cordon ? "cordon" : "uncordon"
        let cluster = try ClusterCalls(context, action: action)
        guard let node = event.node, let name = node.name else {
            throw ActionError(.failed, action: action, message: "Failed to get node for \(verb)")
        }
        let current = node.json.value(atPath: "spec.unschedulable")
        let already = cordon ? current == .bool(true) : current == .bool(false)
        if already {
            context.addEnrichment([.markdown("Node \(name) already \(verb)ed")]) { DefaultFinding.of(event) }
            return
        }
        do {
            _ = try await cluster.patch(
                .node, namespace: nil, name: name, patch: ["spec": ["unschedulable": .bool(cordon)]], type: .strategicMerge)
        } catch {
            let failed = cordon ? "Failed to cordon node" : "Failed to uncordoned node"
            throw ActionError(.failed, action: action, message: "\(failed) \(name) \(ClusterCalls.message(error))")
        }
        context.addEnrichment([.markdown("Node \(name) \(verb)ed")]) { DefaultFinding.of(event) }
    }

    public func drain(_ event: some NodeEvent, parameters: DrainAction.Parameters, context: ActionContext) async throws {
        let action = DrainAction.name
        try await Self.setUnschedulable(true, event: event, action: action, context: context)
        let cluster = try ClusterCalls(context, action: action)
        let name = event.node?.name ?? "None"
        let pods: [KubernetesObject]
        do {
            pods = try await NodeTables.pods(on: name, cluster: cluster)
        } catch {
            try await Self.setUnschedulable(false, event: event, action: action, context: context)
            throw ActionError(
                .failed, action: action, message: "Failed to list pods for drain action Uncordoning.\n\(ClusterCalls.message(error))")
        }
        var lines: [String] = []
        var (evicting, deleting, skipping, errors) = (0, 0, 0, 0)
        for pod in pods {
            let (namespace, podName) = (pod.namespace ?? "None", pod.name ?? "None")
            let owners = pod.json.value(atPath: "metadata.ownerReferences")?.arrayValue ?? []
            if owners.contains(where: { $0["kind"]?.stringValue == "DaemonSet" }) {
                lines.append("Skipping \(namespace)/DaemonSet/\(podName)")
                skipping += 1
                continue
            }
            do {
                // The Eviction API respects PodDisruptionBudgets: a refused eviction (429) is an error
                // line, as in Robusta, which neither waits nor retries.
                try await cluster.api.evict(namespace: namespace, pod: podName)
                if owners.isEmpty {
                    lines.append("Deleting \(namespace)/Pod/\(podName)")
                    deleting += 1
                } else {
                    lines.append("Evicting \(namespace)/Pod/\(podName)")
                    evicting += 1
                }
            } catch {
                lines.append("Error evicting \(namespace)/Pod/\(podName) \(error)")
                errors += 1
            }
        }
        context.addEnrichment(
            [
                .markdown(
                    "Drain node \(name) \nEvicting \(evicting) pod(s), deleting \(deleting) pod(s), skipping \(skipping) pod(s) and \(errors) Error(s)."
                ),
                .file(name: "Drain \(name) report.log", contents: "drain node \(name) \n\n" + lines.map { $0 + "\n" }.joined()),
            ]
        ) { DefaultFinding.of(event) }
    }
}
