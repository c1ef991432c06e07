import Foundation
import Logging
import Testing
import TriggerfishTesting
import TriggerfishWebhookSink

@testable import Triggerfish

func sink(_ type: String, _ parameters: JSONValue) throws -> SinkConfiguration {
    try SinkConfiguration(type: type, parameters: parameters)
}

/// The validator's message for a sink built in code, or "compiled".
func sinkProblem(_ type: String, _ parameters: JSONValue) -> String {
    do {
        _ = try SinkConfiguration(type: type, parameters: parameters)
        return "compiled"
    } catch {
        return error.description
    }
}

@Suite struct SinkConfigurationTests {
    @Test func readsTheSharedParameters() throws {
        let plain = try sink("file_sink", ["name": "audit", "file_name": "/tmp/a.jsonl"])
        #expect(
            [plain.type, plain.name, "\(plain.isDefault)", "\(plain.stop)"] == ["file_sink", "audit", "true", "false"])
        #expect(
            plain.parameters == ["name": "audit", "file_name": "/tmp/a.jsonl", "default": true, "stop": false], "with the schema's defaults"
        )
        let stopping = try sink("console_sink", ["name": "c", "default": false, "stop": true])
        #expect(!stopping.isDefault && stopping.stop)
    }

    /// Sinks built in code go through the validator that checks a config's sinks.
    @Test func badParametersAreTheValidatorsErrors() {
        #expect(
            sinkProblem("file_sink", ["file_name": "x"]) == "<code>: error: missing required parameter 'name' (string) of sink 'file_sink'")
        #expect(
            sinkProblem("console_sink", ["name": "c", "default": "yes"])
                == "<code>: error: parameter 'default' of sink 'console_sink' must be true or false, found a string (yes)")
        #expect(
            sinkProblem("console_sink", ["name": "w", "scope": ["include": [["title": "("]]]])
                == "<code>: error: invalid regex '(' in 'title' in include entry 1 of parameter 'scope' of sink 'console_sink': expected ')'"
        )
        #expect(
            sinkProblem("console_sink", ["name": "s", "match": ["labels": "app"]])
                == "<code>: error: invalid labels matcher 'app' in 'match' of sink 'console_sink': 'app' is not 'key=value'")
        #expect(
            sinkProblem("console_sink", ["name": "s", "match": ["title": ["ok", "["]]])
                == "<code>: error: invalid regex '[' in 'title' in 'match' of sink 'console_sink': expected custom character class members")
        #expect(
            sinkProblem("console_sink", ["name": "s", "match": ["title": 3]])
                == "<code>: error: 'title' in 'match' of sink 'console_sink' must be a string or a list of strings, found an integer (3)")
    }

    let finding = sampleFinding()

    @Test func scopeDecidesWhenThereIsNoMatch() throws {
        #expect(try sink("console_sink", ["name": "c"]).accepts(finding))
        #expect(try sink("console_sink", ["name": "c", "scope": ["include": [["severity": "HIGH", "kind": "pod"]]]]).accepts(finding))
        #expect(try !sink("console_sink", ["name": "c", "scope": ["include": [["severity": "LOW"]]]]).accepts(finding))
        #expect(try !sink("console_sink", ["name": "c", "scope": ["exclude": [["namespace": "prod"]]]]).accepts(finding))
        #expect(try sink("console_sink", ["name": "c", "scope": ["exclude": [["namespace": "kube-.*"]]]]).accepts(finding))
    }

    @Test func legacyMatchIsAPrefixRegexOrALabelSubset() throws {
        func accepts(_ match: JSONValue) throws -> Bool { try sink("console_sink", ["name": "c", "match": match]).accepts(finding) }
        #expect(try accepts(["title": "Crash"]), "anchored at the start only")
        #expect(try !accepts(["title": "pod"]))
        #expect(try accepts(["identifier": ["Nope", "Crash"], "source": "KUBERNETES"]), "any regex of a list")
        #expect(try !accepts(["identifier": ["Nope", "Other"]]))
        #expect(try accepts(["labels": "app=web, tier=frontend"]))
        #expect(try !accepts(["labels": "app=we"]), "label values are compared whole")
        #expect(try accepts(["labels": ["app=api", "tier = frontend"]]))
        #expect(try !accepts(["title": "Crash", "colour": "red"]), "an unknown attribute rejects every finding")
        #expect(try !accepts(["type": "ISSUE"]), "findings have no type yet: the empty string")
        #expect(try accepts(["type": ".*"]))
    }

    @Test func scopeThenMatchMustBothAccept() throws {
        let both = try sink("console_sink", ["name": "c", "scope": ["include": [["name": "web-1"]]], "match": ["severity": "LOW"]])
        #expect(!both.accepts(finding))
        let neither = try sink("console_sink", ["name": "c", "scope": ["include": [["name": "web-2"]]], "match": ["severity": "HIGH"]])
        #expect(!neither.accepts(finding))
    }
}

