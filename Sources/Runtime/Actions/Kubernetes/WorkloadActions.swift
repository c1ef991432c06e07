import Foundation

// The built-in actions about a workload or any resource (Robusta's, reference C6, C11, C12).
extension BuiltinActionImplementations {
    public func podIssueInvestigator(
        _ event: some KubernetesResourceEvent, parameters: PodIssueInvestigatorAction.Parameters, context: ActionContext
    ) async throws {
        let action = PodIssueInvestigatorAction.name
        let cluster = try ClusterCalls(context, action: action)
        guard let resource = Self.required(event.resource, "resource", action: action, context: context) else { return }
        let kind = resource.kind ?? "None"
        guard ["Deployment", "DaemonSet", "ReplicaSet", "Pod", "StatefulSet", "Job"].contains(kind) else {
            throw ActionError(.failed, action: action, message: "Pod investigator is not supported for resource \(kind)")
        }
        let pods: [KubernetesObject]
        switch kind {
        case "Job": pods = try await Selectors.jobPods(resource, cluster: cluster) ?? []
        case "Pod": pods = [resource]
        default:
            pods = try await cluster.list(
                .pod, namespace: resource.namespace, labelSelector: Selectors.query(resource.json.value(atPath: "spec.selector")))
        }
        let now = context.now()
        guard let found = pods.lazy.map({ ($0, PodAnalysis.issue($0, now: now)) }).first(where: { $0.1 != .noneDetected }) else {
            context.log("\(action): no pod of \(kind) \(resource.name ?? "None") has an issue")
            return
        }
        let (pod, issue) = found
        let (message, reason) = PodAnalysis.messageAndReason(pod)
        for enrichment in try await PodAnalysis.issueEnrichments(pod, cluster: cluster, now: now, context: context) ?? [] {
            context.addEnrichment(enrichment.blocks, title: enrichment.title, type: enrichment.type) { DefaultFinding.of(event) }
        }
        let status = resource.json["status"]
        func count(_ field: String) -> Int { status?[field]?.intValue ?? 0 }
        var explanation: String
        switch kind {
        case "Deployment":
            explanation = "\(count("availableReplicas")) pod(s) are available. \(count("unavailableReplicas")) pod(s) are not ready"
        case "StatefulSet":
            let available = count("availableReplicas")
            explanation = "\(available) pod(s) are available. \(count("replicas") - available) pod(s) are not ready"
        case "DaemonSet":
            explanation = "\(count("numberAvailable")) pod(s) are available. \(count("numberUnavailable")) pod(s) are not ready"
        default:
            explanation = "\n\nPod is not ready"
        }
        explanation += " due to \(issue.text)"
        if let reason { explanation += "\n\n\(reason): \(message ?? "N/A")" }
        context.updateFindings { finding in
            if let description = finding.description, !description.isEmpty {
                finding.description = description + "\n\n" + explanation
            } else {
                finding.description = explanation
            }
        }
    }

    public func getResourceYaml(
        _ event: some KubernetesResourceEvent, parameters: GetResourceYamlAction.Parameters, context: ActionContext
    ) async throws {
        let action = GetResourceYamlAction.name
        guard let resource = event.resource else {
            throw ActionError(.failed, action: action, message: "Resource not found for get resource yaml.")
        }
        let name = resource.name ?? "None"
        context.addEnrichment(
            [
                .markdown("Your YAML file for \(resource.kind ?? "None") \(resource.namespace ?? "None")/\(name)"),
                .file(name: "\(name).yaml", contents: KubernetesYAML.document(resource.json)),
            ]
        ) { DefaultFinding.of(event) }
    }

