import Foundation
import Hummingbird
import NIOCore
import Synchronization
import Testing
import TriggerfishTesting
import Yams

/// The support for real Alertmanager and Prometheus processes, proven against stand-ins: the test
/// receiver as Alertmanager's webhook target, and a tiny `/metrics` endpoint for Prometheus.
/// Deadlines in these tests only bound waits on a busy machine; nothing asserts how long anything took.
@Suite(
    "Alertmanager as a webhook client", .timeLimit(.minutes(5)),
    .enabled(if: ExternalProgram.alertmanager.runsTests, ExternalProgram.alertmanager.skipComment))
struct AlertmanagerTests {
    /// The alert names in a webhook body Alertmanager sent.
    static func alertNames(_ request: HTTPReceiver.Request) -> [String] {
        guard let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any],
            let alerts = body["alerts"] as? [[String: Any]]
        else { return [] }
        return alerts.compactMap { ($0["labels"] as? [String: String])?["alertname"] }
    }

    @Test("an alert posted to Alertmanager's API reaches the webhook with the bearer token")
    func deliversWithBearerToken() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let webhook = Alertmanager.Webhook(url: receiver.url, bearerToken: "am-token-1")
            try await Alertmanager.withAlertmanager(webhook: webhook) { alertmanager in
                try await alertmanager.post([
                    PostableAlert(
                        labels: ["alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "web-1"],
                        annotations: ["summary": "web-1 is crash looping"])
                ])
                try await poll("the webhook request", log: alertmanager) { receiver.requests.first }
                let request = receiver.requests[0]
                #expect(request.method == "POST")
                #expect(request.path == "/hook")
                #expect(request.headers["authorization"] == "Bearer am-token-1")
                #expect(request.headers["content-type"] == "application/json")
                let body = try #require(try JSONSerialization.jsonObject(with: request.body) as? [String: Any])
                #expect(body["version"] as? String == "4")
                #expect(body["status"] as? String == "firing")
                #expect(body["receiver"] as? String == "webhook")
                let alerts = try #require(body["alerts"] as? [[String: Any]])
                #expect(alerts.count == 1)
                #expect(
                    alerts.first?["labels"] as? [String: String] == [
                        "alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "web-1",
                    ])
                #expect(alerts.first?["annotations"] as? [String: String] == ["summary": "web-1 is crash looping"])
                #expect(alerts.first?["status"] as? String == "firing")
            }
        }
    }

    @Test("Alertmanager retries a webhook that answers 503 until it is delivered")
    func retriesServiceUnavailable() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.status(503), .status(503), .status(503)])
            let webhook = Alertmanager.Webhook(url: receiver.url, bearerToken: "am-token-2")
            try await Alertmanager.withAlertmanager(webhook: webhook) { alertmanager in
                try await alertmanager.post([PostableAlert(labels: ["alertname": "Retried"])])
                // The fourth request is the first answered 200.
                try await poll("the fourth webhook request", log: alertmanager) { receiver.requests.dropFirst(3).first }
                for request in receiver.requests {
                    #expect(request.headers["authorization"] == "Bearer am-token-2")
                    #expect(Self.alertNames(request) == ["Retried"])
                }
            }
        }
    }

    @Test("Alertmanager also sends again after a 4xx, at the next group interval")
    func resendsAfterClientError() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.status(401), .status(400), .status(413)])
            try await Alertmanager.withAlertmanager(webhook: .init(url: receiver.url)) { alertmanager in
                try await alertmanager.post([PostableAlert(labels: ["alertname": "Refused"])])
                try await poll("the fourth webhook request", log: alertmanager) { receiver.requests.dropFirst(3).first }
                #expect(receiver.requests.allSatisfy { Self.alertNames($0) == ["Refused"] })
                #expect(receiver.requests.allSatisfy { $0.headers["authorization"] == nil })
            }
        }
    }

    @Test("a burst of alerts answered 503 at first all arrive in a request answered 200")
    func burstIsDeliveredDespite503() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let refused = 8
            receiver.answer(Array(repeating: .status(503), count: refused))
            try await Alertmanager.withAlertmanager(webhook: .init(url: receiver.url, bearerToken: "am-token-3")) { alertmanager in
                let names = (1...5).map { "Burst\($0)" }
                try await alertmanager.post(names.map { PostableAlert(labels: ["alertname": $0]) })
                // Each alert is a group of its own (group_by "..."): one alert per request.
                try await poll("every alert in a request answered 200", timeout: .seconds(180), log: alertmanager) {
                    let delivered = Set(receiver.requests.dropFirst(refused).flatMap(Self.alertNames))
                    return delivered.isSuperset(of: names) ? delivered : nil
                }
                #expect(receiver.requests.allSatisfy { $0.headers["authorization"] == "Bearer am-token-3" })
                #expect(receiver.requests.allSatisfy { Self.alertNames($0).count == 1 })
            }
        }
    }
}