@Suite struct SinkRouterTests {
    func finding(_ title: String, namespace: String = "prod", severity: Finding.Severity = .high) -> Finding {
        Finding(
            title: title, severity: severity, aggregationKey: "k", subject: FindingSubject(kind: "Pod", name: title, namespace: namespace))
    }

    let router: SinkRouter

    init() throws {
        router = SinkRouter([
            try sink("console_sink", ["name": "all"]),
            try sink("file_sink", ["name": "audit", "default": false]),
            try sink("webhook_sink", ["name": "pager", "url": "http://x", "scope": ["include": [["severity": "HIGH"]]]]),
            try sink(
                "slack_sink",
                [
                    "name": "prod-only", "api_key": "k", "slack_channel": "c", "default": false, "stop": true,
                    "scope": ["include": [["namespace": "prod"]]],
                ]),
        ])
    }

    @Test func defaultSinksAreThoseWithDefaultTrueInConfigOrder() {
        #expect(router.defaultSinkNames == ["all", "pager"])
    }

    @Test func sinksInOrderOfFirstAppearanceAndFindingsInTheGivenOrder() {
        let findings = [
            PendingFinding(finding: finding("a"), sinks: ["audit", "all"]),
            PendingFinding(finding: finding("b", severity: .low), sinks: ["all", "pager", "all"]),
            PendingFinding(finding: finding("c"), sinks: ["pager", "audit"]),
        ]
        #expect(router.route(findings).map(\.description) == ["audit#0", "audit#2", "all#0", "all#1", "pager#2"])
    }

    @Test func unknownSinkNamesAreSkippedAndReported() {
        let findings = [
            PendingFinding(finding: finding("a"), sinks: ["nope", "all"]),
            PendingFinding(finding: finding("b"), sinks: ["also-nope", "nope"]),
        ]
        #expect(
            router.routing(findings) == Routing(deliveries: [Delivery(sink: "all", findingIndex: 0)], unknownSinks: ["nope", "also-nope"]))
        #expect(router.route(findings) == [Delivery(sink: "all", findingIndex: 0)])
    }

    @Test func aStopSinkEndsRoutingOnceItAccepts() {
        let findings = [
            PendingFinding(finding: finding("staging", namespace: "staging"), sinks: ["prod-only", "all"]),
            PendingFinding(finding: finding("prod"), sinks: ["prod-only", "all"]),
            PendingFinding(finding: finding("later"), sinks: ["audit"]),
        ]
        #expect(router.routing(findings) == Routing(deliveries: [Delivery(sink: "prod-only", findingIndex: 1)], stoppedBy: "prod-only"))
        let rejected = [PendingFinding(finding: finding("staging", namespace: "staging"), sinks: ["prod-only", "all"])]
        #expect(router.routing(rejected) == Routing(deliveries: [Delivery(sink: "all", findingIndex: 0)]), "no stop when it rejects")
    }

    @Test func noFindingsNoDeliveries() {
        #expect(router.route([]) == [])
    }
}

