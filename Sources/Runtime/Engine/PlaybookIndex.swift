import _TriggerfishCore

/// A config's playbooks compiled for dispatch, once at engine start: each playbook's triggers
/// with their parameters decoded (filters, smart-trigger conditions, alert filters) and its sinks
/// resolved, and the candidate playbooks of an input by Kubernetes kind and operation and by alert
/// name, in config order. A value: given a config, which playbooks can an input fire.
struct PlaybookIndex: Sendable {
    /// A Kubernetes trigger of a playbook, with its parameters decoded.
    struct KubernetesTriggerRuntime: Sendable {
        let key: String
        let type: any KubernetesTrigger.Type
        let filters: KubernetesFilters
        let condition: TriggerCondition?
    }

    /// A playbook as the executor runs it.
    struct Runnable: Sendable {
        let playbook: PlaybookConfig.Playbook
        let kubernetesTriggers: [KubernetesTriggerRuntime]
        let alertTriggers: [AlertFilters]
        /// The playbook's `sinks`, or the config's default sinks when it names none.
        let sinks: [String]
    }

    /// Every playbook of the config, in config order (candidates are indexes into it).
    let runnables: [Runnable]
    /// Kubernetes playbooks by "Kind|operation"; kinds without an entry use `anyKindIndex`.
    let kubernetesIndex: [String: [Int]]
    let anyKindIndex: [KubernetesOperation: [Int]]
    /// Alert playbooks by the `alert_name` their triggers require; `anyAlert` have a trigger without one.
    let alertIndex: [String: [Int]]
    let anyAlert: [Int]
    /// Whether any playbook takes alerts (objects are kept for resolving alerts only then).
    let hasAlertPlaybooks: Bool
    /// Playbooks triggered only by `on_schedule` (the scheduler runs them, not inputs).
    let scheduledPlaybooks: [PlaybookConfig.Playbook]

    /// - Parameter defaultSinks: the sinks of a playbook that names none.
    init(playbooks: [PlaybookConfig.Playbook], defaultSinks: [String]) throws(ConfigLoadError) {
        let triggerTypes = Dictionary(TriggerCatalog.all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [Diagnostic] = []
        var runnables: [Runnable] = []
        var scheduled: [PlaybookConfig.Playbook] = []
        for playbook in playbooks {
            var kubernetes: [KubernetesTriggerRuntime] = []
            var alerts: [AlertFilters] = []
            for trigger in playbook.triggers {
                let path = trigger.key
                do throws(ParameterError) {
                    guard let type = triggerTypes[trigger.key] else {
                        throw ParameterError(path: path, message: "is not a trigger this runtime knows")
                    }
                    if let kubernetesType = type as? any KubernetesTrigger.Type {
                        kubernetes.append(try Self.kubernetesTrigger(kubernetesType, trigger: trigger, path: path))
                    } else if type == OnPrometheusAlert.self {
                        alerts.append(try AlertFilters(parameters: trigger.parameters, scope: trigger.scope, path: path))
                    }
                } catch {
                    problems.append(.error(trigger.location, "\(error)"))
                }
            }
            if kubernetes.isEmpty && alerts.isEmpty { scheduled.append(playbook) }
            runnables.append(
                Runnable(
                    playbook: playbook, kubernetesTriggers: kubernetes, alertTriggers: alerts, sinks: playbook.sinks ?? defaultSinks))
        }
        guard problems.isEmpty else { throw ConfigLoadError(diagnostics: problems) }
        self.runnables = runnables
        self.scheduledPlaybooks = scheduled

        // Each playbook under every (kind, operation) one of its triggers listens to.
        let knownKinds = Set(TriggerCatalog.all.compactMap { ($0 as? any KubernetesTrigger.Type)?.kind })
        var byKind: [String: [Int]] = [:]
        var anyKind: [KubernetesOperation: [Int]] = [:]
        var byAlert: [String: [Int]] = [:]
        var anyAlert: [Int] = []
        for (index, runnable) in runnables.enumerated() {
            for trigger in runnable.kubernetesTriggers {
                let operations = trigger.type.operation.map { [$0] } ?? KubernetesOperation.allCases
                let kinds = trigger.type.kind.map { [$0] } ?? Array(knownKinds)
                for operation in operations {
                    if trigger.type.kind == nil { anyKind[operation, default: []].append(index) }
                    for kind in kinds { byKind["\(kind)|\(operation.rawValue)", default: []].append(index) }
                }
            }
            for trigger in runnable.alertTriggers {
                if let name = trigger.parameters.alertName {
                    byAlert[name, default: []].append(index)
                } else {
                    anyAlert.append(index)
                }
            }
        }
        func ordered(_ indexes: [Int]) -> [Int] { Array(Set(indexes)).sorted() }
        self.kubernetesIndex = byKind.mapValues(ordered)
        self.anyKindIndex = anyKind.mapValues(ordered)
        self.alertIndex = byAlert.mapValues(ordered)
        self.anyAlert = ordered(anyAlert)
        self.hasAlertPlaybooks = !byAlert.isEmpty || !anyAlert.isEmpty
    }

    static func kubernetesTrigger(
        _ type: any KubernetesTrigger.Type, trigger: PlaybookConfig.Trigger, path: String
    ) throws(ParameterError) -> KubernetesTriggerRuntime {
        let parameters = trigger.parameters
        let filters = try KubernetesFilters(parameters: parameters, scope: trigger.scope, path: path)
        // A trigger with a schema `condition` conforms to ConditionalTrigger in the generated code.
        let condition = try (type as? any ConditionalTrigger.Type)?.condition(parameters: parameters, path: path)
        return KubernetesTriggerRuntime(key: type.key, type: type, filters: filters, condition: condition)
    }

    /// Candidate playbooks for a change (indexes into ``runnables``), in config order.
    func candidates(for change: KubernetesChange) -> [Int] {
        kubernetesIndex["\(change.kind)|\(change.operation.rawValue)"] ?? anyKindIndex[change.operation] ?? []
    }

    /// Candidate playbooks for an alert of this name (indexes into ``runnables``), in config order.
    func candidates(forAlertNamed name: String) -> [Int] {
        Array(Set((alertIndex[name] ?? []) + anyAlert)).sorted()
    }
}
