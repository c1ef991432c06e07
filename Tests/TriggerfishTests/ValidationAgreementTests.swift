import Foundation
import Testing
import TriggerfishTestSupport
import _TriggerfishCore

@testable import Triggerfish

/// Validation is the one implementation of the config rules: every config `validate` accepts
/// loads, starts an engine and runs inputs without a parameter error, and every rule the runtime
/// relies on is reported by `validate` at its position, with the same diagnostics `load` throws.
@Suite struct ValidationAgreementTests {
    static let schema = PlaybookConfig.builtinSchema

    /// The configs of the repository, by path from its root.
    static let configs = [
        "config/default.yaml", "Tests/Fixtures/runner_config_valid.yaml", "Tests/Fixtures/runner_config_rendered.yaml",
        "Tests/Fixtures/helm_values.yaml", "Tests/Fixtures/runner_config_duplicate_sink_names.yaml",
    ]

    static func inputs() throws -> [RecordedInput] {
        let names = FixtureFolder.repository.names(withSuffix: ".json").filter {
            $0.hasPrefix("kubewatch_") || $0.hasPrefix("alertmanager_")
        }
        try #require(!names.isEmpty)
        return try names.map { name throws in try InputDecoder.decode(FixtureFolder.repository.text(name)) }
    }

    @Test(arguments: configs) func validateAndLoadAgreeAndWhatLoadsRuns(path: String) async throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent(path), encoding: .utf8)
        let output = ConfigValidator(schema: Self.schema).validate(text: text, file: path)
        let loaded: PlaybookConfig
        do {
            loaded = try PlaybookConfig.load(text: text, file: path, schema: Self.schema)
        } catch {
            #expect(output.hasErrors, "load refused what validate accepted: \(error)")
            #expect(error.diagnostics.map(\.description) == output.diagnostics.map(\.description))
            return
        }
        #expect(!output.hasErrors)
        let engine = try PlaybookEngine(config: loaded, actions: BuiltinActionImplementations().registrations)
        for input in try Self.inputs() {
            for report in await engine.handle(input) {
                let parameterFailures = report.actions.filter { $0.failure?.code == .invalidParameters }
                #expect(parameterFailures.isEmpty, "\(path): \(report)")
            }
        }
    }

    /// A rule of each kind the runtime executes, broken: `validate` names the place, and `load`
    /// refuses the config with exactly the validator's diagnostics.
    @Test(arguments: [
        (
            "a trigger scope's regex",
            """
            active_playbooks:
              - triggers:
                  - on_pod_update:
                      scope:
                        include:
                          - name: "web-("
                actions:
                  - create_finding: {title: t, aggregation_key: k}
            """,
            "rules.yaml:6:23: error: invalid regex 'web-(' in 'name' in include entry 1 of parameter 'scope' of trigger 'on_pod_update': expected ')'"
        ),
        (
            "a sink match regex",
            """
            sinks_config:
              - console_sink:
                  name: main
                  match:
                    title: "["
            active_playbooks: []
            """,
            "rules.yaml:5:16: error: invalid regex '[' in 'title' in 'match' of sink 'console_sink': expected custom character class members"
        ),
        (
            "a webhook URL's scheme",
            """
            sinks_config:
              - webhook_sink:
                  name: hook
                  url: ftp://example.com/x
            active_playbooks: []
            """,
            "rules.yaml:4:12: error: parameter 'url' of sink 'webhook_sink' must be an http or https URL with a host, found 'ftp://example.com/x'"
        ),
        (
            "a webhook's retries",
            """
            sinks_config:
              - webhook_sink:
                  name: hook
                  url: http://example.com/x
                  retries: 9223372036854775807
            active_playbooks: []
            """,
            "rules.yaml:5:16: error: parameter 'retries' of sink 'webhook_sink' must be at most 100, found 9223372036854775807"
        ),
        (
            "an alert_relabel operation",
            """
            alert_relabel:
              - {source: a, target: b, operation: move}
            active_playbooks: []
            """,
            "rules.yaml:2:39: error: 'move' is not a valid operation for alert_relabel rule 1; expected 'add' or 'replace'"
        ),
        (
            "a label selector",
            """
            active_playbooks:
              - triggers:
                  - on_pod_update: {labels_selector: "app!=web"}
                actions:
                  - create_finding: {title: t, aggregation_key: k}
            """,
            "rules.yaml:3:42: error: invalid label selector 'app!=web' in parameter 'labels_selector' of trigger 'on_pod_update': 'app!=web' is not supported: only equality ('key=value') is"
        ),
    ])
    func brokenRulesAreReportedWhereTheyAre(rule: String, yaml: String, expected: String) {
        let output = ConfigValidator(schema: Self.schema).validate(text: yaml, file: "rules.yaml")
        #expect(output.diagnostics.filter { $0.severity == .error }.map(\.description) == [expected], "\(rule)")
        #expect(throws: ConfigLoadError.self, "\(rule)") { try PlaybookConfig.load(text: yaml, file: "rules.yaml", schema: Self.schema) }
    }
}