@Suite struct LocalSinkTests {
    @Test func consoleSinkPrintsTheFindingAsText() async {
        let capture = ConsoleCapture()
        let sink = ConsoleSink(name: "console", console: capture.output)
        await sink.deliver(sampleFinding())
        await sink.deliver(Finding(title: "Node node-1 is not ready", severity: .low, aggregationKey: "NodeNotReady", fingerprint: "01"))
        #expect(
            capture.text == """
                [HIGH] Crashing pod web-1
                  aggregation key: CrashLoop
                  source: kubernetes_api_server
                  subject: Pod prod/web-1 on node node-1
                  labels: app=web, tier=frontend
                  annotations: owner=team-a
                  fingerprint: 5f0c6e0f2a1d9b3e
                  starts at: 2026-01-02T03:04:05Z
                  description:
                    The container restarted 3 times.
                  Logs:
                    line 1
                    line 2
                    file web.log:
                      boot
                      crash
                  container  restarts
                  ---------  --------
                  web        3
                  sidecar    0
                  - OOMKilled
                  - BackOff
                  Changes:
                    spec.image: "web:1" -> "web:2"
                    spec.replicas: (none) -> 2
                    {
                      "ratio": 0.5,
                      "ready": false
                    }
                [LOW] Node node-1 is not ready
                  aggregation key: NodeNotReady
                  source: none
                  fingerprint: 01

                """)
        #expect(sink.statistics == SinkStatistics(delivered: 2))
    }

    @Test func subjectLineShapes() {
        #expect(FindingText.subjectText(FindingSubject(kind: "Node", name: "node-1", node: "node-1")) == "Node node-1")
        #expect(FindingText.subjectText(FindingSubject(name: "web-1", namespace: "prod")) == "prod/web-1")
        #expect(FindingText.subjectText(FindingSubject(node: "node-2")) == "on node node-2")
        #expect(FindingText.subjectText(FindingSubject()) == nil)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-sink-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func fileSinkCreatesTheFileAndAppendsOneJSONLinePerFinding() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("findings.jsonl").path
        let capture = ConsoleCapture()
        let logs = LogCapture()
        let sink = FileSink(name: "audit", path: path, console: capture.output, logger: logs.logger)
        let first = Finding(title: "first", aggregationKey: "k", fingerprint: "1")
        let second = Finding(title: "second\nline", aggregationKey: "k", fingerprint: "2")
        await sink.deliver(first)
        await sink.deliver(second)
        await sink.flush()
        #expect(
            try String(contentsOfFile: path, encoding: .utf8)
                == first.jsonValue.serialized() + "\n" + second.jsonValue.serialized() + "\n")
        let again = FileSink(name: "audit", path: path, console: capture.output)
        await again.deliver(first)
        await again.flush()
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 3, "appends to what is there")
        #expect(capture.text == "" && logs.messages == [])
        #expect(sink.statistics == SinkStatistics(delivered: 2))
    }

    @Test func fileSinkWithoutFileNameWritesJSONLinesToTheConsole() async {
        let capture = ConsoleCapture()
        let sink = FileSink(name: "stdout", path: nil, console: capture.output)
        let finding = Finding(title: "t", aggregationKey: "k", fingerprint: "f")
        await sink.deliver(finding)
        await sink.deliver(finding)
        #expect(capture.text == finding.jsonValue.serialized() + "\n" + finding.jsonValue.serialized() + "\n")
    }

    @Test func fileSinkReportsAFileItCannotWrite() async {
        let logs = LogCapture()
        let sink = FileSink(
            name: "audit", path: "/nonexistent-triggerfish/dir/f.jsonl", console: ConsoleCapture().output, logger: logs.logger)
        await sink.deliver(Finding(title: "t", aggregationKey: "k"))
        await sink.flush()
        #expect(sink.statistics == SinkStatistics(failed: 1))
        #expect(logs.entries.map { "\($0.level) \($0.metadata["sink"] ?? "-")" } == ["error audit"])
        #expect(
            logs.messages == [
                "file_sink 'audit': could not write finding 't' to /nonexistent-triggerfish/dir/f.jsonl: No such file or directory"
            ])
    }

    @Test func concurrentAppendsGiveOnlyWholeLines() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("findings.jsonl").path
        let capture = ConsoleCapture()
        let sink = FileSink(name: "audit", path: path, console: capture.output)
        let tasks = 32
        let perTask = 25
        // Lines of 20-70 KB: several pages each, so a non-atomic writer would interleave.
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for index in 0..<perTask {
                        let filler = String(repeating: String(UnicodeScalar(UInt8(65 + (task + index) % 26))), count: 20_000 + 2000 * index)
                        await sink.deliver(Finding(title: "\(task)-\(index)", description: filler, aggregationKey: "k"))
                    }
                }
            }
        }
        await sink.flush()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == tasks * perTask)
        var titles: Set<String> = []
        for line in lines {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(line.utf8))
            let title = try #require(value["title"]?.stringValue)
            let parts = title.split(separator: "-").compactMap { Int($0) }
            let expected = Finding(
                title: title,
                description: String(
                    repeating: String(UnicodeScalar(UInt8(65 + (parts[0] + parts[1]) % 26))), count: 20_000 + 2000 * parts[1]),
                aggregationKey: "k")
            #expect(String(line) == expected.jsonValue.serialized())
            titles.insert(title)
        }
        #expect(titles.count == tasks * perTask)
        #expect(sink.statistics == SinkStatistics(delivered: tasks * perTask))
    }
}

