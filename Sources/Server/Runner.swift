import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Triggerfish

/// `triggerfish serve`: Robusta's runner endpoints over a ``PlaybookEngine``.
///
/// Inputs posted to `/api/handle` (kubewatch) and `/api/alerts` (Alertmanager) are decoded while
/// the request waits, so a bad one is answered `400` with the message `triggerfish replay` prints
/// for it; a good one enters a bounded ``InputQueue`` and is answered `200` only once it is
/// queued, so every input answered 2xx is handled. A full queue answers `503` with `Retry-After`.
/// `/api/trigger` runs an action by hand and answers with its outcome; `/api/playbooks/reload`
/// (and a change of the config file) loads the config again, keeping the running one when the new
/// one has errors. See docs/serve.md and docs/openapi.yaml.
///
/// On graceful shutdown (SIGTERM or SIGINT, or ``shutdown()``) requests are answered `503`, the
/// server stops listening, the queue is drained and the sinks get until the flush deadline to
/// deliver what they hold.
public final class Runner: Sendable {
    public let options: RunnerOptions
    let setup: RunnerSetup
    let logger: Logger
    let metrics: RunnerMetrics
    let live: LiveConfig
    let queue: InputQueue<QueuedInput>
    let reloader: Reloader
    /// Where the scheduler keeps its jobs' state across leadership terms and restarts.
    let scheduleStore: any ScheduleStateStore
    /// The scheduler of the current leadership term; `nil` while not leading.
    let scheduler = CurrentScheduler()
    /// Wakes what waits for a reload (the watch, for a change of the kinds to watch).
    let reloaded = ReloadSignal()
    let elector: LeaderElector?
    let draining = Atomic<Bool>(false)
    let port = Mutex<(value: Int?, waiters: [CheckedContinuation<Int?, Never>], done: Bool)>((nil, [], false))
    let group = Mutex<ServiceGroup?>(nil)

    /// An input waiting in the queue.
    struct QueuedInput: Sendable {
        var input: RecordedInput
        /// The endpoint it came from; `nil` for a change from the watch.
        var endpoint: RunnerMetrics.Endpoint?
        var accepted: ContinuousClock.Instant
    }

    /// Loads the config; a config with errors throws, with every diagnostic, and nothing starts.
    public init(setup: RunnerSetup, options: RunnerOptions, logger: Logger) throws(ConfigLoadError) {
        let metrics = RunnerMetrics()
        var setup = setup
        setup.engineOptions.metrics = metrics.factory
        if let cluster = options.cluster { setup.engineOptions.kubernetes = cluster.kubernetes }
        let first = try setup.load(generation: 1, logger: logger)
        for warning in first.warnings { logger.warning("\(warning)") }
        self.options = options
        self.setup = setup
        self.logger = logger
        self.metrics = metrics
        let live = LiveConfig(first) { [deadline = options.sinkFlushDeadline] retired in
            // A reload replaced these sinks: they get the flush deadline to deliver what they hold.
            _ = await SinkShutdown.shutDown(retired.sinks.map(\.sink), deadline: deadline)
            for (name, sink) in retired.sinks {
                let statistics = sink.statistics
                if statistics.notDelivered > 0 {
                    logger.error(
                        "sink '\(name)' replaced by a reload: \(statistics); it did not finish delivering within \(SinkShutdown.describe(deadline))"
                    )
                }
                metrics.retire(sink: name, statistics: statistics)
            }
        }
        self.live = live
        self.scheduleStore =
            options.scheduleStore ?? options.stateDirectory.map { DirectoryScheduleStateStore(directory: $0) } ?? MemoryScheduleStateStore()
        self.elector = options.cluster.flatMap { cluster in
            cluster.leaderElection.map {
                LeaderElector(kubernetes: cluster.kubernetes, options: $0, clock: options.scheduleClock, now: options.now, logger: logger)
            }
        }
        let scheduler = self.scheduler
        let reloaded = self.reloaded
        self.reloader = Reloader(
            setup: setup, live: live,
            reschedule: { [scheduler] in
                // Removed scheduled playbooks are unscheduled; unchanged ones keep their timing.
                await scheduler.current?.schedule(live, logger: logger)
                reloaded.fire(live.current)
            }, metrics: metrics, logger: logger)
        metrics.queueCapacity.record(options.queueCapacity)
        metrics.playbooks.record(first.playbookCount)
        self.queue = InputQueue(
            capacity: options.queueCapacity, lanes: options.lanes,
            lane: { queued, count in InputPipeline.lane(of: queued.input, count: count) },
            handle: { [live, metrics, logger] queued in
                let reports = await live.withCurrent { generation in await generation.engine.handle(queued.input) }
                let duration = (ContinuousClock.now - queued.accepted).saturatingNanoseconds
                if let endpoint = queued.endpoint {
                    metrics.inputDuration[endpoint]?.recordNanoseconds(duration)
                } else {
                    metrics.watchDuration.recordNanoseconds(duration)
                }
                for report in reports { Runner.log(report, logger: logger) }
            })
    }

