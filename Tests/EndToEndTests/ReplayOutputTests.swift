import Foundation
import Testing

/// `triggerfish replay --output json` gives, byte for byte, the output recorded in
/// `Tests/Fixtures/replay/`, first recorded with the release before the architecture change
/// (0.1.0-dev at fb6fd00): restructuring must not change behaviour. Re-record only for a
/// deliberate change of behaviour, and say so in the commit (issue 10: findings carry
/// `finding_type` and `failure`, and `resource_babysitter` writes Robusta's title and description;
/// default fingerprints are Robusta's sha256, an alert's finding without a description
/// annotation is described by "", and default_enricher's labels table is named `*Alert labels*`
/// with type `alert_labels`, as Robusta's).
@Suite struct ReplayOutputTests {
    static let recorded = repositoryRoot.appending(path: "Tests/Fixtures/replay")

    @Test(arguments: [
        ("default.json", [String]()),
        ("runner_config_rendered.json", ["--config", "Tests/Fixtures/runner_config_rendered.yaml"]),
        ("helm_values.json", ["--config", "Tests/Fixtures/helm_values.yaml"]),
        ("runner_config_valid.json", ["--config", "Tests/Fixtures/runner_config_valid.yaml"]),
        // A slice of the benchmark workload with its 1,000-playbook configs (bench_count made
        // built-in actions that read whole objects), recorded before inputs were read on demand
        // (b01ff37); the whole files gave identical bytes too (docs/performance.md).
        (
            "workload_pods.json",
            ["--config", "Tests/Fixtures/workload/playbooks_pods.yaml", "--events", "Tests/Fixtures/workload/pods-slice.jsonl"]
        ),
        (
            "workload_alerts.json",
            ["--config", "Tests/Fixtures/workload/playbooks_alerts.yaml", "--events", "Tests/Fixtures/workload/alerts-slice.jsonl"]
        ),
    ])
    func jsonOutputIsWhatWasRecorded(recording: String, arguments: [String]) throws {
        // The default run replays the bundled recording; the others the fixtures' inputs unless they name theirs.
        let events = arguments.isEmpty || arguments.contains("--events") ? [] : ["--events", try ReplayTests.fixtureRecording().path]
        let result = try CLITests.triggerfish(["replay", "--output", "json"] + arguments + events)
        #expect(result.status == 0, "stderr: \(result.stderr.joined(separator: "\n"))")
        let expected = try String(contentsOf: Self.recorded.appending(path: recording), encoding: .utf8)
        let actual = result.stdout.map { $0 + "\n" }.joined()
        #expect(actual == expected)
    }
}
