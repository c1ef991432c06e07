import CoreMetrics
import Dispatch
import Synchronization

/// What the engine counts, through swift-metrics: events handled by source, playbook fires,
/// action runs, errors and durations by action, and findings handed to each sink.
///
/// Every label value comes from the config (action, playbook and sink names) or from a fixed
/// set (sources, error codes), so the number of series is bounded by the config, never by the
/// input. The metric objects are made once, when the engine is built; the hot path only
/// increments them.
struct EngineMetrics: Sendable {
    /// Where events come from, as the `source` label says it.
    enum Source: String, CaseIterable, Sendable {
        case kubernetes, alert, manual, schedule
    }

    static let eventsLabel = "triggerfish_events_handled_total"
    static let playbookFiresLabel = "triggerfish_playbook_fires_total"
    static let actionRunsLabel = "triggerfish_action_runs_total"
    static let actionErrorsLabel = "triggerfish_action_errors_total"
    static let actionDurationLabel = "triggerfish_action_duration_seconds"
    static let findingsLabel = "triggerfish_findings_total"

    /// A class, so that handing an action's metrics to each of its runs is one retain.
    final class ActionMetrics: Sendable {
        let runs: Counter
        let duration: Timer
        /// One counter per error code, made when first needed (errors are rare).
        let errors: ErrorCounters

        init(runs: Counter, duration: Timer, errors: ErrorCounters) {
            self.runs = runs
            self.duration = duration
            self.errors = errors
        }

        /// One run: its duration (see ``EngineMetrics/monotonicNanoseconds()``), and its error
        /// code when it failed.
        func record(nanoseconds: Int64, failure: ActionError.Code?) {
            runs.increment()
            duration.recordNanoseconds(nanoseconds)
            if let failure { errors.increment(failure) }
        }
    }

    final class ErrorCounters: Sendable {
        let action: String
        let factory: any MetricsFactory
        let counters = Mutex<[ActionError.Code: Counter]>([:])

        init(action: String, factory: any MetricsFactory) {
            self.action = action
            self.factory = factory
        }

        func increment(_ code: ActionError.Code) {
            let counter = counters.withLock { counters in
                if let counter = counters[code] { return counter }
                let counter = Counter(
                    label: EngineMetrics.actionErrorsLabel, dimensions: [("action", action), ("code", code.rawValue)], factory: factory)
                counters[code] = counter
                return counter
            }
            counter.increment()
        }
    }

    let events: [Source: Counter]
    /// By runnable index.
    let playbookFires: [Counter]
    let actions: [String: ActionMetrics]
    let findings: [String: Counter]

    /// - Parameters:
    ///   - playbooks: display names, by runnable index.
    ///   - actions: every action name the engine may run (the config's and the registered ones).
    ///   - sinks: the configured sink names.
    init(factory: any MetricsFactory, playbooks: [String], actions: Set<String>, sinks: [String]) {
        var events: [Source: Counter] = [:]
        for source in Source.allCases {
            events[source] = Counter(label: Self.eventsLabel, dimensions: [("source", source.rawValue)], factory: factory)
        }
        self.events = events
        self.playbookFires = playbooks.map { Counter(label: Self.playbookFiresLabel, dimensions: [("playbook", $0)], factory: factory) }
        var byAction: [String: ActionMetrics] = [:]
        for action in actions {
            byAction[action] = ActionMetrics(
                runs: Counter(label: Self.actionRunsLabel, dimensions: [("action", action)], factory: factory),
                duration: Timer(label: Self.actionDurationLabel, dimensions: [("action", action)], factory: factory),
                errors: ErrorCounters(action: action, factory: factory))
        }
        self.actions = byAction
        var findings: [String: Counter] = [:]
        for sink in sinks where findings[sink] == nil {
            findings[sink] = Counter(label: Self.findingsLabel, dimensions: [("sink", sink)], factory: factory)
        }
        self.findings = findings
    }

    func handled(_ source: Source) { events[source]?.increment() }

    /// One run of an action: its duration, and its error code when it failed. (The engine's
    /// playbook runs look their action's metrics up once, when the engine is built.)
    func ran(_ action: String, duration: Duration, failure: ActionError.Code?) {
        actions[action]?.record(nanoseconds: duration.saturatingNanoseconds, failure: failure)
    }

    /// Nanoseconds of a monotonic clock, for timing action runs: a subtraction of two of them is
    /// the duration, where `ContinuousClock`'s instants are subtracted and converted through
    /// 128-bit attoseconds, which cost more than the run of a small action.
    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    func found(forSink sink: String) { findings[sink]?.increment() }
}

extension Duration {
    /// The duration in whole nanoseconds, saturating.
    package var saturatingNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return whole.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
