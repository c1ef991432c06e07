import Testing
import TriggerfishTestSupport
import _TriggerfishFileIO

@testable import _TriggerfishCore

/// Robusta's configs through the validator the build and `triggerfish validate` use.
enum ConfigConformance {
    static func schema() throws -> Schema {
        let directory = repositoryRoot.appendingPathComponent("schema").path
        let loaded = try TextFiles.loadSchema(directory: directory)
        return try #require(loaded.schema, "the schema has errors: \(loaded.diagnostics.map(\.description))")
    }

    static func validate(_ name: String) throws -> ConfigValidator.Output {
        ConfigValidator(schema: try schema()).validate(text: try RobustaFixtures.folder.text(name), file: name)
    }

    static func validRunnerConfig() throws {
        let result = try validate("runner_config_valid.yaml")
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.config?.format == .runnerConfig)
        #expect(result.config?.sinks.map(\.name) == ["my_sink1", "my_sink2"])
    }

    /// Robusta's runner rejects it ("Sink name ... is already defined"); so does Triggerfish.
    static func duplicateSinkNames() throws {
        #expect(
            try validate("runner_config_invalid_dupl_sink_names.yaml").diagnostics.map(\.description) == [
                "runner_config_invalid_dupl_sink_names.yaml:16:13: error: sink name 'my_sink1' is already defined at line 6, column 13; sink names must be unique"
            ])
    }

    static let uiSinkWarning =
        "sink 'robusta_ui_sink' is not defined in this file; Robusta's chart defines it when the Robusta platform is enabled, otherwise findings for it are dropped"

    static func notImplementedWarning(_ action: String) -> String {
        "action '\(action)' is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs"
    }

    /// Robusta's 42 default playbooks validate: every action they use is declared, so there are
    /// no errors. The only warnings are the uses of actions declared `implemented: false` and the
    /// Robusta UI sink, which the chart defines when the platform is enabled.
    static func defaultPlaybooks(_ name: String, format: ValidatedConfig.Format) throws {
        let result = try validate(name)
        let config = try #require(result.config)
        #expect(config.format == format)
        #expect(config.playbooks.count == 42)
        #expect(!result.hasErrors)
        let notImplemented = Set(try schema().actions.filter { !$0.isImplemented }.map(\.name))
        for warning in result.diagnostics {
            #expect(warning.severity == .warning, "\(warning)")
            let known =
                warning.message == uiSinkWarning || notImplemented.contains { warning.message == notImplementedWarning($0) }
            #expect(known, "\(warning)")
        }
        // Every use of a declared but unimplemented action is reported, and only those.
        let used = config.playbooks.flatMap(\.actions).filter { notImplemented.contains($0.name) }
        #expect(result.diagnostics.filter { $0.message != uiSinkWarning }.count == used.count)
    }

    static func crashLoopAlertPlaybookWarnings() throws {
        // The playbook KubePodCrashLooping, lines 170-176.
        let lines = try validate("active_playbooks.rendered.yaml").diagnostics
            .filter { (170...176).contains($0.location.line) }.map(\.description)
        // logs_enricher and pod_events_enricher are implemented: no warning.
        #expect(lines == [])
    }
}