@Suite struct SinkFactoryTests {
    /// The factory `triggerfish replay --deliver` uses.
    let factory = SinkFactory(builders: [.webhook])

    @Test func buildsTheSinksTriggerfishDelivers() throws {
        let console = ConsoleCapture().output
        #expect(try factory.make(sink("console_sink", ["name": "c"]), console: console) is ConsoleSink)
        let file = try #require(try factory.make(sink("file_sink", ["name": "f", "file_name": "/tmp/x"]), console: console) as? FileSink)
        #expect(file.path == "/tmp/x")
        #expect(try factory.make(sink("slack_sink", ["name": "s", "api_key": "k", "slack_channel": "c"]), console: console) == nil)
        let webhook = try #require(
            try factory.make(
                sink(
                    "webhook_sink",
                    [
                        "name": "w", "url": "https://example.invalid/hook", "format": "json", "size_limit": 100,
                        "authorization": "Bearer t",
                        "timeout_seconds": 3, "retries": 0, "slack_webhook": true, "concurrent_requests": 16,
                    ]),
                console: console) as? WebhookSink)
        let options = webhook.options
        #expect(
            "\(options.url) \(options.format) \(options.sizeLimit) \(options.authorization ?? "-") \(options.timeout) \(options.retries) \(options.slackWebhook) \(options.concurrency)"
                == "https://example.invalid/hook json 100 Bearer t 3 0 true 16")
        let defaults = try #require(
            try factory.make(sink("webhook_sink", ["name": "w", "url": "http://x/"]), console: console) as? WebhookSink)
        #expect(
            "\(defaults.options.format) \(defaults.options.sizeLimit) \(defaults.options.timeout) \(defaults.options.retries) \(defaults.options.queueCapacity) \(defaults.options.concurrency)"
                == "text 4096 10 3 1000 4")
    }

    /// The runtime builds the local sinks; the schema's other delivered types need their builders
    /// registered, and the CLI's factory has every one.
    @Test func deliveredTypesComeFromTheSchemaAndBuildersFromTheProgram() throws {
        #expect(SinkFactory.deliveredTypes == ["console_sink", "file_sink", "webhook_sink"])
        let runtimeOnly = SinkFactory()
        #expect(runtimeOnly.unbuiltTypes == ["webhook_sink"])
        #expect(try runtimeOnly.make(sink("webhook_sink", ["name": "w", "url": "http://x/"]), console: ConsoleCapture().output) == nil)
        #expect(factory.unbuiltTypes == [])
        #expect(factory.builders.keys.sorted() == ["console_sink", "file_sink", "webhook_sink"])
    }

    /// A registered builder for a type the runtime builds replaces the runtime's.
    @Test func aRegisteredBuilderReplacesTheBuiltinOne() throws {
        let capturing = SinkBuilder(type: "console_sink") { configuration, _ in CapturingSink(name: configuration.name) }
        let built = try SinkFactory(builders: [capturing]).make(sink("console_sink", ["name": "c"]), console: ConsoleCapture().output)
        #expect((built as? CapturingSink)?.name == "c")
    }

    /// The webhook's URL, format and numeric ranges are the schema's rules, checked by the validator.
    @Test func badWebhookParametersAreTheValidatorsErrors() {
        #expect(
            sinkProblem("webhook_sink", ["name": "w", "url": "ftp://x/y"])
                == "<code>: error: parameter 'url' of sink 'webhook_sink' must be an http or https URL with a host, found 'ftp://x/y'")
        #expect(
            sinkProblem("webhook_sink", ["name": "w", "url": "http://x", "format": "xml"])
                == "<code>: error: 'xml' is not a valid value for parameter 'format' of sink 'webhook_sink' and would never match; expected 'text' or 'json'"
        )
        #expect(
            sinkProblem("webhook_sink", ["name": "w", "url": "http://x", "timeout_seconds": 0])
                == "<code>: error: parameter 'timeout_seconds' of sink 'webhook_sink' must be at least 1, found 0")
        #expect(
            sinkProblem("webhook_sink", ["name": "w", "url": "http://x", "retries": 9_223_372_036_854_775_807])
                == "<code>: error: parameter 'retries' of sink 'webhook_sink' must be at most 100, found 9223372036854775807")
        #expect(
            sinkProblem("webhook_sink", ["name": "w", "url": "http://x", "concurrent_requests": 65])
                == "<code>: error: parameter 'concurrent_requests' of sink 'webhook_sink' must be at most 64, found 65")
        #expect(
            sinkProblem("webhook_sink", ["name": "w", "url": "http://x", "concurrent_requests": 0])
                == "<code>: error: parameter 'concurrent_requests' of sink 'webhook_sink' must be at least 1, found 0")
    }
}

