import Foundation
import Testing
import TriggerfishTestSupport

/// `triggerfish` run as a process, the way a user or a deployment script runs it.
@Suite struct CLITests {
    /// Runs `triggerfish` with `arguments`; `input` becomes its standard input (none when `nil`).
    static func triggerfish(
        _ arguments: [String], in directory: URL = repositoryRoot, input: String? = nil
    ) throws -> TriggerfishProcess.Output {
        try TriggerfishProcess.run(arguments, in: directory, input: input)
    }

    static func write(_ text: String, named name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "triggerfish-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appending(path: name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func cleanConfigExitsZero() throws {
        let result = try Self.triggerfish(["validate", "config/default.yaml"])
        #expect(result.status == 0)
        #expect(result.stdout == ["config/default.yaml: ok (runner config, 8 playbooks, 2 sinks)"])
        #expect(result.stderr == [])
    }

    @Test func everyProblemOfEveryFileIsReportedAndExitIsOne() throws {
        let bad = try Self.write(
            """
            - triggers:
                - on_pod_updat: {}
              actions:
                - create_finding: {titel: x}
            """, named: "bad.yaml")
        let alsoBad = try Self.write(
            "active_playbooks:\n  - triggers: [on_schedule: {}]\n    actions: [echo: {message: hi}]\n", named: "also.yaml")
        let result = try Self.triggerfish(["validate", "config/default.yaml", bad.path, alsoBad.path])
        #expect(result.status == 1)
        #expect(result.stdout == ["config/default.yaml: ok (runner config, 8 playbooks, 2 sinks)"])
        #expect(
            result.stderr == [
                "\(bad.path):2:7: error: unknown trigger 'on_pod_updat' in the playbook at line 1; did you mean 'on_pod_update'?",
                "\(bad.path):4:7: error: missing required parameter 'title' (string) of action 'create_finding'",
                "\(bad.path):4:7: error: missing required parameter 'aggregation_key' (string) of action 'create_finding'",
                "\(bad.path):4:24: error: unknown parameter 'titel' for action 'create_finding'; did you mean 'title'?",
                "\(alsoBad.path):2:16: error: trigger 'on_schedule' needs one of 'fixed_delay_repeat', 'dynamic_delay_repeat' or 'cron_schedule_repeat'",
            ])
    }

    @Test func badUsageExitsSixtyFour() throws {
        let none = try Self.triggerfish(["validate"])
        #expect(none.status == 64)
        #expect(none.stderr.first == "Error: give at least one config file to check")
        let unknownOption = try Self.triggerfish(["validate", "--strictly", "config/default.yaml"])
        #expect(unknownOption.status == 64)
        #expect(unknownOption.stderr.first == "Error: Unknown option '--strictly'")
    }

    @Test func missingFileIsAnErrorNamingIt() throws {
        let result = try Self.triggerfish(["validate", "no/such/file.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr == ["no/such/file.yaml: error: cannot read the file: no such file"])
    }

    @Test func customActionsAreDeclaredWithActionsFiles() throws {
        let playbooks = repositoryRoot.appending(path: "Examples/PodCounter/Sources/PodCounter/playbooks.yaml").path
        let actions = repositoryRoot.appending(path: "Examples/PodCounter/Sources/PodCounter/actions.yaml").path
        let without = try Self.triggerfish(["validate", playbooks])
        #expect(without.status == 1)
        let hint = "if it is a custom action, pass the file that declares it with --actions FILE"
        #expect(
            without.stderr == [
                "\(playbooks):8:7: error: unknown action 'count_pods' in the playbook at line 2; \(hint)",
                "\(playbooks):11:7: error: unknown action 'log_change' in the playbook at line 2; \(hint)",
                "\(playbooks):18:7: error: unknown action 'log_change' in the playbook at line 13; \(hint)",
                "\(playbooks):31:7: error: unknown action 'count_pods' in the playbook at line 23; \(hint)",
            ])
        let with = try Self.triggerfish(["validate", "--actions", actions, playbooks])
        #expect(with.status == 0)
        #expect(with.stderr == [])
    }
}
