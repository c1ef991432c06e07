import CoreMetrics
import Prometheus
import Synchronization
import Triggerfish

/// The runner's metrics and their exposition in Prometheus' text format.
///
/// Everything goes through one ``PrometheusCollectorRegistry`` per runner (never the global
/// one), with swift-metrics as the API: the engine counts events, playbook fires, action runs,
/// errors and durations, and findings by sink; the runner counts what arrives at each endpoint,
/// the queue, reloads and what each sink delivered.
final class RunnerMetrics: Sendable {
    /// Endpoints as the `endpoint` label names them.
    enum Endpoint: String, CaseIterable, Sendable {
        case handle, alerts, trigger, reload
    }

    /// Why an input was refused, as the `reason` label names it.
    enum Rejection: String, CaseIterable, Sendable {
        case badInput = "bad_input"
        case unauthorized
        case tooLarge = "too_large"
        case timeout
        case queueFull = "queue_full"
        case shuttingDown = "shutting_down"
    }

    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    let received: [Endpoint: CoreMetrics.Counter]
    let accepted: [Endpoint: CoreMetrics.Counter]
    let rejected: [Endpoint: [Rejection: CoreMetrics.Counter]]
    let inputDuration: [Endpoint: CoreMetrics.Timer]
    let queueDepth: CoreMetrics.Gauge
    let queueCapacity: CoreMetrics.Gauge
    let reloads: [Bool: CoreMetrics.Counter]
    let playbooks: CoreMetrics.Gauge
    /// Changes the Kubernetes watch handed to the queue, and how long each took from there to handled.
    let watched: CoreMetrics.Counter
    let watchDuration: CoreMetrics.Timer
    /// 1 while this runner holds the leader Lease (or has no leader election), 0 otherwise.
    let leader: CoreMetrics.Gauge
    let sinkTotals = Mutex(SinkTotals())

    /// Histogram buckets for durations: actions and inputs take microseconds to seconds.
    static let durationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        self.factory = factory
        var received: [Endpoint: CoreMetrics.Counter] = [:]
        var accepted: [Endpoint: CoreMetrics.Counter] = [:]
        var rejected: [Endpoint: [Rejection: CoreMetrics.Counter]] = [:]
        var durations: [Endpoint: CoreMetrics.Timer] = [:]
        for endpoint in Endpoint.allCases {
            let label = [("endpoint", endpoint.rawValue)]
            received[endpoint] = CoreMetrics.Counter(label: "triggerfish_requests_received_total", dimensions: label, factory: factory)
            accepted[endpoint] = CoreMetrics.Counter(label: "triggerfish_requests_accepted_total", dimensions: label, factory: factory)
            durations[endpoint] = CoreMetrics.Timer(label: "triggerfish_input_duration_seconds", dimensions: label, factory: factory)
            var reasons: [Rejection: CoreMetrics.Counter] = [:]
            for reason in Rejection.allCases {
                reasons[reason] = CoreMetrics.Counter(
                    label: "triggerfish_requests_rejected_total", dimensions: label + [("reason", reason.rawValue)], factory: factory)
            }
            rejected[endpoint] = reasons
        }
        self.received = received
        self.accepted = accepted
        self.rejected = rejected
        self.inputDuration = durations
        self.queueDepth = CoreMetrics.Gauge(label: "triggerfish_queue_depth", factory: factory)
        self.queueCapacity = CoreMetrics.Gauge(label: "triggerfish_queue_capacity", factory: factory)
        self.reloads = [
            true: CoreMetrics.Counter(label: "triggerfish_reloads_total", dimensions: [("result", "success")], factory: factory),
            false: CoreMetrics.Counter(label: "triggerfish_reloads_total", dimensions: [("result", "failure")], factory: factory),
        ]
        self.playbooks = CoreMetrics.Gauge(label: "triggerfish_config_playbooks", factory: factory)
        self.watched = CoreMetrics.Counter(label: "triggerfish_watch_changes_total", factory: factory)
        self.watchDuration = CoreMetrics.Timer(label: "triggerfish_watch_change_duration_seconds", factory: factory)
        self.leader = CoreMetrics.Gauge(label: "triggerfish_leader", factory: factory)
    }

    func receive(_ endpoint: Endpoint) { received[endpoint]?.increment() }
    func accept(_ endpoint: Endpoint) { accepted[endpoint]?.increment() }
    func reject(_ endpoint: Endpoint, _ reason: Rejection) { rejected[endpoint]?[reason]?.increment() }

    // MARK: Sink deliveries

    /// What sinks delivered, failed and dropped, as counters that keep counting across reloads
    /// (a reload replaces the sinks, whose own statistics start again from zero).
    struct SinkTotals {
        /// Final statistics of replaced sinks, by sink name.
        var retired: [String: SinkStatistics] = [:]
        /// What the counters show, by sink name.
        var published: [String: SinkStatistics] = [:]
        var counters:
            [String: (
                delivered: CoreMetrics.Counter, failed: CoreMetrics.Counter, dropped: CoreMetrics.Counter,
                notDelivered: CoreMetrics.Counter
            )] = [:]
    }

    /// Adds a replaced sink's final statistics to its name's totals.
    func retire(sink name: String, statistics: SinkStatistics) {
        sinkTotals.withLock { totals in
            var sum = totals.retired[name] ?? SinkStatistics()
            sum.delivered += statistics.delivered
            sum.failed += statistics.failed
            sum.dropped += statistics.dropped
            sum.notDelivered += statistics.notDelivered
            totals.retired[name] = sum
        }
    }

    /// Brings the delivery counters up to date with the live sinks' statistics.
    func publish(sinks: [(name: String, sink: any FindingSink)]) {
        let live = sinks.map { ($0.name, $0.sink.statistics) }
        sinkTotals.withLock { totals in
            var now = totals.retired
            for (name, statistics) in live {
                var sum = now[name] ?? SinkStatistics()
                sum.delivered += statistics.delivered
                sum.failed += statistics.failed
                sum.dropped += statistics.dropped
                sum.notDelivered += statistics.notDelivered
                now[name] = sum
            }
            for (name, statistics) in now {
                let counters =
                    totals.counters[name]
                    ?? {
                        func counter(_ outcome: String) -> CoreMetrics.Counter {
                            CoreMetrics.Counter(
                                label: "triggerfish_sink_deliveries_total", dimensions: [("sink", name), ("outcome", outcome)],
                                factory: factory)
                        }
                        let made = (
                            delivered: counter("delivered"), failed: counter("failed"), dropped: counter("dropped"),
                            notDelivered: counter("not_delivered")
                        )
                        totals.counters[name] = made
                        return made
                    }()
                let before = totals.published[name] ?? SinkStatistics()
                if statistics.delivered > before.delivered {
                    counters.delivered.increment(by: Int64(statistics.delivered - before.delivered))
                }
                if statistics.failed > before.failed { counters.failed.increment(by: Int64(statistics.failed - before.failed)) }
                if statistics.dropped > before.dropped { counters.dropped.increment(by: Int64(statistics.dropped - before.dropped)) }
                if statistics.notDelivered > before.notDelivered {
                    counters.notDelivered.increment(by: Int64(statistics.notDelivered - before.notDelivered))
                }
                totals.published[name] = statistics
            }
        }
    }

    /// The metrics in Prometheus' text exposition format (version 0.0.4).
    func exposition() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16 << 10)
        registry.emit(into: &buffer)
        return buffer
    }
}
