import Foundation
import Testing

@testable import Triggerfish

/// Robusta's delay rules (reference §3.5) and the job id, without a running scheduler.
@Suite struct ScheduleDelayTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func delay(
        _ schedule: PlaybookSchedule, _ state: ScheduledJobState, notBefore: Date? = nil, initial: Duration = .seconds(120),
        minimum: Duration = .seconds(120)
    ) -> Duration? {
        schedule.delay(for: state, now: now, notBefore: notBefore, initialDelay: initial, minimumDelay: minimum)
    }

    func ran(_ count: Int, secondsAgo: Int) -> ScheduledJobState {
        ScheduledJobState(execCount: count, status: .running, lastExecTimeSec: 1_800_000_000 - secondsAgo)
    }

    @Test func fixedDelayWaitsTheInitialDelayThenTheRestOfItsDelayFlooredAt120Seconds() {
        let schedule = PlaybookSchedule.fixedDelay(repeat: -1, seconds: 600)
        #expect(delay(schedule, ScheduledJobState()) == .seconds(120))
        #expect(delay(schedule, ScheduledJobState(), initial: .seconds(5)) == .seconds(5))
        #expect(delay(schedule, ran(1, secondsAgo: 0)) == .seconds(600))
        #expect(delay(schedule, ran(1, secondsAgo: 100)) == .seconds(500))
        #expect(delay(schedule, ran(1, secondsAgo: 550)) == .seconds(120))
        #expect(delay(schedule, ran(1, secondsAgo: 550), minimum: .seconds(10)) == .seconds(50))
        #expect(delay(schedule, ran(1, secondsAgo: 86_400)) == .seconds(120))
        #expect(delay(.fixedDelay(repeat: -1, seconds: 30), ran(1, secondsAgo: 0)) == .seconds(120))
        #expect(delay(.fixedDelay(repeat: -1, seconds: -5), ran(1, secondsAgo: 0), minimum: .zero) == .zero)
    }

    @Test func fixedDelayIsDoneAfterRepeatRuns() {
        #expect(delay(.fixedDelay(repeat: 3, seconds: 600), ran(2, secondsAgo: 0)) == .seconds(600))
        #expect(delay(.fixedDelay(repeat: 3, seconds: 600), ran(3, secondsAgo: 0)) == nil)
        #expect(PlaybookSchedule.fixedDelay(repeat: 3, seconds: 1).isDone(afterRuns: 3))
        #expect(!PlaybookSchedule.fixedDelay(repeat: 3, seconds: 1).isDone(afterRuns: 2))
        #expect(!PlaybookSchedule.fixedDelay(repeat: -1, seconds: 1).isDone(afterRuns: 1_000_000))
        #expect(PlaybookSchedule.fixedDelay(repeat: 0, seconds: 1).isDone(afterRuns: 0))
    }

    @Test func dynamicDelayWaitsEachPeriodInTurnOnlyTheFirstUnfloored() {
        let schedule = PlaybookSchedule.dynamicDelay(periods: [10, 300, 60])
        #expect(delay(schedule, ScheduledJobState()) == .seconds(10))
        #expect(delay(schedule, ran(1, secondsAgo: 0)) == .seconds(300))
        #expect(delay(schedule, ran(1, secondsAgo: 200)) == .seconds(120))
        #expect(delay(schedule, ran(2, secondsAgo: 0)) == .seconds(120))
        #expect(delay(schedule, ran(2, secondsAgo: 0), minimum: .seconds(1)) == .seconds(60))
        #expect(delay(schedule, ran(3, secondsAgo: 0)) == nil)
        #expect(delay(.dynamicDelay(periods: [-5]), ScheduledJobState()) == .zero)
        #expect(delay(.dynamicDelay(periods: []), ScheduledJobState()) == nil)
    }

    @Test func cronWaitsForItsNextTimeFlooredAt120Seconds() throws {
        // now is 2027-01-15T08:00:00Z.
        let everyFiveMinutes = PlaybookSchedule.cron(try CronExpression("*/5 * * * *"))
        #expect(delay(everyFiveMinutes, ScheduledJobState()) == .seconds(300))
        #expect(delay(everyFiveMinutes, ran(4, secondsAgo: 10)) == .seconds(300))
        let atOnePastEight = PlaybookSchedule.cron(try CronExpression("1 8 * * *"))
        #expect(delay(atOnePastEight, ScheduledJobState()) == .seconds(120))
        #expect(delay(atOnePastEight, ScheduledJobState(), minimum: .zero) == .seconds(60))
        // The time a run was planned for is never run again, even when the clocks disagree.
        let planned = now.addingTimeInterval(300)
        #expect(delay(everyFiveMinutes, ran(1, secondsAgo: 0), notBefore: planned) == .seconds(600))
        #expect(delay(.cron(try CronExpression("0 0 30 2 *")), ScheduledJobState()) == nil)
    }

    @Test func doneJobsHaveNoDelay() {
        let done = ScheduledJobState(execCount: 1, status: .done, lastExecTimeSec: 0)
        #expect(delay(.fixedDelay(repeat: -1, seconds: 600), done) == nil)
    }

    @Test func schedulesComeFromTheTriggersParameters() throws {
        let playbooks = try schedulePlaybooks(
            """
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: a}}]
            - triggers: [{on_schedule: {fixed_delay_repeat: {repeat: 3, seconds_delay: 60}}}]
              actions: [{echo: {message: b}}]
            - triggers: [{on_schedule: {dynamic_delay_repeat: {delay_periods: [10, 20]}}}]
              actions: [{echo: {message: c}}]
            - triggers: [{on_schedule: {cron_schedule_repeat: {cron_expression: "0 12 * * 1"}}}]
              actions: [{echo: {message: d}}]
            - triggers: [{on_pod_create: {}}]
              actions: [{echo: {message: e}}]
            """)
        let schedules = try playbooks.map { try PlaybookSchedule(playbook: $0) }
        #expect(
            schedules == [
                .fixedDelay(repeat: -1, seconds: 600), .fixedDelay(repeat: 3, seconds: 60), .dynamicDelay(periods: [10, 20]),
                .cron(try CronExpression("0 12 * * 1")), nil,
            ])
        #expect(
            schedules.map { $0.map(String.init(describing:)) } == [
                "every 600 s, forever", "every 60 s, 3 times", "after delays of 10, 20 s", "cron '0 12 * * 1' (UTC)", nil,
            ])
    }

    @Test func theJobIDIsAHashOfTheDefinitionNotOfTheNameOrPosition() throws {
        let first = try schedulePlaybooks(
            """
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: a}}]
            - name: report
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: b}}]
            """)
        let moved = try schedulePlaybooks(
            """
            - name: renamed
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: b}}]
            - name: other
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: a}}]
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 601}}}]
              actions: [{echo: {message: a}}]
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: a}}]
              stop: true
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: a}}]
              sinks: [main]
            """)
        #expect(first.map(\.scheduleJobID) == [moved[1].scheduleJobID, moved[0].scheduleJobID])
        #expect(Set(moved.map(\.scheduleJobID)).count == 5)
        #expect(first[0].scheduleJobID.count == 16)
        #expect(first[0].scheduleJobID.allSatisfy { $0.isHexDigit })
    }
}

/// The playbooks of a config (built-in schema).
func schedulePlaybooks(_ yaml: String, file: String = "schedule.yaml") throws -> [PlaybookConfig.Playbook] {
    try PlaybookConfig.load(text: yaml, file: file, schema: PlaybookConfig.builtinSchema).playbooks
}
