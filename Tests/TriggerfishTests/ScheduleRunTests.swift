import Foundation
import Logging
import Synchronization
import Testing
import TriggerfishTesting

@testable import Triggerfish

/// `PlaybookScheduler` on a `ManualClock`: delays, runs and their recurrences, state across a
/// restart, reloads. The wall clock is the manual clock's time since a fixed start, so the two
/// never disagree; nothing sleeps for real.
@Suite(.timeLimit(.minutes(1))) struct ScheduleRunTests {
    @Test func fixedDelayRunsRepeatTimesThenIsDone() async throws {
        let harness = SchedulerHarness()
        try await harness.update(
            """
            - name: thrice
              triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 3, seconds_delay: 300}}}]
              actions: [{echo: {message: hi}}]
            """)
        let running = harness.run()
        await harness.clock.advanceWhenSleeping(.seconds(120))
        await harness.clock.advanceWhenSleeping(.seconds(300))
        await harness.clock.advanceWhenSleeping(.seconds(300))
        let done = await harness.store.waitFor { $0.values.first?.status == .done }
        #expect(harness.ticks.runs == ["thrice#0", "thrice#1", "thrice#2"])
        #expect(harness.clock.completedSleeps == [.seconds(120), .seconds(300), .seconds(300)])
        #expect(harness.clock.pendingSleeps.isEmpty)
        #expect(
            done.values.first
                == ScheduledJobState(execCount: 3, status: .done, lastExecTimeSec: harness.startSeconds + 720, playbook: "thrice"))
        let job = try #require(await harness.scheduler.jobs.first)
        #expect(job.status == .done)
        #expect(job.execCount == 3)
        #expect(job.nextRun == nil)
        #expect(job.lastRun == harness.start.addingTimeInterval(720))
        await harness.stop(running)
    }

    @Test func laterRunsWaitAtLeastTheMinimumDelay() async throws {
        let harness = SchedulerHarness()
        try await harness.update(
            """
            - name: often
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 30}}}]
              actions: [{echo: {message: hi}}]
            """)
        let running = harness.run()
        for _ in 0..<3 { await harness.clock.advanceWhenSleeping(.seconds(120)) }
        await harness.clock.waitForSleep(.seconds(120))
        #expect(harness.ticks.runs == ["often#0", "often#1", "often#2"])
        await harness.stop(running)
    }

    @Test func theInitialAndMinimumDelaysCanBeLowered() async throws {
        let harness = SchedulerHarness(options: .init(initialDelay: .seconds(5), minimumDelay: .seconds(1)))
        try await harness.update(
            """
            - name: often
              triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 3, seconds_delay: 30}}}]
              actions: [{echo: {message: hi}}]
            """)
        let running = harness.run()
        await harness.clock.advanceWhenSleeping(.seconds(5))
        await harness.clock.advanceWhenSleeping(.seconds(30))
        await harness.clock.advanceWhenSleeping(.seconds(30))
        _ = await harness.store.waitFor { $0.values.first?.status == .done }
        #expect(harness.ticks.runs == ["often#0", "often#1", "often#2"])
        await harness.stop(running)
    }

    @Test func dynamicDelayRunsOncePerPeriod() async throws {
        let harness = SchedulerHarness()
        try await harness.update(
            """
            - name: backoff
              triggers: [{on_schedule: {dynamic_delay_repeat: {delay_periods: [10, 600, 60]}}}]
              actions: [{echo: {message: hi}}]
            """)
        let running = harness.run()
        await harness.clock.advanceWhenSleeping(.seconds(10))
        await harness.clock.advanceWhenSleeping(.seconds(600))
        await harness.clock.advanceWhenSleeping(.seconds(120))
        _ = await harness.store.waitFor { $0.values.first?.status == .done }
        #expect(harness.ticks.runs == ["backoff#0", "backoff#1", "backoff#2"])
        #expect(harness.clock.completedSleeps == [.seconds(10), .seconds(600), .seconds(120)])
        #expect(harness.clock.pendingSleeps.isEmpty)
        await harness.stop(running)
    }

    @Test func cronRunsAtItsTimesInUTC() async throws {
        // 2026-03-02T11:52:00Z, a Monday.
        let harness = SchedulerHarness(start: Date(timeIntervalSince1970: 1_772_452_320))
        try await harness.update(
            """
            - name: quarter
              triggers: [{on_schedule: {cron_schedule_repeat: {cron_expression: "*/15 * * * *"}}}]
              actions: [{echo: {message: hi}}]
            """)
        let running = harness.run()
        await harness.clock.waitForSleep(.seconds(8 * 60))
        #expect(try #require(await harness.scheduler.jobs.first).nextRun.map(RFC3339.format) == "2026-03-02T12:00:00Z")
        harness.clock.advance(by: .seconds(8 * 60))
        await harness.clock.advanceWhenSleeping(.seconds(15 * 60))
        await harness.clock.waitForSleep(.seconds(15 * 60))
        #expect(harness.ticks.runs == ["quarter#0", "quarter#1"])
        #expect(try #require(await harness.scheduler.jobs.first).nextRun.map(RFC3339.format) == "2026-03-02T12:30:00Z")
        await harness.stop(running)
    }

    @Test func cronTimesCloserThanTheMinimumDelayWaitTheMinimum() async throws {
        // 2026-03-02T11:59:30Z: the next minute is 30 s away.
        let harness = SchedulerHarness(start: Date(timeIntervalSince1970: 1_772_452_770))
        try await harness.update(
            """
            - name: minutely
              triggers: [{on_schedule: {cron_schedule_repeat: {cron_expression: "* * * * *"}}}]
              actions: [{echo: {message: hi}}]
            """)
        let running = harness.run()
        await harness.clock.advanceWhenSleeping(.seconds(120))
        await harness.clock.advanceWhenSleeping(.seconds(120))
        await harness.clock.waitForSleep(.seconds(120))
        #expect(harness.ticks.runs == ["minutely#0", "minutely#1"])
        await harness.stop(running)
    }

    @Test func aRestartContinuesTheScheduleFromTheSavedState() async throws {
        let store = RecordingStateStore()
        let clock = ManualClock()
        let yaml = """
            - name: report
              triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 5, seconds_delay: 600}}}]
              actions: [{echo: {message: hi}}]
            """
        let before = SchedulerHarness(store: store, clock: clock)
        try await before.update(yaml)
        let first = before.run()
        await clock.advanceWhenSleeping(.seconds(120))
        await clock.advanceWhenSleeping(.seconds(600))
        _ = await store.waitFor { $0.values.first?.execCount == 2 }
        await clock.waitForSleep(.seconds(600))
        await before.stop(first)
        #expect(before.ticks.runs == ["report#0", "report#1"])

        // Down for 100 s: the next run is 500 s away, not a new schedule from the start.
        clock.advance(by: .seconds(100))
        let after = SchedulerHarness(store: store, clock: clock)
        try await after.update(yaml)
        let second = after.run()
        await clock.advanceWhenSleeping(.seconds(500))
        _ = await store.waitFor { $0.values.first?.execCount == 3 }
        #expect(after.ticks.runs == ["report#2"])
        #expect(after.logs.messages.first == "scheduled playbook 'report': every 600 s, 5 times, continuing after 2 run(s)")
        await after.stop(second)
    }

    @Test func aRestartLongAfterTheLastRunWaitsTheMinimumDelay() async throws {
        let clock = ManualClock()
        let playbook = try #require(
            try schedulePlaybooks(
                """
                - name: report
                  triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
                  actions: [{echo: {message: hi}}]
                """
            ).first)
        let store = RecordingStateStore([
            playbook.scheduleJobID: ScheduledJobState(execCount: 7, status: .running, lastExecTimeSec: 1_800_000_000 - 86_400)
        ])
        let harness = SchedulerHarness(store: store, clock: clock)
        await harness.scheduler.update([playbook], tick: harness.ticks.tick)
        let running = harness.run()
        await clock.advanceWhenSleeping(.seconds(120))
        _ = await store.waitFor { $0.values.first?.execCount == 8 }
        #expect(harness.ticks.runs == ["report#7"])
        await harness.stop(running)
    }

    @Test func doneJobsAreNotScheduledAgain() async throws {
        let playbooks = try schedulePlaybooks(
            """
            - name: finished
              triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 2, seconds_delay: 600}}}]
              actions: [{echo: {message: a}}]
            - name: ongoing
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 900}}}]
              actions: [{echo: {message: b}}]
            """)
        let store = RecordingStateStore([
            playbooks[0].scheduleJobID: ScheduledJobState(execCount: 2, status: .done, lastExecTimeSec: 1_799_000_000),
            playbooks[1].scheduleJobID: ScheduledJobState(execCount: 1, status: .running, lastExecTimeSec: 1_800_000_000),
        ])
        let harness = SchedulerHarness(store: store)
        await harness.scheduler.update(playbooks, tick: harness.ticks.tick)
        let running = harness.run()
        await harness.clock.waitForSleep(.seconds(900))
        #expect(harness.clock.pendingSleeps == [.seconds(900)])
        let jobs = await harness.scheduler.jobs
        #expect(jobs.map(\.playbook) == ["finished", "ongoing"])
        #expect(jobs.map(\.status) == [.done, .running])
        #expect(jobs.map(\.nextRun) == [nil, harness.start.addingTimeInterval(900)])
        #expect(
            harness.logs.messages.first == "scheduled playbook 'finished': every 600 s, 2 times, done after 2 run(s), not scheduled again")
        await harness.stop(running)
    }

    @Test func aReloadKeepsUnchangedJobsCancelsRemovedOnesAndStartsNewOnes() async throws {
        let harness = SchedulerHarness()
        try await harness.update(
            """
            - name: kept
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
              actions: [{echo: {message: a}}]
            - name: removed
              triggers: [{on_schedule: {dynamic_delay_repeat: {delay_periods: [90, 600]}}}]
              actions: [{echo: {message: b}}]
            """)
        let running = harness.run()
        await harness.clock.waitForSleep(.seconds(90))
        await harness.clock.waitForSleep(.seconds(120))
        harness.clock.advance(by: .seconds(120))
        // Both ran at 120 s: kept waits 300 s, removed its second period, 600 s.
        await harness.clock.waitForSleep(.seconds(300))
        await harness.clock.waitForSleep(.seconds(600))
        harness.clock.advance(by: .seconds(100))
        #expect(harness.ticks.runs.sorted() == ["kept#0", "removed#0"])
        let removedID = try #require(await harness.scheduler.jobs.last?.id)

        // The kept playbook moved and was renamed: same definition, same job, same timer.
        try await harness.update(
            """
            - name: added
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 60}}}]
              actions: [{echo: {message: c}}]
            - name: kept and renamed
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
              actions: [{echo: {message: a}}]
            """)
        await harness.clock.waitForSleep(.seconds(120))
        #expect(harness.clock.pendingSleeps.sorted() == [.seconds(120), .seconds(300)])
        let jobs = await harness.scheduler.jobs
        #expect(jobs.map(\.playbook) == ["added", "kept and renamed"])
        #expect(jobs.map(\.execCount) == [0, 1])
        #expect(!jobs.map(\.id).contains(removedID))
        let saved = harness.store.jobs
        #expect(saved.count == 2)
        #expect(saved[removedID] == nil)
        #expect(saved[jobs[1].id]?.playbook == "kept and renamed")
        #expect(harness.logs.messages.contains("unscheduled playbook 'removed': it is no longer in the config"))

        // added runs at 340 s; kept's timer, untouched by the reload, ends at 420 s with its second run.
        await harness.clock.advanceWhenSleeping(.seconds(120))
        harness.clock.advance(by: .seconds(80))
        _ = await harness.store.waitFor { $0[jobs[1].id]?.execCount == 2 }
        #expect(harness.ticks.runs.sorted() == ["added#0", "kept and renamed#1", "kept#0", "removed#0"])
        await harness.stop(running)
    }

    @Test func playbooksWithTheSameDefinitionShareOneJob() async throws {
        let harness = SchedulerHarness()
        try await harness.update(
            """
            - name: one
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
              actions: [{echo: {message: a}}]
            - name: two
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
              actions: [{echo: {message: a}}]
            """)
        let jobs = await harness.scheduler.jobs
        #expect(jobs.map(\.playbook) == ["one"])
        #expect(harness.logs.messages.last == "playbook 'two' has the same definition as 'one': they share one schedule")
    }

    @Test func shutdownLetsARunUnderWayFinishAndSavesIt() async throws {
        let harness = SchedulerHarness()
        let gate = Gate()
        let playbooks = try schedulePlaybooks(
            """
            - name: slow
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
              actions: [{echo: {message: a}}]
            """)
        await harness.scheduler.update(playbooks) { playbook, recurrence in
            await gate.enterAndWait()
            harness.ticks.record(playbook, recurrence)
        }
        let running = harness.run()
        await harness.clock.advanceWhenSleeping(.seconds(120))
        await gate.waitUntilEntered()
        let stopping = Task { await harness.scheduler.shutdown() }
        gate.open()
        await stopping.value
        await running.value
        #expect(harness.ticks.runs == ["slow#0"])
        #expect(harness.store.jobs.values.first?.execCount == 1)
        #expect(harness.clock.pendingSleeps.isEmpty)
        // Updates after shutdown are ignored.
        try await harness.update("[]")
        #expect(await harness.scheduler.jobs.count == 1)
    }

    @Test func cancellingRunStopsTheScheduler() async throws {
        let harness = SchedulerHarness()
        try await harness.update(
            """
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
              actions: [{echo: {message: a}}]
            """)
        let running = harness.run()
        await harness.clock.waitForSleep(.seconds(120))
        running.cancel()
        await running.value
        #expect(harness.clock.pendingSleeps.isEmpty)
        #expect(harness.ticks.runs.isEmpty)
    }

    @Test func aCorruptStateFileIsLoggedAndTheSchedulerStartsFresh() async throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "schedule-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = DirectoryScheduleStateStore(directory: directory)
        try "{\"version\": 1, \"jobs\": {\"abc\": {\"exec_count\": \"two\"}}}".write(toFile: store.path, atomically: true, encoding: .utf8)
        let logs = LogCapture()
        let scheduler = PlaybookScheduler(store: store, clock: ManualClock(), logger: logs.logger)
        await scheduler.update(
            try schedulePlaybooks(
                """
                - name: report
                  triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
                  actions: [{echo: {message: a}}]
                """),
            tick: { _, _ in })
        #expect(logs.entries.first?.level == .error)
        #expect(
            logs.messages.first
                == "the scheduler state file '\(store.path)' is not Triggerfish scheduler state: job 'abc': 'exec_count' must be an integer from 0 to 2147483647, found \"two\"; the scheduler starts with no saved state and replaces it on its next save"
        )
        let saved = try await store.load()
        #expect(Array(saved.values) == [ScheduledJobState(playbook: "report")])
        await scheduler.shutdown()
    }

    @Test func theEngineRunsAScheduledPlaybooksActionWithItsSinks() async throws {
        let sink = CapturingSink(name: "audit")
        let engine = try PlaybookHarness.engine(
            """
            sinks_config:
              - console_sink: {name: main}
              - console_sink: {name: audit, default: false}
            active_playbooks:
              - name: weekly
                triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}}]
                actions: [{create_finding: {title: "weekly report", aggregation_key: weekly}}]
                sinks: [audit]
            """, sinks: ["audit": sink])
        let report = await engine.runScheduled(try #require(engine.scheduledPlaybooks.first), recurrence: 4)
        #expect(report.summary == "scheduled run, recurrence 4")
        #expect(report.playbooks == ["weekly"])
        #expect(report.failedActions.isEmpty)
        #expect(report.findings.map(\.finding.title) == ["weekly report"])
        #expect(report.findings.map(\.sinks) == [["audit"]])
        #expect(sink.findings.map(\.title) == ["weekly report"])
    }

    @Test func theEngineGivesTheEventItsRecurrence() async throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_schedule: {dynamic_delay_repeat: {delay_periods: [1]}}}]
              actions: [{record: {tag: tick}}]
            """)
        let playbook = try #require(engine.scheduledPlaybooks.first)
        #expect(await engine.runScheduled(playbook, recurrence: 0).logs == ["tick:ScheduledExecutionEvent"])
        // Moved by a reload, the same definition is the same job; another definition is not this engine's.
        var moved = playbook
        moved.index = 7
        #expect(await engine.runScheduled(moved, recurrence: 1).logs == ["tick:ScheduledExecutionEvent"])
        var stranger = moved
        stranger.actions[0].parameters = ["tag": "other"]
        let report = await engine.runScheduled(stranger, recurrence: 0)
        #expect(report.failedActions.map { $0.failure?.message } == ["the playbook is not in this engine's config"])
    }

    @Test func theSchedulerRunsAnEnginesPlaybooks() async throws {
        let harness = SchedulerHarness()
        let sink = CapturingSink(name: "main")
        let engine = try PlaybookHarness.engine(
            """
            sinks_config:
              - console_sink: {name: main}
            active_playbooks:
              - triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 2, seconds_delay: 300}}}]
                actions: [{create_finding: {title: "tick", aggregation_key: tick}}]
              - triggers: [{on_pod_create: {}}]
                actions: [{create_finding: {title: "pod", aggregation_key: pod}}]
            """, sinks: ["main": sink])
        let reports = ReportLog()
        await harness.scheduler.update(engine) { report in reports.append(report.summary) }
        let running = harness.run()
        await harness.clock.advanceWhenSleeping(.seconds(120))
        await harness.clock.advanceWhenSleeping(.seconds(300))
        _ = await harness.store.waitFor { $0.values.first?.status == .done }
        #expect(reports.summaries == ["scheduled run, recurrence 0", "scheduled run, recurrence 1"])
        #expect(sink.findings.map(\.title) == ["tick", "tick"])
        #expect(await harness.scheduler.jobs.count == 1)
        await harness.stop(running)
    }
}

// MARK: Support

/// A scheduler on a manual clock whose wall clock is `start` plus the manual clock's time.
struct SchedulerHarness {
    let clock: ManualClock
    let store: RecordingStateStore
    let ticks = TickLog()
    let logs = LogCapture()
    let start: Date
    let scheduler: PlaybookScheduler

    init(
        store: RecordingStateStore = RecordingStateStore(), clock: ManualClock = ManualClock(),
        start: Date = Date(timeIntervalSince1970: 1_800_000_000), options: PlaybookScheduler.Options = .init()
    ) {
        self.clock = clock
        self.store = store
        self.start = start
        scheduler = PlaybookScheduler(
            store: store, clock: clock,
            now: { [clock] in
                let (seconds, attoseconds) = clock.now.offset.components
                return start.addingTimeInterval(TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18)
            }, logger: logs.logger, options: options)
    }

    var startSeconds: Int { Int(start.timeIntervalSince1970) }

    func update(_ yaml: String) async throws {
        await scheduler.update(try schedulePlaybooks(yaml), tick: ticks.tick)
    }

    func run() -> Task<Void, Never> { Task { [scheduler] in await scheduler.run() } }

    func stop(_ running: Task<Void, Never>) async {
        await scheduler.shutdown()
        await running.value
    }
}

/// The runs a scheduler asked for, as `name#recurrence`, in order.
final class TickLog: Sendable {
    let state = Mutex([String]())

    var runs: [String] { state.withLock { $0 } }

    var tick: PlaybookScheduler.Tick {
        { [self] playbook, recurrence in record(playbook, recurrence) }
    }

    func record(_ playbook: PlaybookConfig.Playbook, _ recurrence: Int) {
        state.withLock { $0.append("\(playbook.displayName)#\(recurrence)") }
    }
}

final class ReportLog: Sendable {
    let state = Mutex([String]())
    var summaries: [String] { state.withLock { $0 } }
    func append(_ summary: String) { state.withLock { $0.append(summary) } }
}

/// A memory store a test can wait on: ``waitFor(_:)`` returns the first saved state that passes.
final class RecordingStateStore: ScheduleStateStore {
    struct Waiter {
        var id: UUID
        var matches: @Sendable ([String: ScheduledJobState]) -> Bool
        var continuation: CheckedContinuation<[String: ScheduledJobState], Never>
    }

    struct State {
        var jobs: [String: ScheduledJobState]
        var waiters: [Waiter] = []
    }

    let state: Mutex<State>

    init(_ jobs: [String: ScheduledJobState] = [:]) {
        state = Mutex(State(jobs: jobs))
    }

    var location: String { "test" }
    var jobs: [String: ScheduledJobState] { state.withLock { $0.jobs } }

    func load() async throws(ScheduleStateError) -> [String: ScheduledJobState] { jobs }

    func save(_ jobs: [String: ScheduledJobState]) async throws(ScheduleStateError) {
        let ready = state.withLock { state in
            state.jobs = jobs
            let ready = state.waiters.filter { $0.matches(jobs) }
            state.waiters.removeAll { $0.matches(jobs) }
            return ready
        }
        for waiter in ready { waiter.continuation.resume(returning: jobs) }
    }

    /// Waits for a save whose jobs pass `matches` (at once if the last save does). When the
    /// test's time limit cancels the wait, returns what was saved last, so the test ends.
    func waitFor(_ matches: @escaping @Sendable ([String: ScheduledJobState]) -> Bool) async -> [String: ScheduledJobState] {
        let id = UUID()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let current = state.withLock { state -> [String: ScheduledJobState]? in
                    if matches(state.jobs) || Task.isCancelled { return state.jobs }
                    state.waiters.append(Waiter(id: id, matches: matches, continuation: continuation))
                    return nil
                }
                if let current { continuation.resume(returning: current) }
            }
        } onCancel: {
            let (waiter, jobs) = state.withLock { state in
                let index = state.waiters.firstIndex { $0.id == id }
                return (index.map { state.waiters.remove(at: $0) }, state.jobs)
            }
            waiter?.continuation.resume(returning: jobs)
        }
    }
}

/// Holds a run until the test opens it.
final class Gate: Sendable {
    struct State {
        var entered = false
        var open = false
        var enterWaiters: [CheckedContinuation<Void, Never>] = []
        var openWaiters: [CheckedContinuation<Void, Never>] = []
    }

    let state = Mutex(State())

    func enterAndWait() async {
        await withCheckedContinuation { continuation in
            let (entered, isOpen) = state.withLock { state in
                state.entered = true
                let entered = state.enterWaiters
                state.enterWaiters = []
                if !state.open { state.openWaiters.append(continuation) }
                return (entered, state.open)
            }
            for waiter in entered { waiter.resume() }
            if isOpen { continuation.resume() }
        }
    }

    func waitUntilEntered() async {
        await withCheckedContinuation { continuation in
            let entered = state.withLock { state in
                if !state.entered { state.enterWaiters.append(continuation) }
                return state.entered
            }
            if entered { continuation.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            let waiters = state.openWaiters
            state.openWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
