import Foundation
import Testing
import TriggerfishTestSupport

/// `triggerfish rbac` run as a process, and deploy/: its ClusterRole and Role are the command's
/// output for its config, and its Deployment runs that config.
@Suite struct RbacCommandTests {
    static func triggerfish(_ arguments: [String]) throws -> TriggerfishProcess.Output {
        try TriggerfishProcess.run(arguments)
    }

    static func deployFile(_ name: String) throws -> String {
        try String(contentsOf: repositoryRoot.appending(path: "deploy/\(name)"), encoding: .utf8)
    }

    @Test func deployRbacYAMLIsTheCommandsOutputForTheDeployedConfig() throws {
        let result = try Self.triggerfish(["rbac", "--config", "deploy/playbooks.yaml"])
        #expect(result.status == 0, "\(result.stderr)")
        let committed = try Self.deployFile("rbac.yaml").split(separator: "\n").map(String.init)
        #expect(
            result.stdout == committed,
            "deploy/rbac.yaml is stale: run 'swift run triggerfish rbac --config deploy/playbooks.yaml > deploy/rbac.yaml'")
    }

    @Test func theDeploymentRunsTheConfigTheKustomizationMounts() throws {
        let kustomization = try Self.deployFile("kustomization.yaml")
        for resource in ["namespace.yaml", "serviceaccount.yaml", "rbac.yaml", "bindings.yaml", "deployment.yaml", "service.yaml"] {
            #expect(kustomization.contains("  - \(resource)\n"), "\(resource)")
            #expect(FileManager.default.fileExists(atPath: repositoryRoot.appending(path: "deploy/\(resource)").path), "\(resource)")
        }
        #expect(kustomization.contains("  - name: triggerfish-playbooks\n    files:\n      - playbooks.yaml\n"))
        let deployment = try Self.deployFile("deployment.yaml")
        #expect(
            deployment.contains(
                "- serve\n            - --config\n            - /etc/triggerfish/playbooks.yaml\n            - --token-file\n            - /var/run/triggerfish/token\n"
            ))
        #expect(deployment.contains("name: playbooks\n          configMap:\n            name: triggerfish-playbooks\n"))
        let validate = try Self.triggerfish(["validate", "deploy/playbooks.yaml"])
        #expect(validate.status == 0, "\(validate.stderr)")
        #expect(validate.stdout == ["deploy/playbooks.yaml: ok (runner config, 7 playbooks, 1 sink)"])
    }

    @Test func nameNamespaceAndManualActions() throws {
        let config = try CLITests.write(
            """
            active_playbooks:
              - triggers: [on_pod_crash_loop: {}]
                actions: [create_finding: {title: crash, aggregation_key: Crash}]
              - triggers: [on_schedule: {fixed_delay_repeat: {seconds_delay: 300}}]
                actions: [echo: {message: tick}]
            """, named: "playbooks.yaml")
        let result = try Self.triggerfish([
            "rbac", "--config", config.path, "--name", "tf", "--namespace", "ops", "--manual-action", "job_events_enricher",
        ])
        #expect(result.status == 0)
        #expect(result.stderr == [])
        #expect(
            result.stdout == [
                "# Made by `triggerfish rbac --config \(config.path) --manual-action job_events_enricher --name tf --namespace ops` from schema/permissions.yaml; regenerate it rather than edit it (docs/deploy.md).",
                "apiVersion: rbac.authorization.k8s.io/v1",
                "kind: ClusterRole",
                "metadata:",
                "  name: tf",
                "rules:",
                "  - apiGroups: [\"\"]",
                "    resources: [pods]",
                "    verbs: [get, list, watch]",
                "  - apiGroups: [batch]",
                "    resources: [jobs]",
                "    verbs: [get]",
                "  - apiGroups: [events.k8s.io]",
                "    resources: [events]",
                "    verbs: [list]",
                "---",
                "apiVersion: rbac.authorization.k8s.io/v1",
                "kind: Role",
                "metadata:",
                "  name: tf",
                "  namespace: ops",
                "rules:",
                "  - apiGroups: [\"\"]",
                "    resources: [configmaps]",
                "    verbs: [get, create, patch]",
                "  - apiGroups: [coordination.k8s.io]",
                "    resources: [leases]",
                "    verbs: [get, create, update, patch]",
            ])
    }

    @Test func errorsExitOneAndBadOptionsSixtyFour() throws {
        let config = try CLITests.write("- triggers: [on_pod_create: {}]\n  actions: [echo: {mesage: hi}]\n", named: "bad.yaml")
        let invalid = try Self.triggerfish(["rbac", "--config", config.path])
        #expect(invalid.status == 1)
        #expect(invalid.stdout == [])
        #expect(
            invalid.stderr == [
                "\(config.path):2:13: error: missing required parameter 'message' (string) of action 'echo'",
                "\(config.path):2:20: error: unknown parameter 'mesage' for action 'echo'; did you mean 'message'?",
            ])
        let unknown = try Self.triggerfish(["rbac", "--config", "config/default.yaml", "--manual-action", "delete_podd"])
        #expect(unknown.status == 1)
        #expect(unknown.stdout == [])
        #expect(unknown.stderr.last?.hasPrefix("error: --manual-action: unknown action 'delete_podd'") == true)
        let namespace = try Self.triggerfish(["rbac", "--namespace", "Ops"])
        #expect(namespace.status == 64)
        #expect(
            namespace.stderr.first
                == "Error: --namespace must be a lower-case DNS label (a-z, 0-9 and '-', at most 63 characters); got 'Ops'")
        let name = try Self.triggerfish(["rbac", "--name", "tf_reader"])
        #expect(name.status == 64)
        #expect(
            name.stderr.first
                == "Error: --name must be a lower-case DNS name (a-z, 0-9, '-' and '.', at most 253 characters); got 'tf_reader'")
    }
}