@Suite(
    "Prometheus scraping a live endpoint", .timeLimit(.minutes(5)),
    .enabled(if: ExternalProgram.prometheus.runsTests, ExternalProgram.prometheus.skipComment))
struct PrometheusTests {
    @Test("Prometheus scrapes a counter from a live /metrics endpoint and its query API returns it")
    func scrapesCounter() async throws {
        let scrapes = Atomic<Int>(0)
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            let count = scrapes.add(1, ordering: .relaxed).newValue
            let text = """
                # HELP standin_inputs_received_total Inputs received, by endpoint.
                # TYPE standin_inputs_received_total counter
                standin_inputs_received_total{endpoint="alerts"} 3
                standin_inputs_received_total{endpoint="handle",reason="bad \\"input\\"\\n"} 7
                # HELP standin_scrapes_total Requests of this endpoint.
                # TYPE standin_scrapes_total counter
                standin_scrapes_total \(count)

                """
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        try await StandInServer.withServer(router) { server in
            try await Prometheus.withPrometheus(scraping: server.url.appendingPathComponent("metrics")) { prometheus in
                let samples = try await prometheus.waitForSamples("standin_inputs_received_total")
                let byEndpoint = Dictionary(uniqueKeysWithValues: samples.map { ($0.labels["endpoint"] ?? "", $0) })
                #expect(byEndpoint["alerts"]?.value == 3)
                #expect(byEndpoint["handle"]?.value == 7)
                #expect(byEndpoint["handle"]?.labels["reason"] == "bad \"input\"\n")
                #expect(byEndpoint["alerts"]?.labels["job"] == "triggerfish")
                #expect(byEndpoint["alerts"]?.labels["instance"] == "127.0.0.1:\(server.port)")
                // A counter that grows: Prometheus sees a later value, and `+` survives the query's encoding.
                let grown = try await prometheus.waitForSamples("standin_scrapes_total + 0") { ($0.first?.value ?? 0) >= 2 }
                #expect(grown.count == 1)
                #expect(try await prometheus.query("up").first?.value == 1)
            }
        }
    }

