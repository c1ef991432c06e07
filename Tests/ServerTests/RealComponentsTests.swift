import Foundation
import Testing
import Triggerfish
import TriggerfishServer

/// The runner with the real programs it works with: Alertmanager posting to it with a bearer
/// token (and retrying what it refuses), Prometheus scraping its `/metrics`.
@Suite(
    "The runner with real Alertmanager", .timeLimit(.minutes(5)),
    .enabled(if: ExternalProgram.alertmanager.runsTests, ExternalProgram.alertmanager.skipComment))
struct RunnerWithAlertmanagerTests {
    /// An alert posted to Alertmanager's API reaches a playbook through `/api/alerts` (with the
    /// token Alertmanager sends), and its finding reaches a file sink.
    @Test func anAlertReachesAPlaybookAndItsFindingAFileSink() async throws {
        let findings = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-am-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: findings) }
        let config = """
            sinks_config:
              - file_sink: {name: file, file_name: \(findings.path)}
            active_playbooks:
              - triggers: [{on_prometheus_alert: {alert_name: KubePodCrashLooping}}]
                actions: [{create_finding: {title: "crash looping: ${labels.pod}", aggregation_key: crash}}]
            """
        let options = LiveRunner.options { $0.authenticateInputs = true }
        try await LiveRunner.with(config: config, options: options) { live in
            let webhook = Alertmanager.Webhook(url: URL(string: "\(live.base)/api/alerts")!, bearerToken: LiveRunner.token)
            try await Alertmanager.withAlertmanager(webhook: webhook) { alertmanager in
                try await alertmanager.post([
                    PostableAlert(labels: ["alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "web-1"])
                ])
                let line = try await poll("the finding in the file sink", log: alertmanager) {
                    (try? String(contentsOf: findings, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
                }
                let finding = try JSONValue.parse(line)
                #expect(finding["title"] == "crash looping: web-1")
                #expect(finding["aggregation_key"] == "crash")
                #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="alerts",reason="unauthorized"}"#) == 0)
                #expect(try await live.metric(#"triggerfish_sink_deliveries_total{sink="file",outcome="delivered"}"#) == 1)
            }
        }
    }

    /// A queue of 1 held by the gate and a burst of alerts, each its own group: the runner answers
    /// 503 to what does not fit, Alertmanager retries, and every alert is handled once.
    @Test func aBurstIntoAQueueOfOneLosesNoAlert() async throws {
        let config = "- triggers: [{on_prometheus_alert: {}}]\n  actions: [{gate: {tag: alert}}]\n"
        let options = LiveRunner.options {
            $0.queueCapacity = 1
            $0.lanes = 1
        }
        let names = (1...12).map { "Burst\($0)" }
        try await LiveRunner.with(config: config, options: options) { live in
            let webhook = Alertmanager.Webhook(url: URL(string: "\(live.base)/api/alerts")!)
            try await Alertmanager.withAlertmanager(webhook: webhook) { alertmanager in
                try await alertmanager.post(names.map { PostableAlert(labels: ["alertname": $0]) })
                try await poll("a refusal with 503", log: alertmanager) {
                    try await live.metric(#"triggerfish_requests_rejected_total{endpoint="alerts",reason="queue_full"}"#)
                        .flatMap { $0 >= 1 ? $0 : nil }
                }
                live.log.open()
                try await poll("every alert handled", log: alertmanager) { live.log.all.count >= names.count ? true : nil }
                #expect(try await live.metric(#"triggerfish_events_handled_total{source="alert"}"#) == Double(names.count))
                #expect(live.log.all == Array(repeating: "alert", count: names.count))
                #expect(try await live.metric(#"triggerfish_requests_accepted_total{endpoint="alerts"}"#) == Double(names.count))
            }
        }
    }
}

@Suite(
    "The runner scraped by real Prometheus", .timeLimit(.minutes(5)),
    .enabled(if: ExternalProgram.prometheus.runsTests, ExternalProgram.prometheus.skipComment))
struct RunnerWithPrometheusTests {
    /// What the runner counts, read back through Prometheus' query API: the exposition format is
    /// proven by the program that consumes it.
    @Test func prometheusScrapesTheRunnersMetrics() async throws {
        try await LiveRunner.with(config: RunnerTests.podConfig) { live in
            let accepted = try await live.post("/api/handle", podUpdate("web-1"), token: nil)
            #expect(accepted.status == 200)
            #expect(try await live.post("/api/handle", "{oops", token: nil).status == 400)
            await live.log.waitForNotes(1)
            let target = URL(string: "\(live.base)/metrics")!
            try await Prometheus.withPrometheus(scraping: target, interval: .milliseconds(500)) { prometheus in
                let queued = try await prometheus.waitForSamples(#"triggerfish_requests_accepted_total{endpoint="handle"}"#)
                #expect(queued.map(\.value) == [1])
                let refused = try await prometheus.waitForSamples(
                    #"triggerfish_requests_rejected_total{endpoint="handle",reason="bad_input"}"#)
                #expect(refused.map(\.value) == [1])
                let runs = try await prometheus.waitForSamples(#"triggerfish_action_duration_seconds_count{action="record"}"#)
                #expect(runs.map(\.value) == [1])
                let buckets = try await prometheus.waitForSamples(
                    #"sum(triggerfish_action_duration_seconds_bucket{action="record",le="+Inf"})"#)
                #expect(buckets.map(\.value) == [1])
            }
        }
    }
}
