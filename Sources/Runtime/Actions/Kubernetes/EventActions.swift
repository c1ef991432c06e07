import Foundation

// The built-in actions that show the Kubernetes events of an object (Robusta's, reference C5, C6, C9).
extension BuiltinActionImplementations {
    public func eventResourceEvents(
        _ event: some EventChangeEvent, parameters: EventResourceEventsAction.Parameters, context: ActionContext
    ) async throws {
        let cluster = try ClusterCalls(context, action: EventResourceEventsAction.name)
        let regarding = KubernetesEventFields(event.object)
        guard let kind = regarding.kind else {
            context.log("\(EventResourceEventsAction.name): the event names no object")
            return
        }
        let table = try await ObjectEvents.table(
            cluster, name: "Related Events", kind: kind, objectName: regarding.name, namespace: regarding.namespace)
        ObjectEvents.enrich(table, title: "Related Events", event: event, context: context)
    }

    /// The kinds `resource_events_enricher` and `related_pods` accept.
    static let podOwningKinds: Set<String> = [
        "Pod", "Deployment", "DaemonSet", "ReplicaSet", "StatefulSet", "Job", "Node", "DeploymentConfig", "Rollout",
    ]

    public func resourceEventsEnricher(
        _ event: some KubernetesResourceEvent, parameters: ResourceEventsEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = ResourceEventsEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let resource = event.resource else { throw ActionError(.failed, action: action, message: "the event has no resource") }
        let kind = resource.kind ?? "None"
        guard Self.podOwningKinds.contains(kind) else {
            throw ActionError(.failed, action: action, message: "Resource events enricher is not supported for resource \(kind)")
        }
        var events = try await ObjectEvents.list(
            cluster, kind: kind, name: resource.name, namespace: resource.namespace, includedTypes: parameters.includedTypes)
        if parameters.dependentPodMode, kind != "Pod", kind != "Node" {
            let pods: [KubernetesObject]
            if kind == "Job" {
                pods = try await Selectors.jobPods(resource, cluster: cluster) ?? []
            } else {
                pods = try await cluster.list(
                    .pod, namespace: resource.namespace, labelSelector: Selectors.query(resource.json.value(atPath: "spec.selector")))
            }
            for pod in pods.prefix(max(0, parameters.maxPods)) {
                if events.count >= parameters.maxEvents { break }
                events += try await ObjectEvents.list(
                    cluster, kind: "Pod", name: pod.name, namespace: pod.namespace, includedTypes: parameters.includedTypes)
            }
        }
        // Robusta cuts to max_events first and then sorts: the first events in the API's order are kept.
        let kept = ObjectEvents.newestFirst(Array(events.prefix(max(0, parameters.maxEvents))))
        guard !kept.isEmpty else { return }
        let rows = kept.map { event in
            [
                PodAnalysis.string(event["reason"]), PodAnalysis.string(event["type"]),
                ObjectEvents.renderedTime(ObjectEvents.timestamp(event)), PodAnalysis.string(event["regarding"]?["kind"]),
                PodAnalysis.string(event["regarding"]?["name"]), PodAnalysis.string(event["note"]),
            ]
        }
        let table = Block.table(headers: ["reason", "type", "time", "kind", "name", "message"], rows: rows, name: "\(kind) Events")
        ObjectEvents.enrich(table, title: "Resource Events", event: event, context: context)
    }

    public func deploymentEventsEnricher(
        _ event: some DeploymentEvent, parameters: DeploymentEventsEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = DeploymentEventsEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let deployment = Self.required(event.deployment, "deployment", action: action, context: context) else { return }
        if parameters.dependentPodMode {
            let pods = try await cluster.list(
                .pod, namespace: deployment.namespace, labelSelector: Selectors.query(deployment.json.value(atPath: "spec.selector")),
                fieldSelector: "status.phase!=Running")
            for pod in pods.prefix(max(0, parameters.maxPods)) {
                let table = try await ObjectEvents.table(
                    cluster, name: "Pod events for \(pod.name ?? "None")", kind: "Pod", objectName: pod.name, namespace: pod.namespace,
                    includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
                ObjectEvents.enrich(table, title: "Deployment Events", event: event, context: context)
            }
        } else {
            let table = try await ObjectEvents.table(
                cluster, name: "Deployment Events", kind: deployment.kind ?? "Deployment", objectName: deployment.name,
                namespace: deployment.namespace, includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
            ObjectEvents.enrich(table, title: "Deployment Events", event: event, context: context)
        }
    }

    public func jobEventsEnricher(_ event: some JobEvent, parameters: JobEventsEnricherAction.Parameters, context: ActionContext)
        async throws
    {
        let cluster = try ClusterCalls(context, action: JobEventsEnricherAction.name)
        guard let job = Self.required(event.job, "Job", action: JobEventsEnricherAction.name, context: context) else { return }
        let table = try await ObjectEvents.table(
            cluster, name: "*Job events:*", kind: "Job", objectName: job.name, namespace: job.namespace,
            includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
        ObjectEvents.enrich(table, title: "Job Events", event: event, context: context)
    }

    public func jobPodEnricher(_ event: some JobEvent, parameters: JobPodEnricherAction.Parameters, context: ActionContext) async throws {
        let action = JobPodEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let job = Self.required(event.job, "Job", action: action, context: context) else { return }
        guard let pod = try await Selectors.latestJobPod(job, cluster: cluster) else {
            context.log("\(action): job \(job.name ?? "None") has no pod")
            return
        }
        if parameters.events {
            let table = try await ObjectEvents.table(
                cluster, name: "*Job pod events:*", kind: "Pod", objectName: pod.name, namespace: pod.namespace,
                includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
            if let table { context.addEnrichment([table]) { DefaultFinding.of(event) } }
        }
        if parameters.logs {
            let log = try await cluster.log(
                of: pod, container: nil, previous: parameters.previous, patterns: parameters.regexReplacerPatterns,
                style: parameters.regexReplacementStyle, filterRegex: parameters.filterRegex, context: context)
            if let log, !log.isEmpty {
                context.addEnrichment([.file(name: "\(pod.name ?? "None").log", contents: log)]) { DefaultFinding.of(event) }
            }
        }
    }

    public func deleteJob(_ event: some JobEvent, parameters: DeleteJobAction.Parameters, context: ActionContext) async throws {
        let action = DeleteJobAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let job = Self.required(event.job, "Job", action: action, context: context), let name = job.name else { return }
        try await cluster.delete(KubernetesResource(kind: "Job")!, namespace: job.namespace, name: name)
        context.addEnrichment([.markdown("Job *\(job.namespace ?? "None")/\(name)* deleted")]) { DefaultFinding.of(event) }
    }
}
