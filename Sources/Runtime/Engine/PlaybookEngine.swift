import Foundation
import _TriggerfishCore

/// Runs a ``PlaybookConfig`` with Robusta's semantics: candidate playbooks (found by an index on
/// the input's source, kind and operation) in config order; in each, the first trigger that fires
/// builds the event; actions in order, an action's error reported and the next action run; a
/// playbook's `stop` or an action's `stopProcessing` ends the remaining playbooks; findings
/// collected across the playbooks of one event and routed to sinks after the last one.
///
/// The engine is safe to call concurrently; callers keep the events of one object in order
/// (``InputPipeline`` does).
public final class PlaybookEngine: Sendable {
    public struct Options: Sendable {
        /// The cluster's provider as `on_prometheus_alert`'s `k8s_providers` sees it.
        public var clusterProvider: String
        /// The clock rate limits, `fire_delay` and alert de-duplication read.
        public var now: @Sendable () -> Date
        /// Seconds an alert (fingerprint, status, start, end) is remembered as handled.
        public var alertDeduplicationTTL: TimeInterval

        public init(
            clusterProvider: String = "Unknown", now: @escaping @Sendable () -> Date = { Date() },
            alertDeduplicationTTL: TimeInterval = 7200
        ) {
            self.clusterProvider = clusterProvider
            self.now = now
            self.alertDeduplicationTTL = alertDeduplicationTTL
        }
    }

    struct KubernetesTriggerRuntime: Sendable {
        let key: String
        let type: any KubernetesTrigger.Type
        let filters: KubernetesFilters
        let condition: TriggerCondition?
    }

    struct Runnable: Sendable {
        let playbook: PlaybookConfig.Playbook
        let kubernetesTriggers: [KubernetesTriggerRuntime]
        let alertTriggers: [AlertFilters]
        let sinks: [String]
    }

    public let config: PlaybookConfig
    public let options: Options
    let runnables: [Runnable]
    let registrations: [String: ActionRegistration]
    let router: SinkRouter
    let sinks: [String: any FindingSink]
    let rateLimiter = RateLimiter()
    let deduplicator: AlertDeduplicator
    /// Objects seen in the input, for resolving alerts to them.
    public let objects = ObjectStore()

    /// Kubernetes playbooks by "Kind|operation"; kinds without an entry use `anyKind`.
    let kubernetesIndex: [String: [Int]]
    let anyKindIndex: [KubernetesOperation: [Int]]
    /// Alert playbooks by the `alert_name` their triggers require; `anyAlert` have a trigger without one.
    let alertIndex: [String: [Int]]
    let anyAlert: [Int]
    let hasAlertPlaybooks: Bool

    /// Action names the config uses that have no registration (they fail as `unknown_action`).
    public let unregisteredActions: [String]
    /// Playbooks triggered only by `on_schedule` (the scheduler runs them, not inputs).
    public let scheduledPlaybooks: [PlaybookConfig.Playbook]

