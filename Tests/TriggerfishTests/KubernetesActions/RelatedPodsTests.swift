import Foundation
import Testing

@testable import Triggerfish

/// related_pods as robusta-actions.md C6 records it.
@Suite struct RelatedPodsTests {
    /// A pod of the `web` Deployment: `web` (limits 1 core, 128Mi; requests 250m, 64Mi; restarted
    /// twice, running, its previous run ended in Error) and `sidecar` (requests 100m, 32Mi; waiting).
    static func pod(_ name: String = "web-1", namespace: String = "prod", node: String = "node-1", app: String = "web")
        -> KubernetesObject
    {
        KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "labels": ["app": .string(app)],
                "creationTimestamp": "2024-01-01T09:00:00Z",
            ],
            "spec": [
                "nodeName": .string(node),
                "containers": [
                    [
                        "name": "web", "image": "web:1", "ports": [["containerPort": 8080, "name": "http", "protocol": "TCP"]],
                        "resources": ["limits": ["cpu": "1", "memory": "128Mi"], "requests": ["cpu": "250m", "memory": "64Mi"]],
                    ],
                    ["name": "sidecar", "image": "envoy:1.29", "resources": ["requests": ["cpu": "100m", "memory": "32Mi"]]],
                ],
            ],
            "status": [
                "phase": "Running", "podIPs": [["ip": "10.0.0.5"], ["ip": "fd00::5"]],
                "containerStatuses": [
                    [
                        "name": "web", "restartCount": 2, "state": ["running": ["startedAt": "2024-01-01T09:01:00Z"]],
                        "lastState": [
                            "terminated": [
                                "reason": "Error", "exitCode": 1, "startedAt": "2024-01-01T09:00:10Z", "finishedAt": "2024-01-01T09:00:50Z",
                            ]
                        ],
                    ],
                    ["name": "sidecar", "restartCount": 0, "state": ["waiting": ["reason": "ContainerCreating"]]],
                ],
            ],
        ])
    }

    /// A pending pod with nothing but a name, a label and a phase.
    static func pendingPod() -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "web-2", "namespace": "prod", "labels": ["app": "web"]],
            "spec": ["containers": [["name": "web", "image": "web:1"]]],
            "status": ["phase": "Pending", "reason": "Unschedulable"],
        ])
    }

    static let headers = [
        "name", "namespace", "cluster", "node", "cpu limit", "cpu request", "memory limit", "memory request", "creation_time", "restarts",
        "addresses", "containers", "status", "status reason",
    ]

    static let webRow = [
        "web-1", "prod", "c1", "node-1", "1.0", "0.35", "128", "96", "2024-01-01 09:00:00+00:00", "2", "10.0.0.5,fd00::5", "2", "Running",
        "None",
    ]

    static func api() -> FakeKubernetesAPI {
        FakeKubernetesAPI([pod(), pendingPod(), pod("db-1", app: "db"), pod("web-1", namespace: "staging"), pod("web-9", node: "node-2")])
    }

    static func deploymentEvent() -> DeploymentEventInstance {
        DeploymentEventInstance(resource: K.deployment(), deployment: K.deployment())
    }

    /// The finding the table lands on: the default one of a resource event.
    static func finding(_ blocks: [Block]) -> Finding {
        Finding(title: "Robusta notification", aggregationKey: "GenericFindingKey", enrichments: [Enrichment(blocks: blocks)])
    }

    @Test func aDeploymentsPodsAsATable() async throws {
        let api = Self.api()
        let context = try await K.run("related_pods", Self.deploymentEvent(), parameters: ["cluster_name": "c1"], api: api)
        #expect(
            context.findings == [
                Self.finding([
                    .table(
                        headers: Self.headers,
                        rows: [
                            Self.webRow,
                            ["web-2", "prod", "c1", "None", "0.0", "0.0", "0", "0", "None", "0", "", "1", "Pending", "Unschedulable"],
                            [
                                "web-9", "prod", "c1", "node-2", "1.0", "0.35", "128", "96", "2024-01-01 09:00:00+00:00", "2",
                                "10.0.0.5,fd00::5",
                                "2", "Running", "None",
                            ],
                        ], name: "related pods")
                ])
            ])
        #expect(api.requests == ["list pods prod labelSelector=app=web"])
    }

    /// `limit` keeps the first pods the API answers; without a cluster name the column is None.
    @Test func limitAndNoClusterName() async throws {
        let api = Self.api()
        let context = try await K.run("related_pods", Self.deploymentEvent(), parameters: ["limit": 1], api: api)
        var row = Self.webRow
        row[2] = "None"
        #expect(context.findings == [Self.finding([.table(headers: Self.headers, rows: [row], name: "related pods")])])
        let unlimited = try await K.run("related_pods", Self.deploymentEvent(), parameters: ["limit": 0], api: api)
        guard case .table(_, let rows, _)? = unlimited.findings.first?.enrichments.first?.blocks.first else {
            Issue.record("no table")
            return
        }
        #expect(rows.map(\.first) == ["web-1", "web-2", "web-9"])
    }

    @Test func theNodesPodsThePodItselfAndAJobsPods() async throws {
        let api = Self.api()
        let node = K.node("node-2")
        let onNode = try await K.run(
            "related_pods", NodeEventInstance(resource: node, node: node), parameters: ["cluster_name": "c1"], api: api)
        guard case .table(_, let nodeRows, _)? = onNode.findings.first?.enrichments.first?.blocks.first else {
            Issue.record("no table")
            return
        }
        #expect(nodeRows.map(\.first) == ["web-9"])
        let itself = try await K.run(
            "related_pods", PodEventInstance(resource: Self.pod(), pod: Self.pod()), parameters: ["cluster_name": "c1", "limit": 0],
            api: api)
        #expect(itself.findings == [Self.finding([.table(headers: Self.headers, rows: [Self.webRow], name: "related pods")])])
        let jobs = FakeKubernetesAPI([K.jobPod("backup-1", startTime: "2024-01-01T09:00:00Z"), Self.pod()])
        let job = try await K.run("related_pods", JobEventInstance(resource: K.job(), job: K.job()), api: jobs)
        guard case .table(_, let jobRows, _)? = job.findings.first?.enrichments.first?.blocks.first else {
            Issue.record("no table")
            return
        }
        #expect(jobRows.map(\.first) == ["backup-1"])
        #expect(
            api.requests == ["list pods all-namespaces fieldSelector=spec.nodeName=node-2", "get pods prod/web-1"])
        #expect(jobs.requests == ["list pods ops labelSelector=controller-uid=uid-42"])
    }

    @Test func aPodAsJSON() async throws {
        let api = Self.api()
        let event = PodEventInstance(resource: Self.pod(), pod: Self.pod())
        let context = try await K.run("related_pods", event, parameters: ["output_format": "json", "cluster_name": "c1"], api: api)
        let web: JSONValue = [
            "name": "web", "cpuLimit": 1.0, "cpuRequest": 0.25, "memoryLimit": 128, "memoryRequest": 64, "restarts": 2, "status": "running",
            "created": "2024-01-01 09:01:00+00:00",
            "ports": [["container_port": 8080, "host_ip": nil, "host_port": nil, "name": "http", "protocol": "TCP"]],
            "statusMessage": nil, "statusReason": nil, "terminatedReason": "Error", "terminatedExitCode": 1,
            "terminatedStarted": "2024-01-01 09:00:10+00:00", "terminatedFinished": "2024-01-01 09:00:50+00:00",
        ]
        let sidecar: JSONValue = [
            "name": "sidecar", "cpuLimit": 0.0, "cpuRequest": 0.1, "memoryLimit": 0, "memoryRequest": 32, "restarts": 0,
            "status": "waiting",
            "created": nil, "ports": [], "statusMessage": nil, "statusReason": "ContainerCreating", "terminatedReason": nil,
            "terminatedExitCode": nil, "terminatedStarted": nil, "terminatedFinished": nil,
        ]
        let related: JSONValue = [
            "name": "web-1", "namespace": "prod", "node": "node-1", "clusterName": "c1", "cpuLimit": 1.0, "cpuRequest": 0.35,
            "memoryLimit": 128, "memoryRequest": 96, "creationTime": "2024-01-01 09:00:00+00:00", "restarts": 2,
            "addresses": "10.0.0.5,fd00::5", "containers": [web, sidecar], "status": "Running", "statusReason": nil, "raw_data": nil,
        ]
        #expect(context.findings == [Self.finding([.json([related])])])
        let raw = try await K.run("related_pods", event, parameters: ["output_format": "json", "include_raw_data": true], api: api)
        guard case .json(.array(let pods))? = raw.findings.first?.enrichments.first?.blocks.first else {
            Issue.record("no JSON")
            return
        }
        #expect(pods.map { $0["raw_data"] } == [Self.pod().json])
        #expect(pods.map { $0["clusterName"] } == [.null])
    }

    /// In a config, the cluster's name comes from global_config, as Robusta's Helm chart puts it
    /// there; the table lands on the change's default finding.
    @Test func theClusterNameComesFromGlobalConfig() async throws {
        let engine = try EngineHarness.engine(
            """
            global_config: {cluster_name: c1}
            active_playbooks:
              - triggers: [{on_deployment_update: {}}]
                actions: [{related_pods: {limit: 1}}]
            """, kubernetes: Self.api())
        let report = await engine.handle(.updating(K.deployment(), to: K.deployment()))
        #expect(report.failedActions.isEmpty)
        #expect(
            report.findings.map(\.finding) == [
                Finding(
                    title: "Update to deployment web", aggregationKey: "GenericChange",
                    enrichments: [Enrichment(blocks: [.table(headers: Self.headers, rows: [Self.webRow], name: "related pods")])])
            ])
    }

    @Test func refusalsMissingObjectsAndOtherKinds() async throws {
        let service = KubernetesObject(json: ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "prod"]])
        #expect(
            await K.error("related_pods", KubernetesResourceEventInstance(resource: service), api: FakeKubernetesAPI())
                == "action 'related_pods': Related pods is not supported for resource Service")
        #expect(
            await K.error("related_pods", KubernetesResourceEventInstance(resource: nil), api: FakeKubernetesAPI())
                == "action 'related_pods': the event has no resource")
        #expect(
            await K.error("related_pods", PodEventInstance(resource: Self.pod("gone"), pod: Self.pod("gone")), api: FakeKubernetesAPI())
                == #"action 'related_pods': the Kubernetes API refused to get pods "gone" in namespace "prod" (404 NotFound): pods "gone" not found"#
        )
        let bare = KubernetesObject(json: ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "once", "namespace": "ops"]])
        #expect(
            await K.error("related_pods", JobEventInstance(resource: bare, job: bare), api: FakeKubernetesAPI())
                == "action 'related_pods': Job ops/once has no pod selector (no controller-uid label, spec.selector or job-name label)")
        let refused = Self.api()
        refused.refuse("list", "pods")
        #expect(
            await K.error("related_pods", Self.deploymentEvent(), api: refused)
                == K.forbidden("related_pods", "list", "pods", namespace: "prod"))
        #expect(
            await K.error("related_pods", Self.deploymentEvent(), api: nil)
                == "action 'related_pods': needs the Kubernetes API, and this runner was started without it (serve --kubernetes auto, in-cluster or kubeconfig)"
        )
    }
}
