import Foundation
import Testing
import Triggerfish
import TriggerfishKubernetes
import TriggerfishTesting

/// The Kubernetes actions as a runner runs them: a manual trigger through the engine, the event's
/// object read and the action's calls made by ``KubernetesClient`` over HTTP (or TLS with a client
/// certificate) against the fake API server; the findings, the exact requests the server saw and
/// what the cluster holds afterwards.
@Suite("Kubernetes actions through the client against the fake API server", .timeLimit(.minutes(2)))
struct ActionsOverHTTPTests {
    /// `web-1` in `prod` on `node-1`, owned by a ReplicaSet: container `web` crash-loops.
    static let crashingPod: JSONValue = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": [
            "name": "web-1", "namespace": "prod", "labels": ["app": "web"],
            "ownerReferences": [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d4f", "uid": "rs-1", "controller": true]],
        ],
        "spec": ["nodeName": "node-1", "containers": [["name": "web", "image": "web:1.2"]]],
        "status": [
            "phase": "Running",
            "containerStatuses": [
                [
                    "name": "web", "image": "web:1.2", "restartCount": 3,
                    "state": ["waiting": ["reason": "CrashLoopBackOff", "message": "back-off 40s restarting failed container=web"]],
                    "lastState": [
                        "terminated": [
                            "reason": "Error", "exitCode": 1, "startedAt": "2024-01-01T09:57:00Z", "finishedAt": "2024-01-01T09:58:00Z",
                        ]
                    ],
                ]
            ],
        ],
    ]

    static let node: JSONValue = [
        "apiVersion": "v1", "kind": "Node", "metadata": ["name": "node-1"],
        "status": ["capacity": ["pods": "110"], "allocatable": ["pods": "110"]],
    ]

    static func pod(_ name: String, namespace: String = "prod", owner: String?, labels: JSONValue = [:]) -> JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name), "namespace": .string(namespace), "labels": labels]
        if let owner { metadata["ownerReferences"] = [["apiVersion": "apps/v1", "kind": .string(owner), "name": "owner", "uid": "u"]] }
        return [
            "apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata),
            "spec": ["nodeName": "node-1", "containers": [["name": "app", "image": "app:1"]]], "status": ["phase": "Running"],
        ]
    }

    /// The engine with no playbooks (manual triggers need none) reading the cluster through `client`.
    static func engine(_ client: KubernetesClient) throws -> PlaybookEngine {
        try PlaybookHarness.engine("active_playbooks: []", kubernetes: client)
    }

    static func trigger(_ engine: PlaybookEngine, _ action: String, _ parameters: JSONValue) async -> ManualTriggerResponse {
        await engine.trigger(ManualTriggerRequest(actionName: action, actionParameters: parameters, syncResponse: true, noSinks: true))
    }

    static func client(_ server: FakeKubernetesServer) throws -> KubernetesClient {
        try KubernetesClient(configuration: KubernetesConfiguration(server: server.url.absoluteString, credentials: .token("t0ken")))
    }

    static let options = FakeKubernetesServer.Options(tokens: ["t0ken": "system:serviceaccount:triggerfish:runner"])

    @Test("logs_enricher and pod_events_enricher read the pod, its log and its events")
    func podEnrichers() async throws {
        let cluster = FakeKubernetesCluster()
        try cluster.add(Self.crashingPod)
        try cluster.add([
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "web-1.1", "namespace": "prod"],
            "regarding": ["kind": "Pod", "name": "web-1", "namespace": "prod"], "reason": "BackOff", "type": "Warning",
            "note": "Back-off restarting failed container web", "deprecatedLastTimestamp": "2024-01-01T09:59:00Z",
        ])
        try cluster.add([
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "web-2.1", "namespace": "prod"],
            "regarding": ["kind": "Pod", "name": "web-2", "namespace": "prod"], "reason": "Pulled", "type": "Normal",
            "note": "not about web-1", "deprecatedLastTimestamp": "2024-01-01T09:59:30Z",
        ])
        cluster.setLog("starting\npanic: no config\n", namespace: "prod", pod: "web-1", container: "web")
        try await FakeKubernetesServer.withServer(cluster: cluster, options: Self.options) { server in
            try await using(try Self.client(server)) { client in
                let engine = try Self.engine(client)
                let logs = await Self.trigger(engine, "logs_enricher", ["name": "web-1", "namespace": "prod"])
                #expect(logs.success, "\(logs.message ?? "")")
                #expect(
                    logs.findings?.first?.finding.enrichments == [
                        Enrichment(
                            title: "Container Crash information",
                            blocks: [
                                .table(
                                    headers: ["label", "value"],
                                    rows: [
                                        ["Container", "web"], ["Restarts", "3"], ["Status", "WAITING"], ["Reason", "CrashLoopBackOff"],
                                    ],
                                    name: "*Crash Info*"),
                                .table(
                                    headers: ["label", "value"],
                                    rows: [
                                        ["Status", "TERMINATED"], ["Reason", "Error"], ["Started at", "2024-01-01T09:57:00Z"],
                                        ["Finished at", "2024-01-01T09:58:00Z"],
                                    ], name: "*Previous Container*"),
                            ], type: "crash_info"),
                        Enrichment(
                            title: "Logs", blocks: [.file(name: "web-1.log", contents: "starting\npanic: no config\n")], type: "text_file"),
                    ])
                let events = await Self.trigger(engine, "pod_events_enricher", ["name": "web-1", "namespace": "prod"])
                #expect(events.success, "\(events.message ?? "")")
                #expect(
                    events.findings?.first?.finding.enrichments == [
                        Enrichment(
                            title: "Pod Events",
                            blocks: [
                                .table(
                                    headers: ["reason", "type", "time", "message"],
                                    rows: [
                                        ["BackOff", "Warning", "Jan 01, 2024, 09:59:00 AM", "Back-off restarting failed container web"]
                                    ],
                                    name: "Pod Events")
                            ], type: "k8s_events")
                    ])
            }
        }
        #expect(
            cluster.requests.map(\.description) == [
                "GET /api/v1/namespaces/prod/pods/web-1",
                "GET /api/v1/namespaces/prod/pods/web-1/log?container=web",
                "GET /api/v1/namespaces/prod/pods/web-1",
                "GET /apis/events.k8s.io/v1/namespaces/prod/events?fieldSelector=regarding.kind%3DPod%2Cregarding.name%3Dweb-1%2Cregarding.namespace%3Dprod&limit=500",
            ])
        #expect(cluster.requests.allSatisfy { $0.headers["authorization"] == "Bearer t0ken" })
    }

    @Test("drain over TLS with a client certificate: cordons, evicts what it may, a PodDisruptionBudget refuses one, DaemonSet pods stay")
    func drain() async throws {
        let folder = try temporaryDirectory()
        let certificates = try FakeKubernetesCertificates.make(in: URL(fileURLWithPath: folder + "/pki"))
        let cluster = FakeKubernetesCluster()
        try cluster.add(Self.node)
        try cluster.add(Self.pod("web-1", owner: "ReplicaSet"))
        try cluster.add(Self.pod("db-0", owner: "StatefulSet", labels: ["app": "db"]))
        try cluster.add(Self.pod("node-exporter-x", namespace: "monitoring", owner: "DaemonSet"))
        try cluster.add(Self.pod("debug", owner: nil))
        try cluster.add([
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "db", "namespace": "prod"],
            "spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": "db"]]],
        ])
        try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tls: certificates.tls())) { server in
            try write(server.kubeconfig(certificates: certificates), to: folder + "/config")
            let configuration = try KubernetesConfiguration.load(kubeconfig: folder + "/config", environment: [:])
            try await using(try KubernetesClient(configuration: configuration)) { client in
                let engine = try Self.engine(client)
                let drained = await Self.trigger(engine, "drain", ["name": "node-1"])
                #expect(drained.success, "\(drained.message ?? "")")
                #expect(
                    drained.findings?.first?.finding.enrichments == [
                        Enrichment(blocks: [.markdown("Node node-1 cordoned")]),
                        Enrichment(blocks: [
                            .markdown("Drain node node-1 \nEvicting 1 pod(s), deleting 1 pod(s), skipping 1 pod(s) and 1 Error(s)."),
                            // In the order the API server lists the pods: by namespace, then name.
                            .file(
                                name: "Drain node-1 report.log",
                                contents: """
                                    drain node node-1 \n
                                    Skipping monitoring/DaemonSet/node-exporter-x
                                    Error evicting prod/Pod/db-0 the Kubernetes API refused to create pods/eviction "db-0" in namespace "prod" (429 TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget.
                                    Deleting prod/Pod/debug
                                    Evicting prod/Pod/web-1

                                    """),
                        ]),
                    ])
            }
        }
        #expect(
            cluster.requests.map(\.description) == [
                "GET /api/v1/nodes/node-1",
                "PATCH /api/v1/nodes/node-1",
                "GET /api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1&limit=500",
                "POST /api/v1/namespaces/prod/pods/db-0/eviction",
                "POST /api/v1/namespaces/prod/pods/debug/eviction",
                "POST /api/v1/namespaces/prod/pods/web-1/eviction",
            ])
        #expect(cluster.requests[1].contentType == "application/strategic-merge-patch+json")
        #expect(cluster.requests[1].json == ["spec": ["unschedulable": true]])
        #expect(cluster.object(.node, namespace: nil, name: "node-1")?["spec"]?["unschedulable"] == true)
        #expect(cluster.objects(.pod).compactMap { $0["metadata"]?["name"]?.stringValue }.sorted() == ["db-0", "node-exporter-x"])
    }

    @Test("rollout_restart, delete_pod, delete_job, cordon: the writes; a refusal and a missing object as the API server words them")
    func remediations() async throws {
        let cluster = FakeKubernetesCluster()
        try cluster.add(Self.node)
        try cluster.add(Self.pod("web-1", owner: "ReplicaSet"))
        try cluster.add([
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "prod"],
            "spec": ["replicas": 2, "selector": ["matchLabels": ["app": "web"]], "template": ["metadata": ["labels": ["app": "web"]]]],
        ])
        try cluster.add([
            "apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "backup", "namespace": "ops"],
            "spec": ["template": ["spec": ["containers": [["name": "backup", "image": "backup:3"]]]]],
        ])
        cluster.forbid("patch", .node)
        try await FakeKubernetesServer.withServer(cluster: cluster, options: Self.options) { server in
            try await using(try Self.client(server)) { client in
                let engine = try Self.engine(client)
                let restarted = await Self.trigger(engine, "rollout_restart", ["name": "web", "namespace": "prod", "kind": "Deployment"])
                #expect(restarted.success, "\(restarted.message ?? "")")
                #expect(
                    restarted.findings?.first?.finding.enrichments == [Enrichment(blocks: [.markdown("Deployment/prod/web restarted")])])

                let deleted = await Self.trigger(engine, "delete_pod", ["name": "web-1", "namespace": "prod"])
                #expect(deleted.success, "\(deleted.message ?? "")")

                let job = await Self.trigger(engine, "delete_job", ["name": "backup", "namespace": "ops"])
                #expect(job.findings?.first?.finding.enrichments == [Enrichment(blocks: [.markdown("Job *ops/backup* deleted")])])

                let cordon = await Self.trigger(engine, "cordon", ["name": "node-1"])
                #expect(cordon.success == false)
                #expect(cordon.errorCode == 4700)
                #expect(
                    cordon.message
                        == "action 'cordon': Failed to cordon node node-1 the Kubernetes API refused to patch nodes \"node-1\" (403 Forbidden): nodes \"node-1\" is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot patch resource \"nodes\" in API group \"\" at the cluster scope"
                )

                let missing = await Self.trigger(engine, "delete_pod", ["name": "web-9", "namespace": "prod"])
                #expect(missing.errorCode == 4606)
                #expect(
                    missing.message == "Pod prod/web-9 was not found in the cluster, so the PodEvent of action 'delete_pod' cannot be built"
                )
            }
        }
        let writes = cluster.requests.filter { $0.method != "GET" }
        #expect(
            writes.map(\.description) == [
                "PATCH /apis/apps/v1/namespaces/prod/deployments/web", "DELETE /api/v1/namespaces/prod/pods/web-1",
                "DELETE /apis/batch/v1/namespaces/ops/jobs/backup", "PATCH /api/v1/nodes/node-1",
            ])
        // Robusta deletes a Job with no propagationPolicy: the server's default for Jobs applies.
        #expect(writes[2].body.isEmpty)
        #expect(
            writes[0].json == [
                "spec": ["template": ["metadata": ["annotations": ["robusta.kubernetes.io/restartedAt": "2027-01-15T08:00:00+00:00"]]]]
            ])
        #expect(cluster.object(.pod, namespace: "prod", name: "web-1") == nil)
        #expect(cluster.object(.node, namespace: nil, name: "node-1")?["spec"]?["unschedulable"] == nil)
    }
}
