import Foundation
import Testing

@testable import Triggerfish

@Suite struct PodIssueInvestigatorTests {
    static let pullEvent = K.event(
        "x", kind: "Pod", name: "api-7", namespace: "prod", reason: "Failed",
        note:
            "Failed to pull image \"registry.example.com/api:9.9\": rpc error: code = Unknown desc = Error response from daemon: manifest for registry.example.com/api:9.9 not found: manifest unknown: manifest unknown",
        time: "2024-01-01T09:59:00Z", component: "kubelet")

    @Test func deploymentWithAPodThatCannotPullItsImage() async throws {
        let api = FakeKubernetesAPI([K.imagePullPod(), Self.pullEvent])
        let deployment = K.deployment(
            selector: ["matchLabels": ["app": "api"]], status: ["availableReplicas": 1, "unavailableReplicas": 2])
        let context = try await K.run(
            "pod_issue_investigator", DeploymentEventInstance(resource: deployment, deployment: deployment), api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Robusta notification")
        #expect(
            finding.description
                == "1 pod(s) are available. 2 pod(s) are not ready due to ImagePullBackoff\n\nImagePullBackOff: Back-off pulling image \"registry.example.com/api:9.9\""
        )
        #expect(
            finding.enrichments == [
                Enrichment(
                    title: "Container ImagePullBackoff Information",
                    blocks: [
                        .table(
                            headers: ["label", "value"],
                            rows: [
                                ["Container", "api"], ["Image", "registry.example.com/api:9.9"], ["Reason", "Image not found"],
                                ["Fix", "Make sure the image repository, image name and image tag are correct."],
                            ])
                    ], type: "image_pull_backoff_info")
            ])
        #expect(
            api.requests == ["list pods prod labelSelector=app=api", "list events.events.k8s.io prod fieldSelector=regarding.name=api-7"])
    }

    @Test func pendingPodAndUnsupportedKinds() async throws {
        let pending = KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "gpu-job", "namespace": "ml"],
            "spec": ["containers": [["name": "train", "resources": ["requests": ["cpu": "2", "memory": "1Gi", "nvidia.com/gpu": "1"]]]]],
            "status": [
                "phase": "Pending",
                "conditions": [
                    [
                        "type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                        "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
                    ]
                ],
            ],
        ])
        let api = FakeKubernetesAPI([
            K.event(
                "s", kind: "Pod", name: "gpu-job", namespace: "ml", reason: "FailedScheduling",
                note: "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available",
                time: "2024-01-01T09:59:00Z")
        ])
        let context = try await K.run("pod_issue_investigator", PodEventInstance(resource: pending, pod: pending), api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.description == "\n\nPod is not ready due to scheduling issue")
        #expect(
            finding.enrichments == [
                Enrichment(
                    title: "Unscheduled Pod Information",
                    blocks: [
                        .table(
                            headers: ["label", "value"],
                            rows: [["Pod", "gpu-job"], ["Reason", "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."]]),
                        .markdown("*Pod requires:* 1.0 nvidia.com/gpu"),
                    ], type: "pending_pod_info")
            ])

        let service = KubernetesObject(json: ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "prod"]])
        #expect(
            await K.error("pod_issue_investigator", KubernetesResourceEventInstance(resource: service), api: api)
                == "action 'pod_issue_investigator': Pod investigator is not supported for resource Service")
    }

    @Test func aRecentCrashIsReadOnTheEnginesClock() async throws {
        // The previous run ended in Error at 09:58 and the container is running again (no crash loop).
        var json = K.crashingPod().json
        if case .object(var root) = json, case .object(var status) = root["status"],
            case .array(var statuses) = status["containerStatuses"],
            case .object(var web) = statuses[0]
        {
            web["state"] = ["running": ["startedAt": "2024-01-01T09:58:30Z"]]
            web["restartCount"] = 1
            statuses[0] = .object(web)
            status["containerStatuses"] = .array(statuses)
            root["status"] = .object(status)
            json = .object(root)
        }
        let pod = KubernetesObject(json: json)
        let event = PodEventInstance(resource: pod, pod: pod)
        let existing = Finding(title: "Crash", description: "It crashed.", aggregationKey: "Crash")

        // 10:00: less than 15 minutes after the crash. No crashed container is waiting, so there is
        // no crash enrichment, and the description goes to the finding that exists.
        let recent = ActionContext(kubernetes: FakeKubernetesAPI(), now: { Date(timeIntervalSince1970: 1_704_103_200) })
        recent.addFinding(existing)
        try await K.actions["pod_issue_investigator"]!.run(event, parameters: nil, context: recent)
        #expect(recent.findings.first?.description == "It crashed.\n\n\n\nPod is not ready due to CrashLoopBackoff")
        #expect(recent.findings.first?.enrichments == [])

        // 10:20: the crash is 22 minutes old: no issue.
        let late = ActionContext(kubernetes: FakeKubernetesAPI(), now: { Date(timeIntervalSince1970: 1_704_104_400) })
        late.addFinding(existing)
        try await K.actions["pod_issue_investigator"]!.run(event, parameters: nil, context: late)
        #expect(late.findings.first?.description == "It crashed.")
        #expect(late.logs == ["pod_issue_investigator: no pod of Pod web-1 has an issue"])
    }
}
