import Foundation
import Testing
import Triggerfish
import TriggerfishServer
import TriggerfishTesting

/// `on_schedule` playbooks in the runner, on a hand-moved clock: runs, the state directory across
/// a restart, and reloads.
@Suite struct RunnerScheduleTests {
    static let config = """
        - triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 3, seconds_delay: 300}}}]
          actions: [{record: {tag: tick}}]
        """

    /// The runner's scheduler on `clock`, its wall clock `start` plus the time `clock` moved.
    static func options(clock: ManualClock, state: URL, start: TimeInterval = 1_800_000_000) -> RunnerOptions {
        LiveRunner.options {
            $0.stateDirectory = state.path
            $0.scheduleClock = clock
            $0.now = { Date(timeIntervalSince1970: start + Double(clock.now.offset.components.seconds)) }
        }
    }

    static func savedCount(_ state: URL) throws -> Int? {
        let json = try JSONValue.parse(String(contentsOf: state.appendingPathComponent("scheduled-jobs.json"), encoding: .utf8))
        return json["jobs"]?.objectValue?.values.first?["exec_count"]?.intValue
    }

    @Test func aScheduleRunsContinuesAfterARestartAndIsUnscheduledByAReload() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: state) }
        let clock = ManualClock()
        let log = ActionLog()
        try await LiveRunner.with(config: Self.config, options: Self.options(clock: clock, state: state), log: log) { live in
            await clock.advanceWhenSleeping(.seconds(120))  // Robusta's initial delay
            await log.waitForNotes(1)
            #expect(log.all == ["tick"])
            let handled = try await live.metric(#"triggerfish_events_handled_total{source="schedule"}"#)
            #expect(handled == 1)
        }
        #expect(try Self.savedCount(state) == 1)

        // A restart, 120 s of wall-clock time later (right after the first run): the same state
        // directory, a new runner; the job continues with its second run, 300 s after the first.
        let restarted = ManualClock()
        let options = Self.options(clock: restarted, state: state, start: 1_800_000_120)
        try await LiveRunner.with(config: Self.config, options: options, log: log) { live in
            await restarted.waitForSleep(.seconds(300))
            #expect(restarted.pendingSleeps == [.seconds(300)])
            await restarted.advanceWhenSleeping(.seconds(300))
            await log.waitForNotes(2)
            try await poll("the second run saved") { try Self.savedCount(state) == 2 ? true : nil }

            // A reload without the playbook unschedules it: its state is dropped.
            try "- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: pod}}]\n".write(
                toFile: live.configPath, atomically: true, encoding: .utf8)
            #expect(try await live.post("/api/playbooks/reload", "").status == 200)
            try await poll("the job dropped from the state") { try Self.savedCount(state) == nil ? true : nil }
        }
        #expect(log.all == ["tick", "tick"])
    }
}
