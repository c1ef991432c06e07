import Foundation
import _TriggerfishCore

/// The runtime's implementations of the built-in actions declared in `schema/actions.yaml`.
/// Conforming to the generated `BuiltinActions` makes the compiler hold each one to its declared
/// event type and parameters. Actions declared `implemented: false` (those that need the
/// Kubernetes API, Prometheus or the Robusta platform) have no method here; their generated
/// registrations throw `notImplemented`.
///
/// Behaviour follows Robusta's actions; where Robusta attaches a link (the alert's graph, a
/// video), the link is a Markdown enrichment, as findings have no separate links.
public struct BuiltinActionImplementations: BuiltinActions {
    public init() {}

    public func createFinding(
        _ event: some ExecutionBaseEvent, parameters: CreateFindingAction.Parameters, context: ActionContext
    ) async throws {
        let subject = EventSubject.of(event)
        // The finding's subject and source are the event's: the context fills them in, as it
        // does for every action's findings.
        context.addFinding(
            Finding(
                title: FindingTemplate.render(parameters.title, subject: subject),
                description: parameters.description.map { FindingTemplate.render($0, subject: subject) },
                severity: Finding.Severity(configName: parameters.severity) ?? .high,
                aggregationKey: parameters.aggregationKey))
    }

    /// Paths that change on every write and say nothing about what a person changed.
    static let noisyPaths: Set<String> = ["metadata.resourceVersion", "metadata.generation", "metadata.managedFields"]

    public func resourceBabysitter(
        _ event: some KubernetesAnyChangeEvent, parameters: ResourceBabysitterAction.Parameters, context: ActionContext
    ) async throws {
        let object = event.object
        if let namespace = object.namespace, parameters.ignoredNamespaces.contains(namespace) { return }
        let kind = object.kind ?? "Resource"
        // The differences the trigger's change filters kept, when it has change filters (as Robusta's
        // babysitter reports the filtered diff); otherwise every difference but the noisy ones.
        let diff = (context.filteredChanges ?? DiffEntry.between(event.oldObject?.json, event.operation == .delete ? nil : object.json))
            .filter { entry in
                !Self.noisyPaths.contains(where: { entry.path == $0 || entry.path.hasPrefix($0 + ".") || entry.path.hasPrefix($0 + "[") })
            }
        if event.operation == .update && diff.isEmpty { return }
        // Robusta's KubernetesDiffBlock names the object from the old one when there is one.
        let named = event.operation == .update ? event.oldObject ?? object : object
        let resourceName =
            "\(kind.lowercased())/\(named.namespace.map { "\($0)/" } ?? "")\(named.name ?? "None").yaml"
        var finding = Finding(
            title: "\(resourceName) \(event.operation.rawValue)d",
            description: Self.diffDescription(kind: kind, operation: event.operation, changes: diff),
            severity: .info,
            aggregationKey: "ConfigurationChange/KubernetesResource/Change",
            source: "kubernetes_api_server",
            subject: Self.babysitterSubject(object),
            findingType: "configuration_change", failure: false)
        let block: Block = event.operation == .update ? .kubernetesDiff(diff) : .json(object.json)
        finding.enrichments = [Enrichment(title: "Kubernetes Manifest Change", blocks: [block], type: "diff")]
        context.addFinding(finding)
    }

    /// The changed object as Robusta's babysitter names it (`KubeObjFindingSubject` with
    /// `should_add_node_name` only for a Node change): a pod's node is left out.
    static func babysitterSubject(_ object: KubernetesObject) -> FindingSubject {
        var subject = FindingSubject(object)
        if object.kind != "Node" { subject.node = nil }
        return subject
    }

    /// Robusta's KubernetesDiffBlock description: `Deployment updated`, followed on an update by
    /// the changed attributes (each path's last name that is not a list index), at most five:
    /// `Deployment updated\n ● Attributes: image, replicas`.
    static func diffDescription(kind: String, operation: KubernetesOperation, changes: [DiffEntry]) -> String {
        let head = "\(kind) \(operation.rawValue)d"
        guard operation == .update else { return head }
        let names = changes.compactMap { change -> String? in
            change.path.split(separator: ".").last.map { String($0.prefix { $0 != "[" }) }
        }
        guard !names.isEmpty else { return head }
        let shown =
            names.count >= 5
            ? names.prefix(5).joined(separator: ", ") + " ... (and \(names.count - 5) more)" : names.joined(separator: ", ")
        return head + "\n ● Attributes: " + shown
    }

