import Foundation
import Testing
import TriggerfishTestSupport

/// `triggerfish validate` and `triggerfish replay` run as processes over Robusta's configs, with
/// the bundled recording (`config/recording.jsonl`), which holds Robusta's fixture inputs.
enum CommandConformance {
    static func path(_ name: String) -> String { RobustaFixtures.folder.path(name) }

    /// Robusta's default playbooks, as its chart renders them and as Helm values: every action they
    /// use is declared, so they are clean apart from warnings (actions not implemented yet, and the
    /// Robusta UI sink the chart adds itself).
    static func validate() throws {
        let rendered = path("active_playbooks.rendered.yaml")
        let helm = path("helm_values.yaml")
        let result = try TriggerfishProcess.run(["validate", rendered, helm])
        #expect(result.status == 0)
        #expect(
            result.stdout == [
                "\(rendered): ok (runner config, 42 playbooks, 1 sink)", "\(helm): ok (Helm values, 42 playbooks, 0 sinks)",
            ])
        #expect(!result.stderr.isEmpty)
        for line in result.stderr {
            #expect(line.contains(": warning: action '") || line.contains(": warning: sink 'robusta_ui_sink'"), "\(line)")
        }
        #expect(result.stderr.contains("\(rendered):400:5: warning: \(ConfigConformance.uiSinkWarning)"))
    }

    /// The JSON reports of a replay, one per input line.
    static func replayJSON(_ arguments: [String]) throws -> (reports: [[String: Any]], stderr: [String]) {
        let result = try TriggerfishProcess.run(["replay", "--output", "json"] + arguments)
        #expect(result.status == 0, "stderr: \(result.stderr.joined(separator: "\n"))")
        let reports = try result.stdout.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
        return (reports, result.stderr)
    }

    /// What Robusta's runner does with each fixture input (../shared/fixtures/robusta/README.md),
    /// with active_playbooks.rendered.yaml loaded. The bundled recording holds these inputs in this
    /// order, the last alert twice. Robusta's runner also prepends an internal playbook running
    /// `cluster_discovery_updates` (it feeds the Robusta platform's inventory) before the
    /// Deployment update's actions; that playbook is not in the config and Triggerfish does not
    /// add it, so it is left out here.
    static let robustaTable: [[String]] = [
        ["resource_babysitter", "resource_events_diff"],
        ["report_crash_loop"],
        ["warning_events_report", "event_resource_events"],
        ["name_silencer", "default_enricher"],
        ["name_silencer", "default_enricher"],
        ["name_silencer", "logs_enricher", "pod_events_enricher", "default_enricher"],
        [],
    ]

    static func replayRenderedConfig() throws {
        let (reports, _) = try replayJSON(["--config", path("active_playbooks.rendered.yaml"), "--events", "config/recording.jsonl"])
        #expect(reports.map { $0["index"] as? Int } == Array(0..<7))
        #expect(reports.map { $0["actions"] as? [String] ?? ["?"] } == robustaTable)
        #expect(reports.map { $0["duplicates"] as? Int } == [0, 0, 0, 0, 0, 0, 1])
        #expect(
            reports.map { $0["input"] as? String } == [
                "kubernetes", "kubernetes", "kubernetes", "alertmanager", "alertmanager", "alertmanager", "alertmanager",
            ])
    }

    /// The Helm values the rendered config comes from: with `enablePlatformPlaybooks: false` (the
    /// chart's default) the chart leaves the platform playbooks out, and so does Triggerfish.
    static func replayHelmValues() throws {
        let (reports, stderr) = try replayJSON(["--config", path("helm_values.yaml"), "--events", "config/recording.jsonl"])
        var expected = robustaTable
        expected[0] = []  // resource_babysitter and resource_events_diff are platform playbooks
        expected[2] = []  // so are the warning-event playbooks
        #expect(reports.map { $0["actions"] as? [String] ?? ["?"] } == expected)
        #expect(
            stderr.filter { $0.contains("this playbook does not run") }.count == 8,
            "platform playbooks reported as not running: \(stderr.joined(separator: "\n"))")
    }
}
