import Foundation
import Testing

@testable import Triggerfish

@Suite struct ClusterInfoActionTests {
    static let hpa = KubernetesObject(json: [
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "web", "namespace": "prod"],
        "spec": ["maxReplicas": 10, "minReplicas": 2], "status": ["desiredReplicas": 6, "currentReplicas": 4],
    ])

    static func alert(_ name: String, labels: [String: String] = [:], hpa: KubernetesObject? = nil) -> PrometheusKubernetesAlertInstance {
        PrometheusKubernetesAlertInstance(
            resource: hpa, horizontalPodAutoscaler: hpa,
            alert: PrometheusAlert(status: "firing", labels: ["alertname": name, "severity": "warning"].merging(labels) { $1 }))
    }

    static func metricsAPIService() -> KubernetesObject {
        KubernetesObject(json: [
            "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService", "metadata": ["name": "v1beta1.metrics.k8s.io"],
            "spec": ["service": ["name": "metrics-server", "namespace": "kube-system"], "group": "metrics.k8s.io"],
            "status": [
                "conditions": [
                    [
                        "type": "Available", "status": "False", "reason": "ServiceNotFound",
                        "message": "service/metrics-server in \"kube-system\" is not present",
                    ]
                ]
            ],
        ])
    }

    @Test func hpaMismatchWithoutMetricsServer() async throws {
        let api = FakeKubernetesAPI([
            K.event(
                "h", kind: "HorizontalPodAutoscaler", name: "web", namespace: "prod", reason: "FailedGetResourceMetric",
                note: "failed to get cpu utilization: unable to get metrics for resource cpu", time: "2024-01-01T09:55:00Z")
        ])
        let context = try await K.run(
            "hpa_mismatch_enricher", Self.alert("KubeHpaReplicasMismatch", hpa: Self.hpa), api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "KubeHpaReplicasMismatch")
        #expect(
            finding.enrichments == [
                Enrichment(blocks: [
                    .markdown(
                        "The HPA cannot function because a metrics API was not found.\n\nYou can fix this by deploying metrics-server:\n\n```kubectl apply -f https://github.com/kubernetes-sigs/metrics-server/releases/latest/download/components.yaml```"
                    )
                ]),
                Enrichment(blocks: [.markdown("*Replicas: Desired (6) --> Running (4)*")]),
                Enrichment(
                    title: "HPA Events",
                    blocks: [
                        .table(
                            headers: ["reason", "type", "time", "message"],
                            rows: [
                                [
                                    "FailedGetResourceMetric", "Warning", "Jan 01, 2024, 09:55:00 AM",
                                    "failed to get cpu utilization: unable to get metrics for resource cpu",
                                ]
                            ],
                            name: "*HPA events:*")
                    ], type: "k8s_events"),
            ])
        #expect(
            api.requests == [
                "list apiservices.apiregistration.k8s.io all-namespaces",
                "list deployments.apps all-namespaces labelSelector=k8s-app=metrics-server",
                "list events.events.k8s.io prod fieldSelector=regarding.kind=HorizontalPodAutoscaler,regarding.name=web,regarding.namespace=prod",
            ])
    }

    @Test func hpaMismatchWithMetricsServerAndNoHPA() async throws {
        let deployment = KubernetesObject(json: [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "metrics-server", "namespace": "kube-system", "labels": ["k8s-app": "metrics-server"]],
        ])
        let api = FakeKubernetesAPI([Self.metricsAPIService(), deployment])
        let context = try await K.run(
            "hpa_mismatch_enricher", Self.alert("KubeHpaReplicasMismatch", hpa: Self.hpa), api: api)
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("*Replicas: Desired (6) --> Running (4)*")])])
        let none = try await K.run("hpa_mismatch_enricher", Self.alert("KubeHpaReplicasMismatch"), api: api)
        #expect(none.findings.isEmpty)
        #expect(none.logs == ["hpa_mismatch_enricher: the event has no HorizontalPodAutoscaler"])
    }

    @Test func apiServiceWhoseServiceIsMissing() async throws {
        let api = FakeKubernetesAPI([Self.metricsAPIService()])
        let context = try await K.run(
            "api_service_status_enricher", Self.alert("KubeAggregatedAPIDown", labels: ["name": "v1beta1.metrics.k8s.io"]), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .markdown(
                        "The APIServer was extended with APIs from `kube-system/metrics-server`. However, this service doesn't exist."),
                    .markdown(
                        "To fix this alert, restore that service or remove it from the APIServer by running: ```kubectl delete apiservice v1beta1.metrics.k8s.io```"
                    ),
                ])
            ])
        #expect(
            api.requests == ["list apiservices.apiregistration.k8s.io all-namespaces fieldSelector=metadata.name=v1beta1.metrics.k8s.io"])
    }

    @Test func apiServiceWithAnotherErrorShowsItsYAML() async throws {
        let service = KubernetesObject(json: [
            "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": [
                "name": "v1beta1.custom.io", "managedFields": [["manager": "kubectl"]],
                "annotations": ["kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "platform"],
            ],
            "spec": ["service": ["name": "custom-api", "namespace": "custom"]],
            "status": ["conditions": [["type": "Available", "status": "False", "reason": "FailedDiscoveryCheck"]]],
        ])
        let api = FakeKubernetesAPI([service])
        let context = try await K.run(
            "api_service_status_enricher", Self.alert("KubeAggregatedAPIErrors", labels: ["name": "v1beta1.custom.io"]), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .markdown(
                        "The APIServer was extended with APIs from `custom-api/custom` which has an error. Below is the relevant YAML definition."
                    ),
                    .file(
                        name: "v1beta1.custom.io.yaml",
                        contents: """
                            apiVersion: apiregistration.k8s.io/v1
                            kind: APIService
                            metadata:
                              annotations:
                                team: platform
                              name: v1beta1.custom.io
                            spec:
                              service:
                                name: custom-api
                                namespace: custom
                            status:
                              conditions:
                              - reason: FailedDiscoveryCheck
                                status: "False"
                                type: Available

                            """),
                ])
            ])
        let missing = try await K.run(
            "api_service_status_enricher", Self.alert("KubeAggregatedAPIErrors", labels: ["name": "nope"]), api: api)
        #expect(missing.findings.isEmpty)
        #expect(missing.logs == ["api_service_status_enricher: 0 APIServices are named nope"])
    }

    @Test func daemonSetMisscheduledByTheAutoscaler() async throws {
        let daemonSet = KubernetesObject(json: [
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": "fluentd", "namespace": "logging", "uid": "ds-uid"],
            "spec": ["template": ["spec": ["containers": [["name": "fluentd"]]]]],
        ])
        var tainted = K.node("node-9").json
        if case .object(var root) = tainted {
            root["spec"] = ["taints": [["key": "ToBeDeletedByClusterAutoscaler", "value": "1704103000", "effect": "NoSchedule"]]]
            tainted = .object(root)
        }
        let pod = KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": "fluentd-abc", "namespace": "logging",
                "ownerReferences": [["kind": "DaemonSet", "name": "fluentd", "uid": "ds-uid"]],
            ],
            "spec": ["nodeName": "node-9"],
        ])
        let api = FakeKubernetesAPI([K.node(), KubernetesObject(json: tainted), pod])
        let context = try await K.run(
            "daemonset_misscheduled_analysis_enricher", DaemonSetEventInstance(resource: daemonSet, daemonSet: daemonSet), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .markdown(
                        "*Alert Cause*\n This specific firing of the alert is a *known false alarm* which occurs when the cluster autoscaler removes nodes running daemonsets which didn't explicitly request to remain running during node-shutdown."
                    ),
                    .markdown(
                        "(<https://blog.florentdelannoy.com/blog/2020/kube-daemonset-misscheduled/|Learn more>).\n\n*Remediation*\nWould you like to:\n\n1. Fix the daemonset configuration to avoid the false alarm\n2. Use Robusta to silence the false alarm while passing through real alerts.\n\nChoose an option below to learn more."
                    ),
                ])
            ])
        #expect(api.requests == ["list nodes all-namespaces", "list pods logging"])
        let healthy = FakeKubernetesAPI([K.node(), pod])
        let nothing = try await K.run(
            "daemonset_misscheduled_analysis_enricher", DaemonSetEventInstance(resource: daemonSet, daemonSet: daemonSet), api: healthy)
        #expect(nothing.findings.isEmpty)
        #expect(nothing.logs == ["daemonset_misscheduled_analysis_enricher: pod fluentd-abc runs on unknown node node-9"])
    }
}