    // MARK: Running

    /// Serves until a graceful shutdown (SIGTERM or SIGINT when `handleSignals`, or
    /// ``shutdown()``) has drained the queue and flushed the sinks.
    public func run(handleSignals: Bool = true) async throws {
        let application = Application(
            responder: CallbackResponder<BasicRequestContext> { request, _ in await self.respond(to: request) },
            server: .http1(configuration: .init(idleTimeout: .nanoseconds(options.idleTimeout.saturatingNanoseconds))),
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in self.listening(on: channel.localAddress?.port) },
            logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: QueueService(runner: self), serviceName: "input queue"),
            .init(service: LeadershipService(runner: self), serviceName: self.elector == nil ? "scheduler" : "leader election"),
        ]
        if let interval = options.watchInterval {
            services.append(.init(service: ConfigWatcher(reloader: reloader, interval: interval), serviceName: "config watcher"))
        }
        services.append(.init(service: application, serviceName: "HTTP server"))
        // Last, so shut down first: from then on requests are answered 503.
        services.append(
            .init(
                service: DrainSignal(draining: { self.draining.store(true, ordering: .sequentiallyConsistent) }),
                successTerminationBehavior: .ignore, serviceName: "drain signal"))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services, gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [], logger: logger))
        self.group.withLock { $0 = group }
        defer { listening(on: nil) }
        try await group.run()
    }

    /// Starts a graceful shutdown: answer 503, stop listening, drain the queue, flush the sinks.
    public func shutdown() async {
        let group = self.group.withLock { $0 }
        await group?.triggerGracefulShutdown()
    }

    /// The port the server listens on once it does (useful with port 0); `nil` if it stopped first.
    public func listeningPort() async -> Int? {
        await withCheckedContinuation { continuation in
            port.withLock { state in
                if state.done || state.value != nil {
                    continuation.resume(returning: state.value)
                } else {
                    state.waiters.append(continuation)
                }
            }
        }
    }

    func listening(on port: Int?) {
        let waiters = self.port.withLock { state -> [CheckedContinuation<Int?, Never>] in
            if let port { state.value = port } else { state.done = true }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// Reloads the config file now; see ``ReloadOutcome``.
    public func reload() async -> ReloadOutcome { await reloader.reload(reason: "requested") }

    /// Called by the queue service once the queue is drained: the sinks get until the deadline
    /// to deliver what they hold, then what is left is given up on; one line per sink logs what
    /// it delivered, failed, dropped and did not deliver.
    func finishSinks() async {
        await live.awaitRetirements()
        let generation = live.current
        let deadline = options.sinkFlushDeadline
        let inTime = await SinkShutdown.shutDown(generation.sinks.map(\.sink), deadline: deadline)
        let left = generation.sinks.map(\.sink.statistics.notDelivered).reduce(0, +)
        if !inTime || left > 0 {
            logger.error(
                "the sinks did not finish delivering within \(SinkShutdown.describe(deadline)) of shutdown (--sink-flush-deadline); \(left) finding(s) not delivered"
            )
        }
        for (name, sink) in generation.sinks {
            let statistics = sink.statistics
            logger.log(level: statistics.notDelivered > 0 ? .error : .info, "sink '\(name)': \(statistics)")
        }
    }

    /// Logs what happened to one event: a line per event that fired a playbook, one per failed action.
    static func log(_ report: EventReport, logger: Logger) {
        if report.duplicate {
            logger.debug("\(report.summary): duplicate alert, skipped")
            return
        }
        guard !report.playbooks.isEmpty else {
            logger.debug("\(report.summary): no playbook fired")
            return
        }
        let failed = report.failedActions.count
        logger.info(
            "\(report.summary): \(report.playbooks.count) playbook(s), \(report.actions.count) action(s)\(failed > 0 ? " (\(failed) failed)" : ""), \(report.findings.count) finding(s)"
        )
        for run in report.failedActions {
            logger.error(
                "action '\(run.action)' in \(run.playbook) on \(report.summary): \(run.failure?.message ?? "") [\(run.failure?.code.rawValue ?? "")]"
            )
        }
    }
}

/// Runs the input queue until graceful shutdown, then drains it and flushes the sinks.
struct QueueService: Service {
    let runner: Runner

    func run() async throws {
        let queue = runner.queue
        await withGracefulShutdownHandler {
            await queue.run()
        } onGracefulShutdown: {
            queue.close()
        }
        runner.logger.info("input queue drained")
        await runner.finishSinks()
    }
}

/// Runs what only the leader runs (the scheduled playbooks and the watch) until graceful
/// shutdown: at once when there is no leader election, otherwise whenever this runner holds the Lease.
struct LeadershipService: Service {
    let runner: Runner

    func run() async throws {
        await cancelWhenGracefulShutdown {
            if let elector = runner.elector {
                await elector.run { await runner.lead() }
            } else {
                await runner.lead()
            }
        }
    }
}

extension Runner {
    /// One leadership term: a scheduler continuing from the saved state, and the watch feeding the
    /// queue, until cancelled; a scheduled run under way finishes and is saved.
    func lead() async {
        let scheduler = PlaybookScheduler(
            store: scheduleStore, clock: options.scheduleClock, now: options.now, logger: logger, options: options.schedule)
        self.scheduler.current = scheduler
        metrics.leader.record(1)
        defer { metrics.leader.record(0) }
        await scheduler.schedule(live, logger: logger)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await scheduler.run() }
            if let watch = options.cluster?.watch {
                group.addTask { await self.watch(with: watch) }
            }
            await group.waitForAll()
        }
        self.scheduler.current = nil
    }

    /// Feeds the watch's changes into the queue, waiting for room when it is full, until
    /// cancelled; watches again when a reload changes the kinds the playbooks listen to.
    func watch(with watch: @escaping RunnerCluster.Watch) async {
        let queue = self.queue
        let metrics = self.metrics
        let logger = self.logger
        var continuing = false
        while !Task.isCancelled {
            let kinds = live.current.engine.watchedKinds
            logger.info(
                "watching \(kinds.isEmpty ? "no kinds (no playbook listens to Kubernetes changes)" : kinds.sorted().joined(separator: ", "))"
            )
            await withTaskGroup(of: Void.self) { [continuing] group in
                group.addTask {
                    guard !kinds.isEmpty else {
                        // Nothing to watch until a reload brings a Kubernetes trigger.
                        try? await Task.sleep(for: .seconds(1 << 40))
                        return
                    }
                    do {
                        try await watch(kinds, continuing) { change in
                            metrics.watched.increment()
                            return await queue.submit(QueuedInput(input: .kubernetes(change), endpoint: nil, accepted: .now)) == .accepted
                        }
                    } catch is CancellationError {
                    } catch {
                        if !Task.isCancelled { logger.error("the Kubernetes watch stopped: \(error)") }
                    }
                }
                group.addTask { await self.reloaded.wait(until: { $0.engine.watchedKinds != kinds }) }
                _ = await group.next()
                group.cancelAll()
            }
            continuing = true
        }
    }
}

