import Foundation
import Testing

extension CLITests {
    static func notImplementedWarning(_ path: String, _ line: Int, _ action: String) -> String {
        "\(path):\(line):9: warning: action '\(action)' is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs"
    }

    static func uiSinkWarning(_ path: String, _ line: Int) -> String {
        "\(path):\(line):13: warning: sink 'robusta_ui_sink' is not defined in this file; Robusta's chart defines it when the Robusta platform is enabled, otherwise findings for it are dropped"
    }

    /// Default playbooks in the shape of Robusta's (`Tests/Fixtures`), as the runner config the
    /// chart renders and as Helm values: every action they use is declared, so they are ok, with
    /// warnings only (actions not implemented yet, and the Robusta UI sink the chart adds itself).
    @Test func defaultPlaybooksValidateWithWarningsOnly() throws {
        let fixtures = repositoryRoot.appending(path: "Tests/Fixtures")
        let rendered = fixtures.appending(path: "runner_config_rendered.yaml").path
        let helm = fixtures.appending(path: "helm_values.yaml").path
        let result = try Self.triggerfish(["validate", rendered, helm])
        #expect(result.status == 0)
        #expect(
            result.stdout == [
                "\(rendered): ok (runner config, 7 playbooks, 1 sink)", "\(helm): ok (Helm values, 8 playbooks, 0 sinks)",
            ])
        #expect(
            result.stderr == [
                Self.uiSinkWarning(rendered, 60),
                Self.uiSinkWarning(rendered, 68),
                Self.uiSinkWarning(helm, 72),
                Self.uiSinkWarning(helm, 80),
            ])
    }
}
