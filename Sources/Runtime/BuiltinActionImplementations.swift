/// The runtime's implementations of the built-in actions declared in `schema/actions.yaml`.
/// Conforming to the generated `BuiltinActions` makes the compiler hold each one to its declared
/// event type and parameters.
public struct BuiltinActionImplementations: BuiltinActions {
    public init() {}

    public func createFinding(
        _ event: some ExecutionBaseEvent, parameters: CreateFindingAction.Parameters, context: ActionContext
    ) async throws {
        let subject = EventSubject.of(event)
        context.addFinding(
            Finding(
                title: FindingTemplate.render(parameters.title, subject: subject),
                description: parameters.description.map { FindingTemplate.render($0, subject: subject) },
                severity: Finding.Severity(configName: parameters.severity) ?? .high,
                aggregationKey: parameters.aggregationKey,
                source: EventSubject.source(of: event),
                subject: subject))
    }

    /// Paths that change on every write and say nothing about what a person changed.
    static let noisyPaths: Set<String> = ["metadata.resourceVersion", "metadata.generation", "metadata.managedFields"]

    public func resourceBabysitter(
        _ event: some KubernetesAnyChangeEvent, parameters: ResourceBabysitterAction.Parameters, context: ActionContext
    ) async throws {
        let object = event.object
        if let namespace = object.namespace, parameters.ignoredNamespaces.contains(namespace) { return }
        let kind = object.kind ?? "Resource"
        let name = object.name ?? "<unnamed>"
        let verb: String
        switch event.operation {
        case .create: verb = "created"
        case .update: verb = "updated"
        case .delete: verb = "deleted"
        }
        let diff = DiffEntry.between(event.oldObject?.json, event.operation == .delete ? nil : object.json)
            .filter { entry in
                !Self.noisyPaths.contains(where: { entry.path == $0 || entry.path.hasPrefix($0 + ".") || entry.path.hasPrefix($0 + "[") })
            }
        if event.operation == .update && diff.isEmpty { return }
        var finding = Finding(
            title: "\(kind) \(name) \(verb)\(object.namespace.map { " in namespace \($0)" } ?? "")",
            severity: .info,
            aggregationKey: "ConfigurationChange/KubernetesResource/Change",
            source: "kubernetes_api_server",
            subject: FindingSubject(object))
        switch event.operation {
        case .update: finding.enrichments = [Enrichment(title: "Changes", blocks: [.kubernetesDiff(diff)])]
        case .delete: finding.enrichments = [Enrichment(title: "Deleted object", blocks: [.json(object.json)])]
        case .create: finding.enrichments = [Enrichment(title: "Created object", blocks: [.json(object.json)])]
        }
        context.addFinding(finding)
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
        if event.alert.labels["severity"] == parameters.severity { context.stopProcessing = true }
    }
}