/// The webhook sink against a live HTTP receiver on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct WebhookSinkTests {
    let logs = LogCapture()

    func webhook(
        _ url: URL, format: WebhookSink.Format = .json, sizeLimit: Int = 1 << 20, authorization: String? = nil, timeout: Int = 5,
        retries: Int = 3, queueCapacity: Int = 100, concurrency: Int = 1, clock: any Clock<Duration> = ContinuousClock()
    ) -> WebhookSink {
        WebhookSink(
            name: "hook",
            options: WebhookSink.Options(
                url: url, format: format, sizeLimit: sizeLimit, authorization: authorization, timeout: timeout, retries: retries,
                queueCapacity: queueCapacity, concurrency: concurrency, initialBackoff: 0.01, maxBackoff: 0.05),
            logger: logs.logger, clock: clock)
    }

    @Test func postsTheFindingJSON() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let sink = webhook(receiver.url)
            let finding = sampleFinding()
            await sink.deliver(finding)
            await sink.flush()
            let request = try #require(receiver.requests.first)
            #expect(receiver.requests.count == 1)
            #expect("\(request.method) \(request.path) \(request.headers["content-type"] ?? "-")" == "POST /hook application/json")
            #expect(request.headers["authorization"] == nil)
            #expect(request.text == finding.jsonValue.serialized())
            #expect(try JSONDecoder().decode(JSONValue.self, from: request.body) == finding.jsonValue)
            #expect(sink.statistics == SinkStatistics(delivered: 1))
            #expect(logs.messages == [])
            await sink.shutdown()
        }
    }

    @Test func textFormatPostsTheFindingText() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let sink = webhook(receiver.url, format: .text)
            await sink.deliver(sampleFinding())
            await sink.shutdown()
            let request = try #require(receiver.requests.first)
            #expect(request.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(request.text == FindingText.render(sampleFinding()))
        }
    }

    @Test func sendsTheAuthorizationHeader() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let sink = webhook(receiver.url, authorization: "Bearer s3cret")
            await sink.deliver(sampleFinding())
            await sink.shutdown()
            #expect(receiver.requests.map { $0.headers["authorization"] ?? "-" } == ["Bearer s3cret"])
        }
    }

    @Test func retriesAfterServerErrorsThenSucceeds() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.status(500), .status(503)])
            let sink = webhook(receiver.url, retries: 3)
            let finding = sampleFinding()
            await sink.deliver(finding)
            await sink.shutdown()
            #expect(receiver.requests.map(\.text) == Array(repeating: finding.jsonValue.serialized(), count: 3))
            #expect(sink.statistics == SinkStatistics(delivered: 1))
            #expect(logs.messages == [])
        }
    }

    @Test func givesUpAfterTheRetriesAndSaysWhy() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([], otherwise: .status(500))
            let sink = webhook(receiver.url, retries: 2)
            await sink.deliver(sampleFinding())
            await sink.shutdown()
            #expect(receiver.requests.count == 3, "\(receiver.requests.map { "\($0.method) \($0.headers) \($0.body.count)" })")
            #expect(sink.statistics == SinkStatistics(failed: 1))
            #expect(
                logs.messages == [
                    "webhook_sink 'hook': gave up on finding 'Crashing pod web-1' (fingerprint 5f0c6e0f2a1d9b3e) for \(receiver.url) after 3 attempts: HTTP 500"
                ])
            #expect(
                logs.entries.map { "\($0.level) \($0.metadata["sink"] ?? "-") \($0.metadata["fingerprint"] ?? "-")" } == [
                    "warning hook 5f0c6e0f2a1d9b3e"
                ])
        }
    }

    @Test func clientErrorsAreNotRetried() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.status(400)])
            let sink = webhook(receiver.url, retries: 3)
            await sink.deliver(sampleFinding())
            await sink.shutdown()
            #expect(receiver.requests.count == 1)
            #expect(
                logs.messages == [
                    "webhook_sink 'hook': gave up on finding 'Crashing pod web-1' (fingerprint 5f0c6e0f2a1d9b3e) for \(receiver.url) after 1 attempt: HTTP 400"
                ])
        }
    }

    /// Findings are sent one after another, in the order they were handed over, however long the
    /// receiver takes to answer each.
    @Test func sendsInOrderWhateverTheReceiverTakes() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.delayed(.milliseconds(50), status: 200), .status(200), .delayed(.milliseconds(20), status: 202)])
            let sink = webhook(receiver.url, format: .text)
            let titles = (0..<5).map { "f\($0)" }
            for title in titles { await sink.deliver(Finding(title: title, aggregationKey: "k", fingerprint: title)) }
            await sink.shutdown()
            #expect(receiver.requests.map { $0.text.split(separator: "\n").first.map(String.init) ?? "" } == titles.map { "[INFO] \($0)" })
            #expect(sink.statistics == SinkStatistics(delivered: 5))
        }
    }

    /// The sink's clock only moves when the test moves it, so while the first finding waits out
    /// its first backoff the sink has finished nothing: the engine handing the findings over, and
    /// the console sink getting them, cannot have waited for the webhook.
    @Test func aReceiverThatIsDownDoesNotStallDelivery() async throws {
        let receiver = try await HTTPReceiver.start()
        let url = receiver.url
        await receiver.stop()
        let clock = ManualClock()
        let console = ConsoleCapture()
        let hook = webhook(url, retries: 2, clock: clock)
        let config = try PlaybookConfig.load(
            text: """
                sinks_config:
                  - webhook_sink: {name: hook, url: "\(url.absoluteString)"}
                  - console_sink: {name: console}
                active_playbooks:
                  - triggers: [{on_pod_update: {}}]
                    actions: [{create_finding: {title: "changed $name", aggregation_key: k}}]
                """, file: "down.yaml", schema: try PlaybookConfig.schema())
        let engine = try PlaybookEngine(
            config: config, actions: BuiltinActionImplementations().registrations,
            sinks: ["hook": hook, "console": ConsoleSink(name: "console", console: console.output)])
        var findings: [Finding] = []
        for index in 0..<3 {
            let pod = object("Pod", "web-\(index)")
            let report = await engine.handle(update(pod, pod))
            #expect(report.findings.map(\.sinks) == [["hook", "console"]])
            findings += report.findings.map(\.finding)
        }
        await clock.waitForSleep(.seconds(0.01))
        #expect(hook.statistics == SinkStatistics(), "the first finding is still being retried")
        #expect(console.text == findings.map(FindingText.render).joined())
        #expect(logs.messages == [])

        // Two retries per finding, in order, each after its backoff.
        for _ in findings {
            await clock.advanceWhenSleeping(.seconds(0.01))
            await clock.advanceWhenSleeping(.seconds(0.02))
        }
        await engine.flushSinks()
        #expect(clock.completedSleeps == Array(repeating: [.seconds(0.01), .seconds(0.02)], count: 3).flatMap { $0 })
        #expect(hook.statistics == SinkStatistics(failed: 3))
        #expect(
            logs.messages
                == findings.map {
                    "webhook_sink 'hook': gave up on finding '\($0.title)' (fingerprint \($0.fingerprint)) for \(url) after 3 attempts: connection refused"
                })
        await hook.shutdown()
    }

    /// Each attempt lasts until its timeout has passed on the sink's clock, then the next one starts
    /// after the backoff; the clock moves only once the request is at the receiver.
    @Test func aReceiverThatNeverAnswersTimesOut() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([], otherwise: .hang)
            let clock = ManualClock()
            let sink = webhook(receiver.url, timeout: 1, retries: 1, clock: clock)
            await sink.deliver(sampleFinding())
            await receiver.waitForRequests(1)
            await clock.advanceWhenSleeping(.seconds(1))
            await clock.advanceWhenSleeping(.seconds(0.01))
            await receiver.waitForRequests(2)
            #expect(sink.statistics == SinkStatistics(), "the second attempt's timeout has not passed yet")
            await clock.advanceWhenSleeping(.seconds(1))
            await sink.flush()
            #expect(receiver.requests.count == 2)
            #expect(clock.completedSleeps == [.seconds(1), .seconds(0.01), .seconds(1)])
            #expect(sink.statistics == SinkStatistics(failed: 1))
            #expect(
                logs.messages == [
                    "webhook_sink 'hook': gave up on finding 'Crashing pod web-1' (fingerprint 5f0c6e0f2a1d9b3e) for \(receiver.url) after 2 attempts: timed out"
                ])
            await sink.shutdown()
        }
    }

    @Test func aFullQueueDropsAndSaysSo() async throws {
        let receiver = try await HTTPReceiver.start()
        receiver.answer([], otherwise: .hang)
        let sink = webhook(receiver.url, timeout: 30, retries: 0, queueCapacity: 2, clock: ManualClock())
        await sink.deliver(Finding(title: "in flight", aggregationKey: "k", fingerprint: "0"))
        await receiver.waitForRequests(1)
        for index in 1...4 { await sink.deliver(Finding(title: "f\(index)", aggregationKey: "k", fingerprint: "\(index)")) }
        #expect(sink.statistics == SinkStatistics(dropped: 2))
        #expect(
            logs.messages
                == [3, 4].map {
                    "webhook_sink 'hook': dropped finding 'f\($0)' (fingerprint \($0)) for \(receiver.url): the queue is full (2 findings waiting)"
                })
        await receiver.stop()
        await sink.shutdown()
        #expect(sink.statistics == SinkStatistics(failed: 3, dropped: 2))
        #expect(receiver.requests.map { $0.text.contains("in flight") } == [true])
    }

    @Test func sizeLimitLeavesOutWhatDoesNotFit() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let finding = sampleFinding()
            var withoutEnrichments = try #require(finding.jsonValue.objectValue)
            withoutEnrichments["enrichments"] = nil
            let limit = JSONValue.object(withoutEnrichments).serialized().utf8.count
            let json = webhook(receiver.url, sizeLimit: limit)
            await json.deliver(finding)
            await json.shutdown()
            #expect(receiver.requests.last?.text == JSONValue.object(withoutEnrichments).serialized())

            let lines = FindingText.render(finding).split(separator: "\n").map(String.init)
            let text = webhook(receiver.url, format: .text, sizeLimit: lines[0..<3].map { $0.utf8.count + 1 }.reduce(0, +) + 5)
            await text.deliver(finding)
            await text.shutdown()
            #expect(receiver.requests.last?.text == lines[0..<3].map { $0 + "\n" }.joined())

            let tiny = webhook(receiver.url, format: .text, sizeLimit: 9)
            await tiny.deliver(finding)
            await tiny.shutdown()
            #expect(receiver.requests.last?.text == "[HIGH] C\n", "a title longer than the limit is cut")
        }
    }

    @Test func slackWebhookBody() {
        let options = WebhookSink.Options(url: URL(string: "http://x")!, format: .json, slackWebhook: true)
        let body = WebhookSink.body(for: sampleFinding(), options: options)
        #expect(body.contentType == "application/json")
        #expect(
            String(decoding: body.data, as: UTF8.self)
                == #"{"text":"*Title:* Crashing pod web-1\n*Description:* The container restarted 3 times.\n"#
                + #"*Aggregation Key:* CrashLoop\n*labels*: app=web, tier=frontend\n"}"#)
    }

    @Test func shutdownSendsWhatIsQueuedThenRefuses() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let sink = webhook(receiver.url)
            for index in 0..<5 { await sink.deliver(Finding(title: "f\(index)", aggregationKey: "k", fingerprint: "\(index)")) }
            await sink.shutdown()
            #expect(receiver.requests.count == 5)
            await sink.deliver(Finding(title: "late", aggregationKey: "k", fingerprint: "9"))
            #expect(sink.statistics == SinkStatistics(delivered: 5, dropped: 1))
            #expect(
                logs.messages == [
                    "webhook_sink 'hook': dropped finding 'late' (fingerprint 9) for \(receiver.url): the sink has shut down"
                ])
        }
    }
}
