import Foundation
import _TriggerfishCore

/// When an `on_schedule` playbook runs: one of the trigger's three forms, with Robusta's delay
/// rules (reference §3.5).
public enum PlaybookSchedule: Sendable, Hashable, CustomStringConvertible {
    /// `fixed_delay_repeat`: `repeat` runs (a negative count, `-1` by default, runs forever), `seconds` apart.
    case fixedDelay(repeat: Int, seconds: Int)
    /// `dynamic_delay_repeat`: one run per delay, each waiting its delay after the previous one.
    case dynamicDelay(periods: [Int])
    /// `cron_schedule_repeat`: at the times the expression gives (UTC).
    case cron(CronExpression)

    /// The schedule an `on_schedule` trigger's parameters describe.
    public init(parameters: OnSchedule.Parameters) throws(ParameterError) {
        switch (parameters.fixedDelayRepeat, parameters.dynamicDelayRepeat, parameters.cronScheduleRepeat) {
        case (let fixed?, nil, nil): self = .fixedDelay(repeat: fixed.repeat, seconds: fixed.secondsDelay)
        case (nil, let dynamic?, nil): self = .dynamicDelay(periods: dynamic.delayPeriods)
        case (nil, nil, let cron?):
            do {
                self = .cron(try CronExpression(cron.cronExpression))
            } catch {
                throw ParameterError(path: "cron_schedule_repeat.cron_expression", message: "\(error.message)")
            }
        default:
            throw ParameterError(
                path: OnSchedule.key, message: "needs exactly one of fixed_delay_repeat, dynamic_delay_repeat and cron_schedule_repeat")
        }
    }

    /// The schedule of a playbook the scheduler runs: one whose only trigger is `on_schedule`.
    /// `nil` for any other playbook; throws when the trigger's parameters do not make a schedule.
    public init?(playbook: PlaybookConfig.Playbook) throws(ParameterError) {
        guard playbook.triggers.count == 1, let trigger = playbook.triggers.first, trigger.key == OnSchedule.key else { return nil }
        try self.init(parameters: OnSchedule.Parameters(parameterValue: trigger.parameters, path: OnSchedule.key))
    }

    /// Whether a job that ran `count` times is done: after `repeat` runs (never for a negative
    /// `repeat`; at once for `repeat: 0`), after the last delay period; never for cron.
    public func isDone(afterRuns count: Int) -> Bool {
        switch self {
        case .fixedDelay(let times, _): times >= 0 && count >= times
        case .dynamicDelay(let periods): count >= periods.count
        case .cron: false
        }
    }

    /// How long to wait before the next run, by Robusta's rules; `nil` when the job is done or
    /// (cron) no time comes within ``CronExpression/searchYears`` years.
    ///
    /// - A job that never ran (``ScheduledJobState/Status/new``) waits `initialDelay`
    ///   (dynamic: its first period, not floored; cron: as below).
    /// - Later runs wait `max(lastExec + delay - now, minimumDelay)`, where `delay` is
    ///   `seconds_delay`, or (dynamic) the period at index `execCount`.
    /// - Cron waits until its next time after `now` (or after `notBefore`, the time the
    ///   previous run was planned for, when that is later: a run never repeats a cron time),
    ///   floored at `minimumDelay` too.
    public func delay(
        for state: ScheduledJobState, now: Date, notBefore: Date? = nil, initialDelay: Duration, minimumDelay: Duration
    ) -> Duration? {
        guard state.status != .done, !isDone(afterRuns: state.execCount) else { return nil }
        let nowMilliseconds = Self.milliseconds(now)
        let floor = Self.milliseconds(minimumDelay)
        switch self {
        case .fixedDelay(_, let seconds):
            guard state.status == .running else { return initialDelay }
            return .milliseconds(max(Int64(state.lastExecTimeSec + seconds) * 1000 - nowMilliseconds, floor))
        case .dynamicDelay(let periods):
            guard state.status == .running else { return .seconds(max(periods[0], 0)) }
            return .milliseconds(max(Int64(state.lastExecTimeSec + periods[state.execCount]) * 1000 - nowMilliseconds, floor))
        case .cron(let expression):
            let after = max(now, notBefore ?? now)
            guard let next = expression.next(after: after) else { return nil }
            return .milliseconds(max(Self.milliseconds(next) - nowMilliseconds, floor))
        }
    }

    public var description: String {
        switch self {
        case .fixedDelay(let times, let seconds):
            times < 0 ? "every \(seconds) s, forever" : "every \(seconds) s, \(times) time\(times == 1 ? "" : "s")"
        case .dynamicDelay(let periods): "after delays of \(periods.map(String.init).joined(separator: ", ")) s"
        case .cron(let expression): "cron '\(expression.text)' (UTC)"
        }
    }

    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}

extension PlaybookConfig.Playbook {
    /// The scheduler's job id for this playbook: a stable hash of its definition, as Robusta's
    /// playbook id is (the md5 of the triggers, the actions with their parameters, the sinks and
    /// `stop`). It ignores the playbook's name and position, so renaming or moving a playbook
    /// keeps its schedule, and changing what it does starts a new one. 16 hex digits: 64-bit
    /// FNV-1a over the definition as JSON with sorted keys.
    public var scheduleJobID: String {
        let definition: JSONValue = [
            "triggers": .array(triggers.map { .object([$0.key: $0.parameters]) }),
            "actions": .array(actions.map { .object([$0.name: $0.parameters]) }),
            "sinks": sinks.map { .array($0.map(JSONValue.string)) } ?? .null,
            "stop": .bool(stop),
        ]
        let hash = FNV1a.hash(definition.serialized(sortedKeys: true))
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