    public func echo(_ event: some ExecutionBaseEvent, parameters: EchoAction.Parameters, context: ActionContext) async throws {
        context.log("echo: \(parameters.message)")
    }

    public func nameSilencer(
        _ event: some PrometheusKubernetesAlert, parameters: NameSilencerAction.Parameters, context: ActionContext
    ) async throws {
        if parameters.names.contains(event.alert.name) { context.stopProcessing = true }
    }

    public func severitySilencer(
        _ event: some PrometheusKubernetesAlert, parameters: SeveritySilencerAction.Parameters, context: ActionContext
    ) async throws {
        if event.alert.label("severity") == parameters.severity { context.stopProcessing = true }
    }

    public func silenceAlert(_ event: some PrometheusKubernetesAlert, parameters: SilenceAlertAction.Parameters, context: ActionContext)
        async throws
    {
        if parameters.logSilence { context.log("silencing alert \(event.alert.name)") }
        context.stopProcessing = true
    }

    // MARK: Findings

    public func customiseFinding(
        _ event: some ExecutionBaseEvent, parameters: CustomiseFindingAction.Parameters, context: ActionContext
    ) async throws {
        var severity: Finding.Severity?
        if let name = parameters.severity, !name.isEmpty {
            guard let known = Finding.Severity(configName: name) else {
                throw ActionError(
                    .invalidParameters, action: CustomiseFindingAction.name,
                    message: "unknown severity \(quoted: name); expected DEBUG, INFO, LOW, MEDIUM or HIGH")
            }
            severity = known
        }
        let subject = EventSubject.of(event)
        func rendered(_ template: String?) -> String? {
            guard let template, !template.isEmpty else { return nil }
            return FindingTemplate.render(template, subject: subject)
        }
        let title = rendered(parameters.title)
        let description = rendered(parameters.description)
        let aggregationKey = rendered(parameters.aggregationKey)
        let labels = try FindingLabels.apply(parameters.findingLabelRules ?? [], to: subject)
        context.updateFindings { finding in
            if let title { finding.title = title }
            if let description { finding.description = description }
            if let severity { finding.severity = severity }
            if let aggregationKey { finding.aggregationKey = aggregationKey }
            finding.subject.labels.merge(labels) { _, new in new }
        }
    }

    public func externalVideoEnricher(
        _ event: some ExecutionBaseEvent, parameters: ExternalVideoEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let name = parameters.name ?? "See more"
        context.addEnrichment([.markdown("[\(name)](\(parameters.url))")], title: "Video") { DefaultFinding.of(event) }
    }

    // MARK: Alerts

    /// Robusta's default_enricher (reference C4): a `View Graph` link to an http(s) generator
    /// URL (a Markdown enrichment `Links` here, as findings have no links), then the alert's
    /// labels, and optionally its annotations, as `label`/`value` tables named `*Alert labels*`
    /// and `*Alert annotations*`, enrichment type `alert_labels`.
    public func defaultEnricher(
        _ event: some PrometheusKubernetesAlert, parameters: DefaultEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let alert = event.alert
        if parameters.alertGeneratorLink, Self.isWebURL(alert.generatorURL) {
            context.addEnrichment([.markdown("[View Graph](\(alert.generatorURL))")], title: "Links") {
                DefaultFinding.forAlert(event)
            }
        }
        context.addEnrichment([Self.table(alert.labels, name: "*Alert labels*")], title: "Alert labels", type: "alert_labels") {
            DefaultFinding.forAlert(event)
        }
        if parameters.alertAnnotationsEnrichment, !alert.annotations.isEmpty {
            context.addEnrichment(
                [Self.table(alert.annotations, name: "*Alert annotations*")], title: "Alert annotations", type: "alert_labels"
            ) { DefaultFinding.forAlert(event) }
        }
    }

    /// Whether Robusta links to the URL: its scheme is http or https and it has a host.
    static func isWebURL(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else { return false }
        return (scheme == "http" || scheme == "https") && !(components.host ?? "").isEmpty
    }

