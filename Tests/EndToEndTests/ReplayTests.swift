import Foundation
import Testing

/// `triggerfish replay` run as a process over configs and inputs in Robusta's formats.
@Suite struct ReplayTests {
    /// The repository's own fixtures (`Tests/Fixtures`); the conformance suite replays Robusta's.
    static let fixtures = repositoryRoot.appending(path: "Tests/Fixtures")

    /// The JSON reports of a replay, one per input line.
    static func replayJSON(_ arguments: [String]) throws -> (reports: [[String: Any]], stderr: [String]) {
        let result = try CLITests.triggerfish(["replay", "--output", "json"] + arguments)
        #expect(result.status == 0, "stderr: \(result.stderr.joined(separator: "\n"))")
        let reports = try result.stdout.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
        return (reports, result.stderr)
    }

    /// The fixture inputs as a recording, one JSON body per line: the Deployment update, the Pod
    /// update, the Warning Event, the webhook with Watchdog and KubePodCrashLooping, the webhook
    /// with a resolved node alert, and the first webhook again.
    static func fixtureRecording() throws -> URL {
        let names = [
            "kubewatch_deployment_update.json", "kubewatch_pod_update.json", "kubewatch_warning_event_create.json",
            "alertmanager_webhook_two_alerts.json", "alertmanager_webhook_null_maps.json", "alertmanager_webhook_two_alerts.json",
        ]
        // A raw newline in JSON can only be whitespace between tokens, so dropping them keeps each body valid.
        let lines = try names.map { try String(contentsOf: fixtures.appending(path: $0), encoding: .utf8).replacing("\n", with: "") }
        return try CLITests.write(lines.joined(separator: "\n") + "\n", named: "recording.jsonl")
    }

    /// What the runner config rendered from the fixture Helm values runs for each input: the
    /// playbooks that match, in config order, with their actions (failed ones included); after
    /// `name_silencer` silences Watchdog, nothing else runs for that alert; the webhook sent again
    /// is de-duplicated, alert by alert.
    static let renderedTable: [[String]] = [
        ["create_finding", "resource_babysitter", "resource_events_diff"],
        ["report_crash_loop"],
        ["warning_events_report", "event_resource_events"],
        ["name_silencer", "name_silencer", "logs_enricher", "pod_events_enricher", "default_enricher"],
        ["name_silencer", "default_enricher"],
        [],
    ]

