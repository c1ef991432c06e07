import Foundation

// Built-in actions that explain alerts about HPAs, APIServices and DaemonSets from the cluster
// (Robusta's, reference C8), and resource_events_diff (C2).
extension BuiltinActionImplementations {
    public func hpaMismatchEnricher(
        _ event: some PrometheusKubernetesAlert, parameters: HpaMismatchEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = HpaMismatchEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let hpa = Self.required(event.horizontalPodAutoscaler, "HorizontalPodAutoscaler", action: action, context: context) else {
            return
        }
        if parameters.checkForMetricsServer {
            let services = try await cluster.list(.apiService, namespace: nil)
            let hasAPIService = services.contains {
                ($0.json.value(atPath: "spec.service.name")?.stringValue ?? "").contains("metrics-server")
            }
            let deployments = try await cluster.list(
                KubernetesResource(kind: "Deployment")!, namespace: nil, labelSelector: "k8s-app=metrics-server")
            if !(hasAPIService && !deployments.isEmpty) {
                let fix =
                    deployments.isEmpty
                    ? "You can fix this by deploying metrics-server:\n\n```kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml```"
                    : "You can fix this by deploying metrics-server API service:\n\n```kubectl apply -f https://raw.githubusercontent.com/kubernetes-sigs/metrics-server/master/manifests/base/apiservice.yaml```"
                context.addEnrichment([.markdown("The HPA cannot function because a metrics API was not found.\n\n" + fix)]) {
                    DefaultFinding.forAlert(event)
                }
            }
        }
        let desired = PodAnalysis.string(hpa.json.value(atPath: "status.desiredReplicas"))
        let current = PodAnalysis.string(hpa.json.value(atPath: "status.currentReplicas"))
        context.addEnrichment([.markdown("*Replicas: Desired (\(desired)) --> Running (\(current))*")]) { DefaultFinding.forAlert(event) }
        let table = try await ObjectEvents.table(
            cluster, name: "*HPA events:*", kind: "HorizontalPodAutoscaler", objectName: hpa.name, namespace: hpa.namespace,
            includedTypes: parameters.includedTypes, maxEvents: parameters.maxEvents)
        ObjectEvents.enrich(table, title: "HPA Events", event: event, context: context)
    }

    public func apiServiceStatusEnricher(
        _ event: some PrometheusKubernetesAlert, parameters: ApiServiceStatusEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = ApiServiceStatusEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let name = event.alert.label("name"), !name.isEmpty else {
            context.log("\(action): the alert has no name label")
            return
        }
        let services: [KubernetesObject]
        do {
            services = try await cluster.list(.apiService, namespace: nil, fieldSelector: "metadata.name=\(name)")
        } catch {
            context.log("\(action): \(ClusterCalls.message(error))")
            return
        }
        guard services.count == 1, let service = services.first else {
            context.log("\(action): \(services.count) APIServices are named \(name)")
            return
        }
        guard
            let available = (service.json.value(atPath: "status.conditions")?.arrayValue ?? []).first(where: {
                $0["type"]?.stringValue == "Available"
            })
        else {
            context.log("\(action): APIService \(name) has no Available condition")
            return
        }
        let serviceName = service.json.value(atPath: "spec.service.name")?.stringValue
        let serviceNamespace = service.json.value(atPath: "spec.service.namespace")?.stringValue
        if available["reason"]?.stringValue == "ServiceNotFound", available["status"]?.stringValue != "True" {
            context.addEnrichment([
                .markdown(
                    "The APIServer was extended with APIs from `\(serviceNamespace ?? "None")/\(serviceName ?? "None")`. However, this service doesn't exist."
                ),
                .markdown(
                    "To fix this alert, restore that service or remove it from the APIServer by running: ```kubectl delete apiservice \(name)```"
                ),
            ]) { DefaultFinding.forAlert(event) }
            return
        }
        var text = "The APIService \(name) has an error. "
        if let serviceName, let serviceNamespace, !serviceName.isEmpty, !serviceNamespace.isEmpty {
            // Robusta writes the name before the namespace here.
            text = "The APIServer was extended with APIs from `\(serviceName)/\(serviceNamespace)` which has an error. "
        }
        var json = service.json
        if case .object(var root) = json, case .object(var metadata)? = root["metadata"] {
            metadata["managedFields"] = nil
            if case .object(var annotations)? = metadata["annotations"] {
                annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
                metadata["annotations"] = .object(annotations)
            }
            root["metadata"] = .object(metadata)
            json = .object(root)
        }
        context.addEnrichment([
            .markdown(text + "Below is the relevant YAML definition."), .file(name: "\(name).yaml", contents: KubernetesYAML.dump(json)),
        ]) { DefaultFinding.forAlert(event) }
    }

    public func daemonsetMisscheduledAnalysisEnricher(
        _ event: some DaemonSetEvent, parameters: DaemonsetMisscheduledAnalysisEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let action = DaemonsetMisscheduledAnalysisEnricherAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let daemonSet = Self.required(event.daemonSet, "DaemonSet", action: action, context: context) else { return }
        let autoscalerTaint = "ToBeDeletedByClusterAutoscaler"
        let tolerations = daemonSet.json.value(atPath: "spec.template.spec.tolerations")?.arrayValue ?? []
        if tolerations.contains(where: { $0["key"]?.stringValue == autoscalerTaint }) { return }
        let nodes = try await cluster.list(.node, namespace: nil)
        let taintedNodes = Set(
            nodes.filter { node in
                (node.json.value(atPath: "spec.taints")?.arrayValue ?? []).contains { $0["key"]?.stringValue == autoscalerTaint }
            }.compactMap(\.name))
        let knownNodes = Set(nodes.compactMap(\.name))
        let uid = daemonSet.json.value(atPath: "metadata.uid")?.stringValue
        let pods = try await cluster.list(.pod, namespace: daemonSet.namespace).filter { pod in
            (pod.json.value(atPath: "metadata.ownerReferences")?.arrayValue ?? []).contains { $0["uid"]?.stringValue == uid }
        }
        var falseAlarm = false
        for pod in pods {
            let node = pod.json.value(atPath: "spec.nodeName")?.stringValue ?? ""
            guard knownNodes.contains(node) else {
                context.log("\(action): pod \(pod.name ?? "None") runs on unknown node \(node)")
                continue
            }
            if taintedNodes.contains(node) { falseAlarm = true }
        }
        guard falseAlarm else { return }
        context.addEnrichment([
            .markdown(
                "*Alert Cause*\n This specific firing of the alert is a *known false alarm* which occurs when the cluster autoscaler removes nodes running daemonsets which didn't explicitly request to remain running during node-shutdown."
            ),
            .markdown(
                "(<https://blog.florentdelannoy.com/blog/2020/kube-daemonset-misscheduled/|Learn more>).\n\n*Remediation*\nWould you like to:\n\n1. Fix the daemonset configuration to avoid the false alarm\n2. Use Robusta to silence the false alarm while passing through real alerts.\n\nChoose an option below to learn more."
            ),
        ]) { DefaultFinding.of(event) }
    }

    public func resourceEventsDiff(
        _ event: some KubernetesAnyChangeEvent, parameters: ResourceEventsDiffAction.Parameters, context: ActionContext
    ) async throws {
        // Robusta hands the change to its platform's sink (handle_service_diff), which keeps its
        // service, node and job inventory; no sink of Triggerfish has one, so there is nothing to do.
    }
}
