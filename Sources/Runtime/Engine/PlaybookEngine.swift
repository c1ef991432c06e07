import CoreMetrics
import Foundation
import _TriggerfishCore

/// Runs a ``PlaybookConfig`` with Robusta's semantics: candidate playbooks (from the config's
/// ``PlaybookIndex``, by the input's source, kind and operation) in config order; in each, the first trigger that fires
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
        /// Where the engine's counters and timers go (events handled, playbook fires, action runs,
        /// errors and durations, findings by sink); by default swift-metrics' global factory.
        public var metrics: any MetricsFactory
        /// The cluster: what manual triggers of actions on Kubernetes resource events read their
        /// object from, what alerts' labels resolve to, and what actions read and change. `nil`:
        /// such triggers answer that they need the Kubernetes API, alerts name objects by reference
        /// only, and actions that need the cluster fail saying so.
        public var kubernetes: (any KubernetesAPI)?
        /// How much of the input stream's objects is remembered for resolving alerts when there
        /// is no Kubernetes API (see ``ObjectStore``).
        public var rememberedObjects: ObjectStore.Limits

        public init(
            clusterProvider: String = "Unknown", now: @escaping @Sendable () -> Date = { Date() },
            alertDeduplicationTTL: TimeInterval = 7200, metrics: (any MetricsFactory)? = nil,
            kubernetes: (any KubernetesAPI)? = nil, rememberedObjects: ObjectStore.Limits = ObjectStore.Limits()
        ) {
            self.clusterProvider = clusterProvider
            self.now = now
            self.alertDeduplicationTTL = alertDeduplicationTTL
            self.metrics = metrics ?? MetricsSystem.factory
            self.kubernetes = kubernetes
            self.rememberedObjects = rememberedObjects
        }
    }

    public let config: PlaybookConfig
    public let options: Options
    /// The playbooks compiled for dispatch.
    let index: PlaybookIndex
    /// Each runnable playbook's actions as runs take them, by runnable index.
    let prepared: [PreparedPlaybook]
    let router: SinkRouter
    let sinks: [String: any FindingSink]
    /// Every registered action by name, used by the config or not (manual triggers run any).
    let registrations: [String: ActionRegistration]
    let rateLimiter = RateLimiter()
    let deduplicator: AlertDeduplicator
    let metrics: EngineMetrics
    /// Objects seen in the input, for resolving alerts to them when there is no Kubernetes API.
    public let objects: ObjectStore

    /// Action names the config uses that have no registration (they fail as `unknown_action`).
    public let unregisteredActions: [String]
    /// The kinds (as the schema spells them) some playbook's Kubernetes trigger listens to: what
    /// a watch of the cluster must watch for this config.
    /// The same derivation gives the ClusterRole its watch rules (``RequiredPermissions``).
    public let watchedKinds: Set<String>
    /// Playbooks triggered only by `on_schedule` (the scheduler runs them, not inputs).
    public var scheduledPlaybooks: [PlaybookConfig.Playbook] { index.scheduledPlaybooks }

    /// - Parameters:
    ///   - actions: the implementations to run, by action name: the built-in ones and the user's.
    ///   - sinks: where findings are delivered, by sink name; routing happens either way, and a
    ///     sink without an instance here is only reported.
    public init(
        config: PlaybookConfig, actions: [ActionRegistration], sinks: [String: any FindingSink] = [:], options: Options = Options()
    ) throws(ConfigLoadError) {
        self.config = config
        self.options = options
        self.objects = ObjectStore(limits: options.rememberedObjects)
        self.sinks = sinks
        self.router = SinkRouter(config.sinks)
        self.deduplicator = AlertDeduplicator(ttl: options.alertDeduplicationTTL)
        var registrations: [String: ActionRegistration] = [:]
        for registration in actions { registrations[registration.name] = registration }
        self.registrations = registrations
        let index = try PlaybookIndex(playbooks: config.playbooks, defaultSinks: router.defaultSinkNames)
        self.index = index
        let configActions = Set(config.playbooks.flatMap { $0.actions.map(\.name) })
        self.unregisteredActions = Array(configActions.subtracting(registrations.keys)).sorted()
        self.watchedKinds = Set(RequiredPermissions.watchedKinds(of: config).map(\.name))
        self.metrics = EngineMetrics(
            factory: options.metrics, playbooks: index.runnables.map(\.displayName),
            actions: configActions.union(registrations.keys), sinks: config.sinks.map(\.name))
        self.prepared = index.runnables.indices.map { [metrics] candidate in
            PreparedPlaybook(
                fires: metrics.playbookFires[candidate],
                steps: index.runnables[candidate].playbook.actions.map { action in
                    PreparedPlaybook.Step(
                        name: action.name, action: registrations[action.name]?.prepare(parameters: action.parameters),
                        metrics: metrics.actions[action.name])
                })
        }
    }

    // MARK: Inputs

    /// Handles one decoded input: a Kubernetes change gives one report, a webhook one per alert.
    public func handle(_ input: RecordedInput) async -> [EventReport] {
        switch input {
        case .kubernetes(let change): [await handle(change)]
        case .alerts(let webhook): await handle(webhook)
        }
    }

    /// Runs the playbooks a Kubernetes change fires.
    public func handle(_ change: KubernetesChange) async -> EventReport {
        // Objects are kept only for resolving alerts, so only when some playbook takes alerts and
        // there is no Kubernetes API to resolve them from.
        if index.hasAlertPlaybooks, options.kubernetes == nil { objects.apply(change) }
        metrics.handled(.kubernetes)
        let object = change.object
        var report = EventReport(
            summary: .parts(
                what: change.kind, namespace: object.namespace, name: object.name ?? "<unnamed>", how: change.operation.rawValue))
        let candidates = index.candidates(for: change)
        guard !candidates.isEmpty else { return report }
        let now = options.now()
        let context = ActionContext(kubernetes: options.kubernetes, now: options.now)
        var built: BuiltEvent?
        for candidate in candidates {
            let runnable = index.runnables[candidate]
            guard let (event, changes) = fire(runnable, change: change, now: now, built: &built) else { continue }
            context.filteredChanges = changes
            await run(candidate, event: SharedEvent(event: event), context: context, report: &report)
            if runnable.playbook.stop || context.stopProcessing { break }
        }
        await finish(context, report: &report)
        return report
    }

    /// The event a trigger type last built for the change being handled. An event depends only on
    /// the change and the trigger's type, so playbooks whose triggers share a type share the event
    /// (one box) instead of each building its own, as an alert's playbooks share theirs.
    struct BuiltEvent {
        let trigger: ObjectIdentifier
        let event: any TriggerfishEvent
    }

    /// The event the first firing trigger of a playbook builds (or `built` holds), with the
    /// differences its change filters kept; `nil` when no trigger fires or the change filters drop
    /// the change.
    func fire(
        _ runnable: PlaybookIndex.Runnable, change: KubernetesChange, now: Date, built: inout BuiltEvent?
    ) -> (any TriggerfishEvent, [DiffEntry]?)? {
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
            let type = ObjectIdentifier(trigger.type)
            let event: any TriggerfishEvent
            if let built, built.trigger == type {
                event = built.event
            } else {
                guard let made = trigger.type.makeEvent(from: change) else { return nil }
                built = BuiltEvent(trigger: type, event: made)
                event = made
            }
            guard let filters = trigger.condition?.changeFilters ?? trigger.filters.changeFilters else { return (event, nil) }
            guard let kept = filters.filteredDifferences(of: change) else { return nil }
            return (event, kept)
        }
        return nil
    }

    /// Runs the playbooks each alert of a webhook fires; repeats within the TTL are reported as duplicates.
    public func handle(_ webhook: AlertmanagerWebhook) async -> [EventReport] {
        var reports: [EventReport] = []
        reports.reserveCapacity(webhook.alerts.count)
        for alert in webhook.alerts { reports.append(await handle(alert)) }
        return reports
    }

    /// Runs the playbooks one alert fires, after the config's `alert_relabel` rules. All of them
    /// share one event, as in Robusta.
    public func handle(_ alert: PrometheusAlert) async -> EventReport {
        var alert = alert
        for rule in config.alertRelabel { rule.apply(to: &alert.labels) }
        var report = EventReport(
            summary: .parts(what: "alert", namespace: nil, name: alert.name.isEmpty ? "<no alertname>" : alert.name, how: alert.status))
        let now = options.now()
        guard deduplicator.isFirst(alert, now: now) else {
            report.duplicate = true
            return report
        }
        metrics.handled(.alert)
        let subject = AlertFilters.Subject(alert, provider: options.clusterProvider)
        let candidates = index.candidates(for: subject)
        guard !candidates.isEmpty else { return report }
        // Built once, as an existential, so the playbooks share one box instead of a copy each.
        var event: (any TriggerfishEvent)?
        let context = ActionContext(kubernetes: options.kubernetes, now: options.now)
        for candidate in candidates {
            let runnable = index.runnables[candidate]
            guard runnable.alertTriggers.contains(where: { $0.accepts(subject) }) else { continue }
            let shared: any TriggerfishEvent
            if let event {
                shared = event
            } else {
                var problems: [String] = []
                let resources = await AlertResources.resolve(alert, store: objects, kubernetes: options.kubernetes, problems: &problems)
                for problem in problems { context.log(problem) }
                shared = PrometheusKubernetesAlertInstance(alert: alert, resources: resources)
            }
            event = shared
            context.filteredChanges = nil
            await run(candidate, event: SharedEvent(event: shared), context: context, report: &report)
            if runnable.playbook.stop || context.stopProcessing { break }
        }
        await finish(context, report: &report)
        return report
    }

    // MARK: Execution

    /// An event as handed to each action of a playbook. An existential parameter whose concrete
    /// type the optimizer sees at a call site is turned into a generic one, and then each action
    /// that takes `any TriggerfishEvent` gets the event boxed anew: for an event wider than an
    /// existential's inline buffer, an allocation and a copy per action run. Generated events fit
    /// the buffer (``EventStorage``), so for them it would cost a retain; wrapped, no event is an
    /// existential parameter, and each is handed on as the one box it is.
    struct SharedEvent {
        let event: any TriggerfishEvent
    }

    /// A runnable playbook's actions with their parameters decoded and their metrics looked up,
    /// made once per engine. A class, so that a run reads them through one reference: in the run
    /// loop (an async function) each array or struct taken from the engine was retained and
    /// released at every run.
    final class PreparedPlaybook: Sendable {
        struct Step: Sendable {
            let name: String
            /// `nil` for an action with no registration.
            let action: PreparedAction?
            let metrics: EngineMetrics.ActionMetrics?
        }

        let fires: Counter
        let steps: [Step]

        init(fires: Counter, steps: [Step]) {
            self.fires = fires
            self.steps = steps
        }
    }

    /// Runs the actions of the runnable playbook at `candidate` on an event, in order.
    func run(_ candidate: Int, event shared: SharedEvent, context: ActionContext, report: inout EventReport) async {
        let event = shared.event
        let name = index.runnables[candidate].displayName
        let playbook = prepared[candidate]
        // An event that fires anything usually fires a few playbooks; growing these from empty
        // allocated at every doubling.
        if report.playbooks.isEmpty {
            report.playbooks.reserveCapacity(4)
            report.actions.reserveCapacity(4)
        }
        report.playbooks.append(name)
        playbook.fires.increment()
        context.currentSinks = index.runnables[candidate].sinks
        for step in playbook.steps {
            if context.stopProcessing { break }
            var run = ActionRun(action: step.name, playbook: name)
            let started = EngineMetrics.monotonicNanoseconds()
            if let action = step.action {
                do {
                    try await action.run(event, context: context)
                } catch let error as ActionError {
                    run.failure = ActionFailure(code: error.code, message: error.message)
                } catch {
                    run.failure = ActionFailure(code: .failed, message: "\(error)")
                }
            } else {
                run.failure = ActionFailure(code: .unknownAction, message: "no implementation is registered")
            }
            step.metrics?.record(nanoseconds: Int64(clamping: EngineMetrics.monotonicNanoseconds() &- started), failure: run.failure?.code)
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
            metrics.found(forSink: delivery.sink)
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