extension PlaybookScheduler {
    /// Hands the running config's `on_schedule` playbooks to the scheduler (at start and after a
    /// reload). Each run goes through the config that is current when it runs.
    func schedule(_ live: LiveConfig, logger: Logger) async {
        await update(live.current.engine.scheduledPlaybooks) { playbook, recurrence in
            let report = await live.withCurrent { generation in await generation.engine.runScheduled(playbook, recurrence: recurrence) }
            Runner.log(report, logger: logger)
        }
    }
}

/// Sets the runner draining when graceful shutdown starts (it is shut down first).
struct DrainSignal: Service {
    let draining: @Sendable () -> Void

    func run() async throws {
        try? await gracefulShutdown()
        draining()
    }
}

/// The scheduler of the current leadership term, which reloads reschedule.
final class CurrentScheduler: Sendable {
    let value = Mutex<PlaybookScheduler?>(nil)

    var current: PlaybookScheduler? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}

/// Lets tasks wait for a reload whose new config satisfies a condition.
final class ReloadSignal: Sendable {
    struct Waiter {
        var id: Int
        var condition: @Sendable (ConfigGeneration) -> Bool
        var continuation: CheckedContinuation<Void, Never>
    }

    let waiters = Mutex<(next: Int, list: [Waiter])>((0, []))

    /// Returns after a reload to a config for which `condition` holds, or on cancellation.
    func wait(until condition: @escaping @Sendable (ConfigGeneration) -> Bool) async {
        let id = waiters.withLock { state -> Int in
            state.next += 1
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = waiters.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.list.append(Waiter(id: id, condition: condition, continuation: continuation))
                    return false
                }
                if cancelled { continuation.resume() }
            }
        } onCancel: {
            let waiter = waiters.withLock { state -> Waiter? in
                guard let index = state.list.firstIndex(where: { $0.id == id }) else { return nil }
                return state.list.remove(at: index)
            }
            waiter?.continuation.resume()
        }
    }

    func fire(_ generation: ConfigGeneration) {
        let due = waiters.withLock { state -> [Waiter] in
            let due = state.list.filter { $0.condition(generation) }
            state.list.removeAll { waiter in due.contains { $0.id == waiter.id } }
            return due
        }
        for waiter in due { waiter.continuation.resume() }
    }
}