    @Test("a program that exits before it is ready fails with the end of its log, and its folder is removed")
    func exitsBeforeReady() async throws {
        let directory = try ExternalProcess.scratchDirectory(for: ExternalProgram.prometheus.rawValue)
        let error = await #expect(throws: ExternalServerError.self) {
            try await ExternalProcess.startListening(.prometheus, in: directory) { port in
                ["--config.file=/nonexistent/prometheus.yml", "--web.listen-address=127.0.0.1:\(port)"]
            }
        }
        let message = error?.description ?? ""
        #expect(message.hasPrefix("prometheus: exited (status 2) before /-/ready answered 200\n--- its log (last lines) ---\n"))
        #expect(message.contains("open /nonexistent/prometheus.yml: no such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}

@Suite("External servers' configuration")
struct ExternalConfigurationTests {
    @Test("Alertmanager's config routes every alert to the webhook with the token file")
    func alertmanagerConfiguration() throws {
        let text = Alertmanager.configuration(
            webhook: .init(url: URL(string: "http://127.0.0.1:5000/api/alerts")!, bearerToken: "x"), routing: .init(),
            tokenFile: URL(fileURLWithPath: "/tmp/a b/token"))
        #expect(
            text == """
                route:
                  receiver: webhook
                  group_by: ["..."]
                  group_wait: 0s
                  group_interval: 1s
                  repeat_interval: 3600s
                receivers:
                  - name: webhook
                    webhook_configs:
                      - url: "http://127.0.0.1:5000/api/alerts"
                        send_resolved: true
                        max_alerts: 0
                        http_config:
                          authorization:
                            type: Bearer
                            credentials_file: "/tmp/a b/token"

                """)
        let parsed = try #require(try Yams.load(yaml: text) as? [String: Any])
        let receivers = try #require(parsed["receivers"] as? [[String: Any]])
        let hook = try #require((receivers.first?["webhook_configs"] as? [[String: Any]])?.first)
        #expect(hook["url"] as? String == "http://127.0.0.1:5000/api/alerts")
    }

    @Test("Prometheus' config scrapes the target's host, port and path")
    func prometheusConfiguration() throws {
        let text = Prometheus.configuration(
            target: URL(string: "http://127.0.0.1:5000/metrics")!, interval: .milliseconds(500), bearerToken: nil)
        #expect(
            text == """
                global:
                  scrape_interval: 500ms
                  scrape_timeout: 500ms
                  evaluation_interval: 500ms
                scrape_configs:
                  - job_name: triggerfish
                    metrics_path: "/metrics"
                    static_configs:
                      - targets: ["127.0.0.1:5000"]

                """)
    }

    @Test("durations and queries are written as the programs read them")
    func formats() {
        #expect(prometheusDuration(.zero) == "0s")
        #expect(prometheusDuration(.seconds(90)) == "90s")
        #expect(prometheusDuration(.milliseconds(250)) == "250ms")
        #expect(Prometheus.queryEncoded("rate(a_total{b=\"c d\"}[1m]) + 1") == "rate%28a_total%7Bb%3D%22c%20d%22%7D%5B1m%5D%29%20%2B%201")
        #expect(yamlString("a\"b/c") == "\"a\\\"b/c\"")
    }

    @Test("a free loopback port can be bound")
    func freePort() throws {
        let port = try LoopbackPort.free()
        #expect((1...65535).contains(port))
    }
}

@Suite("Processes started for tests")
struct ExternalProcessTests {
    @Test("a started program gets SIGTERM: nothing is blocked, though Swift concurrency's threads block it")
    func receivesSIGTERM() async throws {
        let directory = try ExternalProcess.scratchDirectory(for: "sleep")
        let sleeper = try ExternalProcess.start("/bin/sleep", name: "sleep", arguments: ["600"], in: directory)
        // Without the fix SIGTERM stays pending, and the grace ends in SIGKILL (signal 9).
        let termination = await sleeper.stop(grace: .seconds(120))
        #expect(termination == ExternalProcess.Termination(signaled: true, status: SIGTERM))
        #expect(termination.description == "killed by signal 15")
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    @Test(
        "a started program's log holds its standard output and error",
        .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/status")))
    func capturesOutput() async throws {
        let directory = try ExternalProcess.scratchDirectory(for: "sh")
        let shell = try ExternalProcess.start(
            "/bin/sh", name: "sh", arguments: ["-c", "grep SigBlk /proc/self/status; echo to-stderr >&2"], in: directory)
        try await poll("sh to exit") { shell.isRunning ? nil : true }
        #expect(shell.log == "SigBlk:\t0000000000000000\nto-stderr\n")
        #expect(await shell.stop() == .success)
    }
}
