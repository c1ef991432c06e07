import Foundation
import Testing
import Triggerfish
import TriggerfishTestSupport
import TriggerfishTesting

/// `triggerfish serve --kubeconfig ... --watch` as a process against the fake API server: it
/// watches what the playbooks need, fires on changes but not on what existed at start, and reads
/// the objects manual triggers name.
@Suite(.timeLimit(.minutes(5))) struct ServeKubernetesTests {
    static let config = """
        sinks_config:
          - console_sink: {name: console}
        active_playbooks:
          - triggers: [{on_pod_create: {}}]
            actions: [{create_finding: {title: "pod $name created", aggregation_key: PodCreated}}]
        """

    static func pod(_ name: String) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": "shop"],
            "spec": ["containers": [["name": "app", "image": "web:1"]]],
        ]
    }

    @Test func watchesFiresOnNewObjectsAndReadsTheClusterForManualTriggers() async throws {
        let cluster = FakeKubernetesCluster()
        _ = try cluster.add(Self.pod("old"))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let folder = try ExternalProcess.scratchDirectory(for: "serve-kubernetes")
            defer { try? FileManager.default.removeItem(at: folder) }
            let config = folder.appendingPathComponent("playbooks.yaml")
            try Self.config.write(to: config, atomically: true, encoding: .utf8)
            let kubeconfig = folder.appendingPathComponent("kubeconfig")
            try server.kubeconfig().write(to: kubeconfig, atomically: true, encoding: .utf8)
            let serve = try await ServeProcess.start(config: config, arguments: ["--kubeconfig", kubeconfig.path, "--watch"])
            try await poll("the pod watch", log: serve) { cluster.watchCount >= 1 ? true : nil }
            _ = try cluster.create(Self.pod("new"), in: .pod, namespace: "shop")
            try await poll("the finding for the new pod", log: serve) { serve.log.contains("pod new created") ? true : nil }
            #expect(!serve.log.contains("pod old created"))
            // Only Pods are watched: the one kind the playbooks listen to.
            #expect(Set(cluster.requests.filter { $0.query.contains("watch=") }.map(\.path)) == ["/api/v1/pods"])

            // A manual trigger of an action on a PodEvent reads the pod; a missing one is Robusta's 4606.
            let missing = try await LoopbackHTTP.post(
                serve.url.appendingPathComponent("api/trigger"),
                json: Data(#"{"action_name": "pod_events_enricher", "action_params": {"name": "gone", "namespace": "shop"}}"#.utf8),
                headers: [serve.authorization])
            #expect(
                missing.text
                    == #"{"error_code":4606,"msg":"Pod shop/gone was not found in the cluster, so the PodEvent of action 'pod_events_enricher' cannot be built","success":false}"#
                    + "\n"
            )

            // `triggerfish trigger` against this runner: the pod is read through the API, then deleted.
            // (Run without blocking a thread: the fake API server answers in this process.)
            let deleted = try await TriggerfishProcess.runWithoutBlocking([
                "trigger", "delete_pod", "name=new", "namespace=shop", "--server", serve.url.absoluteString, "--token-file",
                serve.tokenFile.path,
            ])
            #expect(deleted.stdout == ["manual trigger of delete_pod", "    manual trigger: delete_pod"])
            #expect(deleted.stderr == [])
            #expect(deleted.status == 0)
            #expect(cluster.object(.pod, namespace: "shop", name: "new") == nil)
            let gone = try await TriggerfishProcess.runWithoutBlocking([
                "trigger", "delete_pod", "name=new", "namespace=shop", "--server", serve.url.absoluteString, "--token-file",
                serve.tokenFile.path,
            ])
            #expect(gone.stdout == [])
            #expect(
                gone.stderr == [
                    "error 4606: Pod shop/new was not found in the cluster, so the PodEvent of action 'delete_pod' cannot be built"
                ])
            #expect(gone.status == 1)

            let termination = await serve.terminate(keepDirectory: true)
            #expect(termination == .success, "\(serve.log)")
        }
    }
}