    /// - Parameters:
    ///   - actions: the implementations to run, by action name: the built-in ones and the user's.
    ///   - sinks: where findings are delivered, by sink name; routing happens either way, and a
    ///     sink without an instance here is only reported.
    public init(
        config: PlaybookConfig, actions: [ActionRegistration], sinks: [String: any FindingSink] = [:], options: Options = Options()
    ) throws(ConfigLoadError) {
        self.config = config
        self.options = options
        self.sinks = sinks
        self.router = SinkRouter(config.sinks)
        self.deduplicator = AlertDeduplicator(ttl: options.alertDeduplicationTTL)
        var registrations: [String: ActionRegistration] = [:]
        for registration in actions { registrations[registration.name] = registration }
        self.registrations = registrations

        let triggerTypes = Dictionary(TriggerCatalog.all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [Diagnostic] = []
        var runnables: [Runnable] = []
        var scheduled: [PlaybookConfig.Playbook] = []
        for playbook in config.playbooks {
            var kubernetes: [KubernetesTriggerRuntime] = []
            var alerts: [AlertFilters] = []
            for trigger in playbook.triggers {
                let path = trigger.key
                do throws(ParameterError) {
                    guard let type = triggerTypes[trigger.key] else {
                        throw ParameterError(path: path, message: "is not a trigger this runtime knows")
                    }
                    if let kubernetesType = type as? any KubernetesTrigger.Type {
                        kubernetes.append(try Self.kubernetesTrigger(kubernetesType, parameters: trigger.parameters, path: path))
                    } else if type == OnPrometheusAlert.self {
                        alerts.append(try AlertFilters(parameters: trigger.parameters, path: path))
                    }
                } catch {
                    problems.append(.error(trigger.location, "\(error)"))
                }
            }
            if kubernetes.isEmpty && alerts.isEmpty { scheduled.append(playbook) }
            runnables.append(
                Runnable(
                    playbook: playbook, kubernetesTriggers: kubernetes, alertTriggers: alerts,
                    sinks: playbook.sinks ?? router.defaultSinkNames))
        }
        guard problems.isEmpty else { throw ConfigLoadError(diagnostics: problems) }
        self.runnables = runnables
        self.scheduledPlaybooks = scheduled
        self.unregisteredActions = Array(Set(config.playbooks.flatMap { $0.actions.map(\.name) }).subtracting(registrations.keys)).sorted()

        // The index: each playbook under every (kind, operation) one of its triggers listens to.
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
        _ type: any KubernetesTrigger.Type, parameters: JSONValue, path: String
    ) throws(ParameterError) -> KubernetesTriggerRuntime {
        let filters = try KubernetesFilters(parameters: parameters, path: path)
        // A trigger with a schema `condition` conforms to ConditionalTrigger in the generated code.
        let condition = try (type as? any ConditionalTrigger.Type)?.condition(parameters: parameters, path: path)
        return KubernetesTriggerRuntime(key: type.key, type: type, filters: filters, condition: condition)
    }

    // MARK: Inputs

    /// Handles one decoded input: a Kubernetes change gives one report, a webhook one per alert.
    public func handle(_ input: RecordedInput) async -> [EventReport] {
        switch input {
        case .kubernetes(let change): [await handle(change)]
        case .alerts(let webhook): await handle(webhook)
        }
    }

    /// Candidate playbooks for a change, in config order.
    func candidates(for change: KubernetesChange) -> [Int] {
        kubernetesIndex["\(change.kind)|\(change.operation.rawValue)"] ?? anyKindIndex[change.operation] ?? []
    }

    /// Runs the playbooks a Kubernetes change fires.
    public func handle(_ change: KubernetesChange) async -> EventReport {
        // Objects are kept only for resolving alerts, so only when some playbook takes alerts.
        if hasAlertPlaybooks { objects.apply(change) }
        let object = change.object
        var report = EventReport(
            summary: "\(change.kind) \(object.namespace.map { $0 + "/" } ?? "")\(object.name ?? "<unnamed>") \(change.operation.rawValue)")
        let candidates = candidates(for: change)
        guard !candidates.isEmpty else { return report }
        let now = options.now()
        let context = ActionContext()
        for index in candidates {
            let runnable = runnables[index]
            guard let (event, changes) = fire(runnable, change: change, now: now) else { continue }
            context.filteredChanges = changes
            await run(runnable, event: event, context: context, report: &report)
            if runnable.playbook.stop || context.stopProcessing { break }
        }
        await finish(context, report: &report)
        return report
    }

    /// The event the first firing trigger of a playbook builds, with the differences its change
    /// filters kept; `nil` when no trigger fires or the change filters drop the change.
    func fire(_ runnable: Runnable, change: KubernetesChange, now: Date) -> (any TriggerfishEvent, [DiffEntry]?)? {
        for trigger in runnable.kubernetesTriggers {
            guard trigger.type.listens(to: change), trigger.filters.accepts(change.object) else { continue }
            if let condition = trigger.condition {
                guard condition.matches(change, now) else { continue }
                if let limit = condition.rateLimit?(change) {
                    let key = "\(trigger.key)#\(runnable.playbook.index)|\(limit.key)"
                    guard rateLimiter.markAndTest(key, seconds: limit.seconds, now: now) else { continue }
                }
            }
            // Robusta builds the event from the first trigger that fires and does not try the others.
            guard let event = trigger.type.makeEvent(from: change) else { return nil }
            guard let filters = trigger.condition?.changeFilters ?? trigger.filters.changeFilters else { return (event, nil) }
            guard let kept = filters.filteredDifferences(of: change) else { return nil }
            return (event, kept)
        }
        return nil
    }

    /// Runs the playbooks each alert of a webhook fires; repeats within the TTL are reported as duplicates.
    public func handle(_ webhook: AlertmanagerWebhook) async -> [EventReport] {
        var reports: [EventReport] = []
        for alert in webhook.alerts { reports.append(await handle(alert)) }
        return reports
    }

    /// Runs the playbooks one alert fires, after the config's `alert_relabel` rules. All of them
    /// share one event, as in Robusta.
    public func handle(_ alert: PrometheusAlert) async -> EventReport {
        var alert = alert
        for rule in config.alertRelabel { rule.apply(to: &alert.labels) }
        var report = EventReport(summary: "alert \(alert.name.isEmpty ? "<no alertname>" : alert.name) \(alert.status)")
        let now = options.now()
        guard deduplicator.isFirst(alert, now: now) else {
            report.duplicate = true
            return report
        }
        let candidates = Array(Set((alertIndex[alert.name] ?? []) + anyAlert)).sorted()
        guard !candidates.isEmpty else { return report }
        var event: PrometheusKubernetesAlertInstance?
        let context = ActionContext()
        for index in candidates {
            let runnable = runnables[index]
            guard runnable.alertTriggers.contains(where: { $0.accepts(alert, provider: options.clusterProvider) }) else { continue }
            let shared = event ?? PrometheusKubernetesAlertInstance(alert: alert, resources: AlertResources.resolve(alert, store: objects))
            event = shared
            context.filteredChanges = nil
            await run(runnable, event: shared, context: context, report: &report)
            if runnable.playbook.stop || context.stopProcessing { break }
        }
        await finish(context, report: &report)
        return report
    }

    // MARK: Execution

    func run(_ runnable: Runnable, event: any TriggerfishEvent, context: ActionContext, report: inout EventReport) async {
        let name = runnable.playbook.displayName
        report.playbooks.append(name)
        context.currentSinks = runnable.sinks
        for action in runnable.playbook.actions {
            if context.stopProcessing { break }
            var run = ActionRun(action: action.name, playbook: name)
            if let registration = registrations[action.name] {
                do {
                    try await registration.run(event, parameters: action.parameters, context: context)
                } catch let error as ActionError {
                    run.failure = ActionFailure(code: error.code.rawValue, message: error.message)
                } catch {
                    run.failure = ActionFailure(code: ActionError.Code.failed.rawValue, message: "\(error)")
                }
            } else {
                run.failure = ActionFailure(code: ActionError.Code.unknownAction.rawValue, message: "no implementation is registered")
            }
            report.actions.append(run)
        }
    }

    /// Routes the findings of an event to sinks (after its last playbook) and delivers them.
    func finish(_ context: ActionContext, report: inout EventReport) async {
        let pending = context.pendingFindings
        report.logs = context.logs
        guard !pending.isEmpty else { return }
        let routing = router.routing(pending)
        var sinksByFinding = Array(repeating: [String](), count: pending.count)
        for delivery in routing.deliveries {
            sinksByFinding[delivery.findingIndex].append(delivery.sink)
            await sinks[delivery.sink]?.deliver(pending[delivery.findingIndex].finding)
        }
        let unknown = Set(routing.unknownSinks)
        report.findings = zip(pending, sinksByFinding).map { pending, accepted in
            RoutedFinding(finding: pending.finding, sinks: accepted, undefinedSinks: pending.sinks.filter(unknown.contains))
        }
    }

    /// Waits until every sink has written (or given up on) what it was handed.
    public func flushSinks() async {
        for sink in sinks.values { await sink.flush() }
    }
}
