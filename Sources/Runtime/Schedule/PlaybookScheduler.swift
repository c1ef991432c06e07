import Foundation
import Logging

/// Runs `on_schedule` playbooks with Robusta's rules (reference §3.5): one job per playbook,
/// identified by a hash of its definition (``PlaybookConfig/Playbook/scheduleJobID``); delays by
/// ``PlaybookSchedule/delay(for:now:notBefore:initialDelay:minimumDelay:)``; each job's state
/// (runs, status, last run) saved in a ``ScheduleStateStore`` after every run, so a restart
/// continues a schedule instead of starting it over, and a job that is done stays done.
///
/// Use: ``update(_:tick:)`` (or ``update(_:reports:)`` with an engine) with the config's
/// playbooks, ``run()`` in a task until shutdown, ``update(_:tick:)`` again on each reload, and
/// ``shutdown()`` (or cancel `run()`'s task) to stop. On a reload a job whose playbook is
/// unchanged (same id) keeps its state and its timer; a new playbook gets a new job; a job whose
/// playbook is gone is cancelled and its state is dropped from the store, as Robusta does.
/// Playbooks with the same definition share one job, as in Robusta.
///
/// Sleeps are on the injected `clock` (a `ManualClock` in tests); the times saved and compared
/// with saved ones come from `now`. A run in progress when the scheduler stops finishes, and its
/// state is saved.
public actor PlaybookScheduler {
    public struct Options: Sendable {
        /// How long a job that never ran waits before its first run (Robusta's
        /// `INITIAL_SCHEDULE_DELAY_SEC`, 120 s); not for dynamic delays, whose first period is
        /// the first wait, nor for cron.
        public var initialDelay: Duration
        /// The shortest wait before any later run, and before every cron run (Robusta floors
        /// them at `INITIAL_SCHEDULE_DELAY_SEC` too, 120 s).
        public var minimumDelay: Duration

        public init(initialDelay: Duration = .seconds(120), minimumDelay: Duration = .seconds(120)) {
            self.initialDelay = initialDelay
            self.minimumDelay = minimumDelay
        }
    }

    /// Runs a playbook once: its single action on `ScheduledExecutionEvent(recurrence:)`.
    public typealias Tick = @Sendable (_ playbook: PlaybookConfig.Playbook, _ recurrence: Int) async -> Void

    struct Job {
        var playbook: PlaybookConfig.Playbook
        var schedule: PlaybookSchedule
        var tick: Tick
        var state: ScheduledJobState
        var nextRun: Date?
        /// The time the last planned run was due (cron does not run one time twice).
        var plannedRun: Date?
        var generation = 0
        var task: Task<Void, Never>?
    }

    enum Phase {
        case idle, running, stopped
    }

    public let options: Options
    let store: any ScheduleStateStore
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    let logger: Logger

    var table: [String: Job] = [:]
    /// Job ids in config order.
    var order: [String] = []
    var phase = Phase.idle
    /// What the store held at start, until the first update has matched it with the config.
    var loading: Task<[String: ScheduledJobState], Never>?
    /// Whether an update has taken the loaded state (later updates start new jobs from scratch).
    var savedStateTaken = false
    var saving: Task<Void, Never>?
    let stopSignal: AsyncStream<Void>
    let stopContinuation: AsyncStream<Void>.Continuation
    var generations = 0

    /// - Parameters:
    ///   - store: where job state is kept between runs of the process.
    ///   - clock: what the scheduler sleeps on.
    ///   - now: the wall clock, for the times saved in the state and compared with them.
    public init(
        store: any ScheduleStateStore, clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "triggerfish.scheduler"), options: Options = Options()
    ) {
        self.store = store
        self.clock = clock
        self.now = now
        self.logger = logger
        self.options = options
        (stopSignal, stopContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    // MARK: Public API

    /// The jobs, in config order.
    public var jobs: [ScheduledJob] {
        order.compactMap { id in
            table[id].map { job in
                ScheduledJob(
                    id: id, playbook: job.playbook.displayName, schedule: job.schedule, execCount: job.state.execCount,
                    status: job.state.status,
                    lastRun: job.state.lastExecTimeSec > 0 ? Date(timeIntervalSince1970: TimeInterval(job.state.lastExecTimeSec)) : nil,
                    nextRun: job.nextRun)
            }
        }
    }

    /// Schedules the `on_schedule` playbooks among `playbooks` (others are ignored): new ones from
    /// their saved state (or from the start), unchanged ones keep running with the new playbook
    /// value and `tick`, removed ones are cancelled and their state dropped. Saves the state.
    /// Ignored after ``shutdown()``.
    public func update(_ playbooks: [PlaybookConfig.Playbook], tick: @escaping Tick) async {
        guard phase != .stopped else {
            logger.warning("the scheduler has stopped; the update is ignored")
            return
        }
        var saved = await savedStates()
        var ids: [String] = []
        for playbook in playbooks {
            let schedule: PlaybookSchedule
            do {
                guard let found = try PlaybookSchedule(playbook: playbook) else { continue }
                schedule = found
            } catch {
                logger.error("playbook '\(playbook.displayName)' is not scheduled: \(error)")
                continue
            }
            let id = playbook.scheduleJobID
            guard !ids.contains(id) else {
                let first = table[id]?.playbook.displayName ?? id
                logger.warning(
                    "playbook '\(playbook.displayName)' has the same definition as '\(first)': they share one schedule",
                    metadata: ["job": "\(id)"])
                continue
            }
            ids.append(id)
            if var job = table[id] {
                job.playbook = playbook
                job.tick = tick
                job.state.playbook = playbook.displayName
                table[id] = job
                continue
            }
            var state = saved.removeValue(forKey: id) ?? ScheduledJobState()
            if state.status != .done && schedule.isDone(afterRuns: state.execCount) { state.status = .done }
            state.playbook = playbook.displayName
            table[id] = Job(playbook: playbook, schedule: schedule, tick: tick, state: state)
            let how =
                state.status == .done
                ? "done after \(state.execCount) run(s), not scheduled again"
                : state.execCount > 0 ? "continuing after \(state.execCount) run(s)" : "new"
            logger.info("scheduled playbook '\(playbook.displayName)': \(schedule), \(how)", metadata: ["job": "\(id)"])
            if phase == .running { start(id) }
        }
        for id in order where !ids.contains(id) {
            guard let job = table.removeValue(forKey: id) else { continue }
            job.task?.cancel()
            logger.info("unscheduled playbook '\(job.playbook.displayName)': it is no longer in the config", metadata: ["job": "\(id)"])
        }
        order = ids
        await persist()
    }

    /// Starts the jobs and runs them until ``shutdown()`` or until the calling task is cancelled,
    /// then stops them (a run under way finishes and is saved). Returns at once if the scheduler
    /// is already running or has stopped.
    public func run() async {
        guard phase == .idle else { return }
        phase = .running
        for id in order { start(id) }
        for await _ in stopSignal {}
        await shutdown()
    }

    /// Stops scheduling: cancels the waits, lets runs under way finish, saves their state, and
    /// makes ``run()`` return. Later updates are ignored.
    public func shutdown() async {
        phase = .stopped
        stopContinuation.finish()
        let tasks = table.values.compactMap(\.task)
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        await saving?.value
    }

    // MARK: Jobs

    func start(_ id: String) {
        guard var job = table[id] else { return }
        generations += 1
        let generation = generations
        job.generation = generation
        job.task?.cancel()
        job.task = Task { await self.loop(id, generation: generation) }
        table[id] = job
    }

    /// One job: wait, run, save, until it is done, removed or the scheduler stops.
    func loop(_ id: String, generation: Int) async {
        while let delay = plan(id, generation: generation) {
            do {
                try await clock.sleep(for: delay)
            } catch {
                return
            }
            guard let run = begin(id, generation: generation) else { return }
            // Not a child task: stopping the scheduler cancels the wait, never a run under way.
            await Task { await run.tick(run.playbook, run.recurrence) }.value
            await finish(id, generation: generation)
        }
    }

    /// The wait before the job's next run; `nil` when it is done, gone or the scheduler stopped.
    func plan(_ id: String, generation: Int) -> Duration? {
        guard phase == .running, var job = table[id], job.generation == generation else { return nil }
        let now = self.now()
        guard
            let delay = job.schedule.delay(
                for: job.state, now: now, notBefore: job.plannedRun, initialDelay: options.initialDelay,
                minimumDelay: options.minimumDelay)
        else {
            if job.state.status != .done, case .cron(let expression) = job.schedule {
                logger.error(
                    "playbook '\(job.playbook.displayName)' is not scheduled: cron expression '\(expression.text)' gives no time within \(CronExpression.searchYears) years",
                    metadata: ["job": "\(id)"])
            }
            return nil
        }
        let due = now.addingTimeInterval(TimeInterval(PlaybookSchedule.milliseconds(delay)) / 1000)
        job.nextRun = due
        job.plannedRun = due
        table[id] = job
        logger.debug("next run of playbook '\(job.playbook.displayName)' in \(delay)", metadata: ["job": "\(id)"])
        return delay
    }

    /// Marks a run as started; what to run, or `nil` when the job is gone.
    func begin(_ id: String, generation: Int) -> (playbook: PlaybookConfig.Playbook, recurrence: Int, tick: Tick)? {
        guard var job = table[id], job.generation == generation else { return nil }
        if job.state.status == .new { job.state.status = .running }
        job.state.lastExecTimeSec = Int(now().timeIntervalSince1970.rounded())
        job.nextRun = nil
        table[id] = job
        logger.info(
            "running scheduled playbook '\(job.playbook.displayName)', recurrence \(job.state.execCount)", metadata: ["job": "\(id)"])
        return (job.playbook, job.state.execCount, job.tick)
    }

    /// Counts a finished run and saves the state (not for a job removed while it ran).
    func finish(_ id: String, generation: Int) async {
        guard var job = table[id], job.generation == generation else { return }
        job.state.execCount += 1
        if job.schedule.isDone(afterRuns: job.state.execCount) {
            job.state.status = .done
            logger.info(
                "scheduled playbook '\(job.playbook.displayName)' is done after \(job.state.execCount) run(s)", metadata: ["job": "\(id)"])
        }
        table[id] = job
        await persist()
    }

    // MARK: State

    /// The state the store held at start, the first time; empty afterwards (a job the config
    /// no longer has is dropped then).
    func savedStates() async -> [String: ScheduledJobState] {
        let store = store
        let logger = logger
        let task =
            loading
            ?? Task<[String: ScheduledJobState], Never> {
                do {
                    return try await store.load()
                } catch {
                    logger.error("\(error); the scheduler starts with no saved state and replaces it on its next save")
                    return [:]
                }
            }
        loading = task
        let states = await task.value
        // The first update to get here matches the saved jobs with the config; the rest is dropped.
        guard !savedStateTaken else { return [:] }
        savedStateTaken = true
        return states
    }

    /// Saves every job's state, one save at a time, each with the state as it is when it runs.
    func persist() async {
        let previous = saving
        let task = Task {
            await previous?.value
            let snapshot = self.snapshot()
            do {
                try await self.store.save(snapshot)
            } catch {
                self.logger.error("\(error); the scheduler keeps running and tries again on its next save")
            }
        }
        saving = task
        await task.value
    }

    func snapshot() -> [String: ScheduledJobState] { table.mapValues(\.state) }
}

extension PlaybookScheduler {
    /// Schedules an engine's `on_schedule` playbooks (``PlaybookEngine/scheduledPlaybooks``);
    /// each run is ``PlaybookEngine/runScheduled(_:recurrence:)``, so its findings go to the
    /// engine's sinks. Failed actions are logged; `reports` gets every run's report (for
    /// metrics). Call it again with the new engine on a reload.
    public func update(_ engine: PlaybookEngine, reports: (@Sendable (EventReport) async -> Void)? = nil) async {
        let logger = logger
        await update(engine.scheduledPlaybooks) { playbook, recurrence in
            let report = await engine.runScheduled(playbook, recurrence: recurrence)
            for run in report.failedActions {
                logger.error(
                    "scheduled playbook '\(run.playbook)': action '\(run.action)' failed: \(run.failure?.message ?? "")",
                    metadata: ["code": "\(run.failure?.code.rawValue ?? "")"])
            }
            await reports?(report)
        }
    }
}