    /// A two-column table of an alert's labels or annotations (Robusta's header is "label" for
    /// both). Robusta keeps the alert's order; Triggerfish's maps have none, so it is sorted by name.
    static func table(_ pairs: [String: String], name: String) -> Block {
        .table(headers: ["label", "value"], rows: pairs.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }, name: name)
    }

    public func alertExplanationEnricher(
        _ event: some PrometheusKubernetesAlert, parameters: AlertExplanationEnricherAction.Parameters, context: ActionContext
    ) async throws {
        // Robusta's (reference C4): each block only when its text is set, and nothing at all without either.
        var blocks: [Block] = []
        if let explanation = parameters.alertExplanation, !explanation.isEmpty {
            blocks.append(.markdown("📘 *Alert Explanation:* \(explanation)"))
        }
        if let resolution = parameters.recommendedResolution, !resolution.isEmpty {
            blocks.append(.markdown("🛠 *Robusta's Recommendation:* \(resolution)"))
        }
        guard !blocks.isEmpty else { return }
        context.addEnrichment(blocks) { DefaultFinding.forAlert(event) }
    }

    public func statefulsetReplicasEnricher(
        _ event: some PrometheusKubernetesAlert, parameters: StatefulsetReplicasEnricherAction.Parameters, context: ActionContext
    ) async throws {
        guard let statefulSet = event.statefulSet?.json else {
            context.log("statefulset_replicas_enricher: the alert \(event.alert.name) has no StatefulSet")
            return
        }
        // Robusta writes the counts as Python does: `None` for one the object does not have.
        func count(_ path: String) -> String { statefulSet.value(atPath: path).map(Self.text) ?? "None" }
        let ready = statefulSet.value(atPath: "status.readyReplicas")?.intValue ?? 0
        let readiness = ready != 0 ? "Only \(ready) replicas are ready." : "No replicas are ready."
        let description =
            event.alert.cleanDescription
            + " \(count("status.replicas")) out of \(count("spec.replicas")) replicas were created for this Statefulset. "
            + readiness
        context.updateFindings { $0.description = description }
    }

    // MARK: Kubernetes events

    public func createEventFinding(
        _ event: some EventChangeEvent, parameters: CreateEventFindingAction.Parameters, context: ActionContext
    ) async throws {
        let kubernetesEvent = KubernetesEventFields(event.object)
        context.addFinding(kubernetesEvent.finding(aggregationKey: parameters.aggregationKey, description: kubernetesEvent.note))
    }

    public func warningEventsReport(
        _ event: some EventChangeEvent, parameters: WarningEventsReportAction.Parameters, context: ActionContext
    ) async throws {
        let kubernetesEvent = KubernetesEventFields(event.object)
        var aggregationKey = "Kubernetes\(kubernetesEvent.type ?? "None")Event"
        var description = kubernetesEvent.note
        if let group = parameters.warningEventGroups.first(where: { group in
            kubernetesEvent.reason.map(group.matchers.contains) ?? false
        }) {
            aggregationKey = group.aggregationKey
            if let template = group.description, !template.isEmpty {
                description = DollarTemplate.substitute(template, dialect: .eventTemplate) {
                    kubernetesEvent.templateVariables[$0]
                }
            }
        }
        context.addFinding(kubernetesEvent.finding(aggregationKey: aggregationKey, description: description))
    }

    // MARK: Resources

    /// Robusta's template_enricher (reference C4): Python's plain `string.Template` over the
    /// subject's attributes as `str()` writes them: `name`, `subject_type`
    /// (`FindingSubjectType.TYPE_POD`), `namespace`, `node`, `container` (an alert's `container`
    /// label), `labels` and `annotations` (Python dicts), `kind` (the subject type's value,
    /// `pod`); a missing value is `None`. For an alert, its labels and then its annotations come
    /// first, and the subject's attributes override them. Unknown names give `<missing>`.
    public func templateEnricher(
        _ event: some KubernetesResourceEvent, parameters: TemplateEnricherAction.Parameters, context: ActionContext
    ) async throws {
        let subject = EventSubject.of(event)
        var variables: [String: String] = [:]
        var container: String?
        if let alert = event as? any PrometheusKubernetesAlert {
            variables.merge(alert.alert.labels) { _, new in new }
            variables.merge(alert.alert.annotations) { _, new in new }
            container = alert.alert.label("container")
        }
        variables["name"] = subject.name ?? "None"
        variables["subject_type"] = Finding.subjectTypeName(kind: subject.kind)
        variables["namespace"] = subject.namespace ?? "None"
        variables["node"] = subject.node ?? "None"
        variables["container"] = container ?? "None"
        variables["labels"] = PythonText.dict(subject.labels)
        variables["annotations"] = PythonText.dict(subject.annotations)
        variables["kind"] = Finding.subjectType(kind: subject.kind)?.value ?? "None"
        let text = DollarTemplate.substitute(parameters.template, dialect: .python(dottedNames: false)) { variables[$0] }
        context.addEnrichment([.markdown(text)]) { DefaultFinding.of(event) }
    }

    public func statusEnricher(
        _ event: some KubernetesResourceEvent, parameters: StatusEnricherAction.Parameters, context: ActionContext
    ) async throws {
        guard let resource = Self.required(event.resource, "resource", action: StatusEnricherAction.name, context: context) else { return }
        let conditions = resource.json.value(atPath: "status.conditions")?.arrayValue ?? []
        guard !conditions.isEmpty else { return }
        var headers = ["Type", "Status"]
        if parameters.showDetails { headers.append("Message") }
        let rows = conditions.map { condition in
            let row = [condition["type"]?.stringValue ?? "", condition["status"]?.stringValue ?? ""]
            return parameters.showDetails ? row + [condition["message"]?.stringValue ?? ""] : row
        }
        context.addEnrichment([.table(headers: headers, rows: rows, name: "*\(resource.kind ?? "None") status details:*")]) {
            DefaultFinding.of(event)
        }
    }

    public func nodeStatusEnricher(_ event: some NodeEvent, parameters: NodeStatusEnricherAction.Parameters, context: ActionContext)
        async throws
    {
        guard let node = Self.required(event.node, "node", action: NodeStatusEnricherAction.name, context: context) else { return }
        context.addEnrichment([NodeTables.status(node)]) { DefaultFinding.of(event) }
    }

    public func nodeAllocatableResourcesEnricher(
        _ event: some NodeEvent, parameters: NodeAllocatableResourcesEnricherAction.Parameters, context: ActionContext
    ) async throws {
        guard let node = Self.required(event.node, "node", action: NodeAllocatableResourcesEnricherAction.name, context: context) else {
            return
        }
        context.addEnrichment([NodeTables.allocatable(node)]) { DefaultFinding.of(event) }
    }

    public func daemonsetStatusEnricher(
        _ event: some DaemonSetEvent, parameters: DaemonsetStatusEnricherAction.Parameters, context: ActionContext
    ) async throws {
        guard let daemonSet = Self.required(event.daemonSet, "DaemonSet", action: DaemonsetStatusEnricherAction.name, context: context)
        else { return }
        let fields = ["desiredNumberScheduled", "currentNumberScheduled", "numberAvailable", "numberMisscheduled"]
        let rows = fields.map { field in
            ["status.\(field)", daemonSet.json.value(atPath: "status.\(field)").map(Self.text) ?? "None"]
        }
        context.addEnrichment(
            [
                .markdown("*Daemonset Stats for \(daemonSet.name ?? "None")*"),
                .table(headers: ["field", "value"], rows: rows),
                .markdown(
                    "_Daemonset lifecycle: pods start out as desired, then get scheduled, and then become available. If Kubernetes then decides a pod shouldn't be running on a node after all, it becomes misscheduled._"
                ),
            ]
        ) { DefaultFinding.of(event) }
    }

    public func jobInfoEnricher(_ event: some JobEvent, parameters: JobInfoEnricherAction.Parameters, context: ActionContext) async throws {
        guard let job = Self.required(event.job?.json, "Job", action: JobInfoEnricherAction.name, context: context) else { return }
        func field(_ path: String) -> String { job.value(atPath: path).map(Self.text) ?? "None" }
        var rows: [[String]] = []
        let (status, message) = Self.jobStatus(job)
        rows.append(["status", status])
        if !message.isEmpty { rows.append(["message", message]) }
        let succeeded = job.value(atPath: "status.succeeded")?.intValue ?? 0
        let failed = job.value(atPath: "status.failed")?.intValue ?? 0
        rows += [
            ["completions", "\(succeeded)/\(field("spec.completions"))"],
            ["failures", "\(failed)"],
            ["backoffLimit", field("spec.backoffLimit")],
            ["duration", "\(field("status.startTime")) - \(field("status.completionTime"))"],
            ["containers", "------------------"],
        ]
        let podSpec = job.value(atPath: "spec.template.spec")
        let containers = (podSpec?["initContainers"]?.arrayValue ?? []) + (podSpec?["containers"]?.arrayValue ?? [])
        for container in containers {
            let requests = ContainerResources(container["resources"]?["requests"])
            let limits = ContainerResources(container["resources"]?["limits"])
            rows += [
                ["name", container["name"]?.stringValue ?? "None"],
                ["image", container["image"]?.stringValue ?? "None"],
                ["cpu (request/limit)", ContainerResources.pair(requests.cpu, limits.cpu)],
                ["memory MB (request/limit)", ContainerResources.pair(requests.memoryMB, limits.memoryMB)],
            ]
        }
        context.addEnrichment([.table(headers: ["description", "value"], rows: rows, name: "*Job information*")]) {
            DefaultFinding.of(event)
        }
    }

    /// Running while it has active pods; otherwise the type and message of its first true
    /// condition (Complete, Failed, ...); otherwise Starting when it has no active, failed or
    /// succeeded pods and no conditions yet; otherwise Unknown.
    static func jobStatus(_ job: JSONValue) -> (String, String) {
        func count(_ field: String) -> Int { job.value(atPath: "status.\(field)")?.intValue ?? 0 }
        if count("active") != 0 { return ("Running", "") }
        let conditions = job.value(atPath: "status.conditions")?.arrayValue ?? []
        for condition in conditions where condition["status"]?.stringValue == "True" {
            return (condition["type"]?.stringValue ?? "None", condition["message"]?.stringValue ?? "")
        }
        if count("failed") == 0 && count("succeeded") == 0 && conditions.isEmpty { return ("Starting", "") }
        return ("Unknown", "")
    }

    public func cpuThrottlingAnalysisEnricher(
        _ event: some PodEvent, parameters: CpuThrottlingAnalysisEnricherAction.Parameters, context: ActionContext
    ) async throws {
        guard let pod = Self.required(event.pod, "pod", action: CpuThrottlingAnalysisEnricherAction.name, context: context) else { return }
        let isMetricsServer = pod.name?.hasPrefix("metrics-server-") ?? false
        let tolerations = pod.json.value(atPath: "spec.tolerations")?.arrayValue ?? []
        let gkeManaged = tolerations.contains { $0["key"]?.stringValue == "components.gke.io/gke-managed-components" }
        let containers = pod.json.value(atPath: "spec.containers")?.arrayValue ?? []
        let hasCPULimit = containers.contains { container in
            guard let limit = container["resources"]?["limits"]?["cpu"] else { return false }
            return !limit.isNull && limit != .string("")
        }
        let blocks: [Block]
        if isMetricsServer && gkeManaged {
            // GKE manages this pod: nothing can be done about its throttling.
            context.log("cpu_throttling_analysis_enricher: ignoring CPU throttling of GKE's metrics-server")
            context.stopProcessing = true
            return
        } else if isMetricsServer && hasCPULimit {
            blocks = [
                .markdown(
                    "📘 *Alert Explanation:* This alert is likely due to a known issue with metrics-server. <https://github.com/kubernetes/autoscaler/issues/4141|The default metrics-server deployment has cpu limits which are too low.>"
                ),
                .markdown(
                    "🛠 *Robusta's Recommendation:* Increase the CPU limit for the metrics-server deployment. Note that metrics-server does *not* respect normal cpu limits. For instructions on fixing this issue, see the <https://github.com/robusta-dev/alert-explanations/wiki/CPUThrottlingHigh-on-metrics-server-(Prometheus-alert)|Robusta wiki>."
                ),
            ]
        } else if hasCPULimit {
            blocks = [
                .markdown(
                    "📘 *Alert Explanation:* This pod is throttled due to its CPU limit. This can occur even when CPU usage is far below the limit. <https://github.com/robusta-dev/alert-explanations/wiki/CPUThrottlingHigh-(Prometheus-Alert)|Learn more.>"
                ),
                .markdown(
                    "🛠 *Robusta's Recommendation:* Remove this pod's CPU limit entirely. <https://github.com/robusta-dev/alert-explanations/wiki/CPUThrottlingHigh-(Prometheus-Alert)#:~:text=relatively%20accurate%20one-,Explanation,-As%20long%20as|Using CPU limits is *not* a best practice.>"
                ),
            ]
        } else {
            blocks = [
                .markdown(
                    "📘 *Alert Explanation:* This pod is throttled because it is using more CPU than its request and the node doesn't have spare CPU to give. Increase the pod's CPU request. This will impact Kubernetes' scheduling decisions and guarantee the pod is placed on a node with sufficient CPU to match the new request."
                )
            ]
        }
        context.addEnrichment(blocks) { DefaultFinding.of(event) }
    }

    /// `value`, or `nil` after logging `<action>: the event has no <what>` (the action then does nothing).
    static func required<Value>(_ value: Value?, _ what: String, action: String, context: ActionContext) -> Value? {
        if value == nil { context.log("\(action): the event has no \(what)") }
        return value
    }

    /// A JSON scalar as Robusta prints it in a table cell.
    static func text(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "True" : "False"
        case .null: "None"
        case .array, .object: "\(value)"
        }
    }
}
