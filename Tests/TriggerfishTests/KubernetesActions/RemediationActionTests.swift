import Foundation
import Testing

@testable import Triggerfish

@Suite struct RemediationActionTests {
    func nodeEvent(_ node: KubernetesObject?) -> NodeEventInstance { NodeEventInstance(resource: node, node: node) }

    // MARK: cordon, uncordon

    @Test func cordonPatchesANodeOnce() async throws {
        let api = FakeKubernetesAPI([K.node()])
        let context = try await K.run("cordon", nodeEvent(K.node()), api: api)
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("Node node-1 cordoned")])])
        #expect(api.requests == ["patch nodes node-1 application/strategic-merge-patch+json {spec: {unschedulable: true}}"])

        let again = FakeKubernetesAPI([K.node(unschedulable: true)])
        let already = try await K.run("cordon", nodeEvent(K.node(unschedulable: true)), api: again)
        #expect(already.findings.first?.enrichments == [Enrichment(blocks: [.markdown("Node node-1 already cordoned")])])
        #expect(again.requests.isEmpty)
    }

    @Test func cordonErrors() async throws {
        #expect(await K.error("cordon", nodeEvent(nil), api: FakeKubernetesAPI()) == "action 'cordon': Failed to get node for cordon")
        let api = FakeKubernetesAPI([K.node()])
        api.refuse("patch", "nodes")
        #expect(
            await K.error("cordon", nodeEvent(K.node()), api: api)
                == "action 'cordon': Failed to cordon node node-1 the Kubernetes API refused to patch nodes \"node-1\" (403 Forbidden): nodes is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot patch resource \"nodes\""
        )
    }

    @Test func uncordonPatchesUnlessExplicitlySchedulable() async throws {
        let api = FakeKubernetesAPI([K.node(unschedulable: true)])
        let context = try await K.run("uncordon", nodeEvent(K.node(unschedulable: true)), api: api)
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("Node node-1 uncordoned")])])
        #expect(api.requests == ["patch nodes node-1 application/strategic-merge-patch+json {spec: {unschedulable: false}}"])

        // A node never cordoned has no spec.unschedulable: Robusta patches it anyway.
        let never = FakeKubernetesAPI([K.node()])
        _ = try await K.run("uncordon", nodeEvent(K.node()), api: never)
        #expect(never.requests.count == 1)

        let explicit = FakeKubernetesAPI([K.node(unschedulable: false)])
        let already = try await K.run("uncordon", nodeEvent(K.node(unschedulable: false)), api: explicit)
        #expect(already.findings.first?.enrichments == [Enrichment(blocks: [.markdown("Node node-1 already uncordoned")])])
        #expect(explicit.requests.isEmpty)
        #expect(await K.error("uncordon", nodeEvent(nil), api: explicit) == "action 'uncordon': Failed to get node for uncordon")
        explicit.refuse("patch", "nodes", code: 404, reason: "NotFound", message: "nodes \"node-1\" not found")
        #expect(
            await K.error("uncordon", nodeEvent(K.node()), api: explicit)
                == "action 'uncordon': Failed to uncordoned node node-1 the Kubernetes API refused to patch nodes \"node-1\" (404 NotFound): nodes \"node-1\" not found"
        )
    }

    // MARK: drain

    static func pod(_ name: String, namespace: String = "prod", owner: String?) -> KubernetesObject {
        var metadata: [String: JSONValue] = ["name": .string(name), "namespace": .string(namespace)]
        if let owner { metadata["ownerReferences"] = [["apiVersion": "apps/v1", "kind": .string(owner), "name": "owner", "uid": "u"]] }
        return KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod", "metadata": .object(metadata), "spec": ["nodeName": "node-1"],
            "status": ["phase": "Running"],
        ])
    }

    @Test func drainCordonsThenEvictsRespectingDisruptionBudgets() async throws {
        let api = FakeKubernetesAPI([
            K.node(), Self.pod("web-1", owner: "ReplicaSet"), Self.pod("db-0", owner: "StatefulSet"),
            Self.pod("node-exporter-x", namespace: "monitoring", owner: "DaemonSet"), Self.pod("debug", owner: nil),
        ])
        api.refuseEviction(
            namespace: "prod", pod: "db-0",
            error: KubernetesAPIError(
                code: 429, reason: "TooManyRequests", message: "Cannot evict pod as it would violate the pod's disruption budget.",
                verb: "create", resource: "pods/eviction", namespace: "prod", name: "db-0"))
        let context = try await K.run("drain", nodeEvent(K.node()), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [.markdown("Node node-1 cordoned")]),
                Enrichment(blocks: [
                    .markdown("Drain node node-1 \nEvicting 1 pod(s), deleting 1 pod(s), skipping 1 pod(s) and 1 Error(s)."),
                    .file(
                        name: "Drain node-1 report.log",
                        contents: """
                            drain node node-1 \n
                            Evicting prod/Pod/web-1
                            Error evicting prod/Pod/db-0 the Kubernetes API refused to create pods/eviction "db-0" in namespace "prod" (429 TooManyRequests): Cannot evict pod as it would violate the pod's disruption budget.
                            Skipping monitoring/DaemonSet/node-exporter-x
                            Deleting prod/Pod/debug

                            """),
                ]),
            ])
        #expect(
            api.requests == [
                "patch nodes node-1 application/strategic-merge-patch+json {spec: {unschedulable: true}}",
                "list pods all-namespaces fieldSelector=spec.nodeName=node-1",
                "create pods/eviction prod/web-1",
                "create pods/eviction prod/db-0",
                "create pods/eviction prod/debug",
            ])
    }

    @Test func drainUncordonsWhenThePodsCannotBeListed() async throws {
        let api = FakeKubernetesAPI([K.node()])
        api.refuse("list", "pods")
        let context = ActionContext(kubernetes: api)
        do {
            try await K.actions["drain"]!.run(nodeEvent(K.node()), parameters: nil, context: context)
            Issue.record("drain succeeded")
        } catch {
            #expect(
                "\(error)"
                    == "action 'drain': Failed to list pods for drain action Uncordoning.\nthe Kubernetes API refused to list pods (403 Forbidden): pods is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot list resource \"pods\""
            )
        }
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [.markdown("Node node-1 cordoned")]), Enrichment(blocks: [.markdown("Node node-1 uncordoned")]),
            ])
    }

    // MARK: rollout_restart

    @Test func rolloutRestartPatchesTheTemplateWithTheEnginesTime() async throws {
        let api = FakeKubernetesAPI([K.deployment()])
        let event = DeploymentEventInstance(resource: K.deployment(), deployment: K.deployment())
        let context = try await K.run("rollout_restart", event, api: api, now: Date(timeIntervalSince1970: 1_704_103_200.25))
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("Deployment/prod/web restarted")])])
        #expect(
            api.requests == [
                "patch deployments.apps prod/web application/strategic-merge-patch+json {spec: {template: {metadata: {annotations: {robusta.kubernetes.io/restartedAt: \"2024-01-01T10:00:00.250000+00:00\"}}}}}"
            ])
    }

    @Test func rolloutRestartRefusesPausedAndUnsupportedResources() async throws {
        let paused = KubernetesObject(json: [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "prod"], "spec": ["paused": true],
        ])
        let api = FakeKubernetesAPI()
        let context = try await K.run("rollout_restart", KubernetesResourceEventInstance(resource: paused), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [.markdown("can't restart paused deployment/prod/web (run rollout resume first).")])
            ])
        #expect(api.requests.isEmpty)
        let service = KubernetesObject(json: ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "svc", "namespace": "default"]])
        #expect(
            await K.error("rollout_restart", KubernetesResourceEventInstance(resource: service), api: api)
                == "action 'rollout_restart': Failed to rollout restart Service/default/svc\n Rollout restart is not supported for resource Service"
        )
        #expect(
            await K.error("rollout_restart", KubernetesResourceEventInstance(resource: nil), api: api)
                == "action 'rollout_restart': Couldn't found resource")
        let refused = FakeKubernetesAPI([K.deployment()])
        refused.refuse("patch", "deployments.apps")
        #expect(
            await K.error("rollout_restart", KubernetesResourceEventInstance(resource: K.deployment()), api: refused)
                == "action 'rollout_restart': Failed to rollout restart Deployment/prod/web\n the Kubernetes API refused to patch deployments.apps \"web\" in namespace \"prod\" (403 Forbidden): deployments.apps is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot patch resource \"deployments.apps\""
        )
    }

    // MARK: get_resource_yaml

    @Test func getResourceYamlAttachesTheObject() async throws {
        let configMap = KubernetesObject(json: [
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "prod", "labels": ["app": "web"]],
            "data": ["mode": "fast", "port": "8080", "script": "echo hi\nexit 0", "empty": ""],
        ])
        let context = try await K.run("get_resource_yaml", KubernetesResourceEventInstance(resource: configMap), api: nil)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .markdown("Your YAML file for ConfigMap prod/settings"),
                    .file(
                        name: "settings.yaml",
                        contents: """
                            ---
                            apiVersion: v1
                            kind: ConfigMap
                            metadata:
                              labels:
                                app: web
                              name: settings
                              namespace: prod
                            data:
                              empty: ""
                              mode: fast
                              port: "8080"
                              script: "echo hi\\nexit 0"

                            """),
                ])
            ])
        #expect(
            await K.error("get_resource_yaml", KubernetesResourceEventInstance(resource: nil), api: nil)
                == "action 'get_resource_yaml': Resource not found for get resource yaml.")
    }

    // MARK: node_running_pods_enricher, node_pods_capacity_enricher

    @Test func nodePodTables() async throws {
        var noRequests = Self.pod("debug", owner: nil).json
        if case .object(var root) = noRequests {
            root["spec"] = ["nodeName": "node-1", "containers": [["name": "sh", "resources": ["requests": ["cpu": "10m"]]]]]
            noRequests = .object(root)
        }
        let api = FakeKubernetesAPI([K.crashingPod(), KubernetesObject(json: noRequests)])
        let running = try await K.run("node_running_pods_enricher", nodeEvent(K.node()), api: api)
        #expect(
            running.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .table(
                        headers: ["namespace", "name", "ready"], rows: [["prod", "web-1", "False"], ["prod", "debug", "Unknown"]],
                        name: "Pods running on the node")
                ])
            ])
        let capacity = try await K.run("node_pods_capacity_enricher", nodeEvent(K.node()), api: api)
        #expect(
            capacity.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .markdown(
                        "*On the node node-1, there are currently 2 pods running and the maximum capacity for pods on this node is 110.*\n1 pods don't have memory request. "
                    )
                ])
            ])
        let refused = FakeKubernetesAPI()
        refused.refuse("list", "pods")
        let nothing = try await K.run("node_running_pods_enricher", nodeEvent(K.node()), api: refused)
        #expect(nothing.findings.isEmpty)
        #expect(
            await K.error("node_pods_capacity_enricher", nodeEvent(K.node()), api: refused)
                == K.forbidden("node_pods_capacity_enricher", "list", "pods"))
    }
}