    public func rolloutRestart(
        _ event: some KubernetesResourceEvent, parameters: RolloutRestartAction.Parameters, context: ActionContext
    ) async throws {
        let action = RolloutRestartAction.name
        guard let resource = event.resource else { throw ActionError(.failed, action: action, message: "Couldn't found resource") }
        let cluster = try ClusterCalls(context, action: action)
        let (kind, namespace, name) = (resource.kind ?? "None", resource.namespace ?? "None", resource.name ?? "None")
        let group = resource.apiVersion.map { $0.split(separator: "/").count == 2 ? String($0.split(separator: "/")[0]) : "" } ?? ""
        let now = Self.pythonISOTime(context.now())
        do {
            if ["Deployment", "DeploymentConfig"].contains(kind), resource.json.value(atPath: "spec.paused") == .bool(true) {
                context.addEnrichment([.markdown("can't restart paused deployment/\(namespace)/\(name) (run rollout resume first).")]) {
                    DefaultFinding.of(event)
                }
                return
            }
            let target: KubernetesResource
            let patch: JSONValue
            let type: KubernetesPatchType
            var restartedMarkdown = false
            switch (kind, group) {
            case ("Deployment", _), ("StatefulSet", _), ("DaemonSet", _):
                target = KubernetesResource(kind: kind)!
                patch = ["spec": ["template": ["metadata": ["annotations": ["robusta.kubernetes.io/restartedAt": .string(now)]]]]]
                type = .strategicMerge
                restartedMarkdown = true
            case ("Rollout", "argoproj.io"):
                target = KubernetesResource(group: group, version: "v1alpha1", plural: "rollouts", kind: kind, namespaced: true)
                patch = ["spec": ["restartAt": .string(now)]]
                type = .merge
            case ("DeploymentConfig", "apps.openshift.io"):
                target = KubernetesResource(group: group, version: "v1", plural: "deploymentconfigs", kind: kind, namespaced: true)
                patch = ["spec": ["template": ["metadata": ["annotations": ["robusta.kubernetes.io/restartedAt": .string(now)]]]]]
                type = .merge
            case ("StrimziPodSet", "core.strimzi.io"):
                target = KubernetesResource(group: group, version: "v1beta2", plural: "strimzipodsets", kind: kind, namespaced: true)
                patch = ["metadata": ["annotations": ["strimzi.io/manual-rolling-update": "true"]]]
                type = .merge
            case ("Cluster", "postgresql.cnpg.io"):
                target = KubernetesResource(group: group, version: "v1", plural: "clusters", kind: kind, namespaced: true)
                patch = ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": .string(now)]]]
                type = .merge
            default:
                throw ActionError(.failed, action: action, message: "Rollout restart is not supported for resource \(kind)")
            }
            _ = try await cluster.patch(target, namespace: resource.namespace, name: name, patch: patch, type: type)
            if restartedMarkdown {
                context.addEnrichment([.markdown("\(kind)/\(namespace)/\(name) restarted")]) { DefaultFinding.of(event) }
            }
        } catch {
            throw ActionError(
                .failed, action: action, message: "Failed to rollout restart \(kind)/\(namespace)/\(name)\n \(ClusterCalls.message(error))")
        }
    }

    /// `2024-01-01T10:00:00.123456+00:00`, as Python's `datetime.now(timezone.utc).isoformat()`
    /// prints it (no fraction when the microseconds are 0).
    static func pythonISOTime(_ date: Date) -> String {
        let text = RFC3339.format(date)
        let seconds = date.timeIntervalSince1970
        let micros = Int(((seconds - seconds.rounded(.down)) * 1_000_000).rounded())
        let base = String(text.prefix(19))
        guard micros > 0, micros < 1_000_000 else { return base + "+00:00" }
        let fraction = String(micros)
        return base + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "+00:00"
    }
}

/// A Kubernetes object as a block-style YAML document (`---` first; `apiVersion`, `kind`,
/// `metadata`, `spec`, `status` in that order, then the other keys; nested keys sorted).
enum KubernetesYAML {
    static let topOrder = ["apiVersion", "kind", "metadata", "spec", "status"]

    static func document(_ object: JSONValue) -> String {
        guard let members = object.objectValue else { return "---\n" + scalar(object) + "\n" }
        let keys = topOrder.filter { members[$0] != nil } + members.keys.filter { !topOrder.contains($0) }.sorted()
        return "---\n" + keys.map { entry($0, members[$0]!, indent: "") }.joined()
    }

    /// The object as PyYAML's `yaml.dump` writes it: every key sorted, no document marker.
    static func dump(_ object: JSONValue) -> String {
        guard let members = object.objectValue else { return scalar(object) + "\n" }
        return members.keys.sorted().map { entry($0, members[$0]!, indent: "") }.joined()
    }

    static func entry(_ key: String, _ value: JSONValue, indent: String) -> String {
        let name = scalar(.string(key))
        switch value {
        case .object(let members) where !members.isEmpty:
            return "\(indent)\(name):\n" + members.keys.sorted().map { entry($0, members[$0]!, indent: indent + "  ") }.joined()
        case .array(let items) where !items.isEmpty:
            return "\(indent)\(name):\n" + items.map { item(value: $0, indent: indent) }.joined()
        default:
            return "\(indent)\(name): \(scalar(value))\n"
        }
    }

    static func item(value: JSONValue, indent: String) -> String {
        switch value {
        case .object(let members) where !members.isEmpty:
            let lines = members.keys.sorted().map { entry($0, members[$0]!, indent: indent + "  ") }.joined()
            return indent + "- " + lines.dropFirst(indent.count + 2)
        case .array(let items) where !items.isEmpty:
            let lines = items.map { item(value: $0, indent: indent + "  ") }.joined()
            return indent + "- " + lines.dropFirst(indent.count + 2)
        default:
            return "\(indent)- \(scalar(value))\n"
        }
    }

    static func scalar(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .object: "{}"
        case .array: "[]"
        case .string(let s): plain(s) ? s : quoted(s)
        }
    }

    /// Whether a string reads back as itself unquoted.
    static func plain(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return false }
        let reserved = ["true", "false", "yes", "no", "on", "off", "null", "~", "y", "n"]
        if reserved.contains(s.lowercased()) || Double(s) != nil || Int(s) != nil { return false }
        if "-?:,[]{}#&*!|>'\"%@` ".unicodeScalars.contains(first) || last == " " { return false }
        if s.contains(": ") || s.contains(" #") || s.hasSuffix(":") { return false }
        return !s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