    @Test func aRenderedRunnerConfigRunsTheMatchingPlaybooksInOrder() throws {
        let config = Self.fixtures.appending(path: "runner_config_rendered.yaml").path
        let (reports, _) = try Self.replayJSON(["--config", config, "--events", try Self.fixtureRecording().path])
        #expect(reports.map { $0["index"] as? Int } == Array(0..<6))
        #expect(reports.map { $0["actions"] as? [String] ?? ["?"] } == Self.renderedTable)
        #expect(reports.map { $0["duplicates"] as? Int } == [0, 0, 0, 0, 0, 2])
        #expect(
            reports.map { $0["input"] as? String } == [
                "kubernetes", "kubernetes", "kubernetes", "alertmanager", "alertmanager", "alertmanager",
            ])
    }

    /// The Helm values the rendered config comes from: with `enablePlatformPlaybooks: false` (the
    /// chart's default) the chart leaves the platform playbooks out, and a playbook named in
    /// `disabledPlaybooks`; so does Triggerfish, and says so.
    @Test func helmValuesRunWhatTheChartWouldRender() throws {
        let config = Self.fixtures.appending(path: "helm_values.yaml").path
        let (reports, stderr) = try Self.replayJSON(["--config", config, "--events", try Self.fixtureRecording().path])
        var expected = Self.renderedTable
        expected[0] = ["create_finding"]  // resource_babysitter and resource_events_diff are a platform playbook's
        expected[2] = []  // so are the warning-event actions
        #expect(reports.map { $0["actions"] as? [String] ?? ["?"] } == expected)
        let platform =
            "this playbook does not run: a platform playbook, and enablePlatformPlaybooks is not true (as Robusta's Helm chart renders it)"
        #expect(
            stderr.filter { $0.contains("this playbook does not run") } == [
                "\(config):42:5: warning: this playbook does not run: named in disabledPlaybooks (as Robusta's Helm chart renders it)",
                "\(config):62:5: warning: \(platform)",
                "\(config):73:5: warning: \(platform)",
            ])
    }

    @Test func twoRunsGiveTheSameReports() throws {
        let first = try CLITests.triggerfish(["replay", "--output", "json"])
        let second = try CLITests.triggerfish(["replay", "--output", "json"])
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.count == 7)
    }

    @Test func badLinesAreReportedAndTheRestIsProcessed() throws {
        let good = try String(contentsOf: repositoryRoot.appending(path: "config/recording.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let recording = try CLITests.write(
            [
                good[0],
                "{\"data\": {\"operation\": \"unknown\", \"kind\": \"Pod\", \"obj\": {}}}",
                "",
                "{not json",
                "[1, 2]",
                "{\"receiver\": \"r\", \"status\": \"firing\", \"externalURL\": \"\", \"version\": \"4\", \"alerts\": []}",
                good[1],
            ].joined(separator: "\n") + "\n", named: "recording.jsonl")
        let (reports, _) = try Self.replayJSON(["--events", recording.path])
        #expect(reports.map { $0["index"] as? Int } == [0, 1, 3, 4, 5, 6])
        #expect(reports.map { $0["input"] as? String } == ["kubernetes", nil, nil, nil, nil, "kubernetes"])
        #expect(
            reports.map { $0["error"] as? String } == [
                nil,
                #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "unknown""#,
                "invalid JSON at byte 1: expected a string key, found 'n'",
                "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver'); found a list",
                "Alertmanager webhook: groupKey: expected a string; found nothing (the field is missing)",
                nil,
            ])
        #expect((reports.last?["actions"] as? [String])?.isEmpty == false)
    }

    @Test func unreadableLinesInTextSayWhichLineAndWhy() throws {
        let recording = try CLITests.write(
            "\n{\"data\": {\"operation\": \"update\", \"kind\": \"Pod\"}}\n[]\n", named: "recording.jsonl")
        let result = try CLITests.triggerfish(["replay", "--events", recording.path])
        #expect(result.status == 0)
        #expect(
            result.stdout == [
                "#1 unreadable input (line 2): kubewatch CloudEvent: data.obj: expected an object; found nothing (the field is missing)",
                "#2 unreadable input (line 3): expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver'); found a list",
                "1 scheduled playbook(s) not run: replay feeds recorded inputs only.",
                "Replayed 2 inputs: 0 Kubernetes changes, 0 Alertmanager webhooks with 0 alerts (0 duplicates), 2 unreadable.",
                "Playbooks fired 0 times; 0 actions ran, 0 failed; 0 findings.",
            ])
    }

    @Test func theBundledDefaultReadsWellAsText() throws {
        let result = try CLITests.triggerfish(["replay"])
        #expect(result.status == 0)
        #expect(result.stderr == [])
        #expect(result.stdout.first == "#0 Deployment default/xxx-deployment update")
        #expect(result.stdout.contains("#6 alert KubePodCrashLooping firing: duplicate, already handled"))
        #expect(result.stdout.last?.hasPrefix("Playbooks fired ") == true)
    }

    @Test func deliverWritesTheFindingsToTheFileSink() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "replay-deliver-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let findings = directory.appending(path: "findings.jsonl")
        let config = try CLITests.write(
            """
            sinks_config:
              - file_sink: {name: file, file_name: "\(findings.path)"}
              - slack_sink: {name: chat, api_key: x, slack_channel: alerts, default: false}
            active_playbooks:
              - triggers: [{on_prometheus_alert: {status: all}}]
                actions: [{default_enricher: {}}]
                sinks: [file, chat]
            """, named: "deliver.yaml")
        let result = try CLITests.triggerfish(["replay", "--deliver", "--output", "json", "--config", config.path])
        #expect(result.status == 0)
        #expect(
            result.stderr == [
                "\(config.path): warning: sink 'chat' is a slack_sink, which Triggerfish does not deliver to yet; its findings are only reported"
            ])
        let reported = try result.stdout.flatMap { line -> [String] in
            let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return (report["findings"] as? [[String: Any]] ?? []).map { $0["title"] as? String ?? "?" }
        }
        #expect(reported == ["GMP Webhook Test Alert", "Node is unschedulable.", "KubePodCrashLooping"])
        let written = try String(contentsOf: findings, encoding: .utf8).split(separator: "\n").map { line in
            (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["title"] as? String ?? "?"
        }
        #expect(written == reported)
    }

    @Test func aMissingConfigOrRecordingIsAClearError() throws {
        let noConfig = try CLITests.triggerfish(["replay", "--config", "nope.yaml"])
        #expect(noConfig.status == 1)
        #expect(noConfig.stderr == ["nope.yaml: error: cannot read the file: no such file"])
        let noEvents = try CLITests.triggerfish(["replay", "--events", "nope.jsonl"])
        #expect(noEvents.status == 1)
        #expect(noEvents.stderr.last == "nope.jsonl: error: cannot read the file: no such file")
        let badConfig = try CLITests.write("- triggers: [{on_pod_updat: {}}]\n  actions: [{echo: {message: hi}}]\n", named: "bad.yaml")
        let invalid = try CLITests.triggerfish(["replay", "--config", badConfig.path])
        #expect(invalid.status == 1)
        #expect(
            invalid.stderr == [
                "\(badConfig.path):1:15: error: unknown trigger 'on_pod_updat' in the playbook at line 1; did you mean 'on_pod_update'?"
            ])
    }
}
