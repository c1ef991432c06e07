import Foundation
import Testing

@testable import Triggerfish

@Suite struct EventActionTests {
    static let headers = ["reason", "type", "time", "message"]

    func deploymentEvent(_ deployment: KubernetesObject?) -> DeploymentEventInstance {
        DeploymentEventInstance(resource: deployment, deployment: deployment)
    }

    func jobEvent(_ job: KubernetesObject?) -> JobEventInstance { JobEventInstance(resource: job, job: job) }

    static func deploymentEvents() -> [KubernetesObject] {
        [
            K.event(
                "a", kind: "Deployment", name: "web", namespace: "prod", reason: "ScalingReplicaSet", type: "Normal",
                note: "Scaled up replica set web-6d4f to 3", time: "2024-01-01T09:00:00Z"),
            K.event(
                "b", kind: "Pod", name: "web-1", namespace: "prod", reason: "BackOff", note: "Back-off restarting failed container web",
                time: "2024-01-01T09:59:30Z"),
            K.event(
                "c", kind: "Pod", name: "web-1", namespace: "prod", reason: "Pulled", type: "Normal",
                note: "Container image \"web:1.2\" already present", time: "2024-01-01T09:58:00Z"),
        ]
    }

    // MARK: deployment_events_enricher

    @Test func deploymentEventsEnricherShowsTheDeploymentsEvents() async throws {
        let api = FakeKubernetesAPI(Self.deploymentEvents())
        let context = try await K.run("deployment_events_enricher", deploymentEvent(K.deployment()), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Deployment Events",
                    blocks: [
                        .table(
                            headers: Self.headers,
                            rows: [["ScalingReplicaSet", "Normal", "Jan 01, 2024, 09:00:00 AM", "Scaled up replica set web-6d4f to 3"]],
                            name: "Deployment Events")
                    ], type: "k8s_events")
            ])
        #expect(
            api.requests == [
                "list events.events.k8s.io prod fieldSelector=regarding.kind=Deployment,regarding.name=web,regarding.namespace=prod"
            ])
    }

    @Test func deploymentEventsEnricherShowsItsPodsThatAreNotRunning() async throws {
        let api = FakeKubernetesAPI(Self.deploymentEvents() + [K.crashingPod(), K.crashingPod(name: "web-2")])
        let context = try await K.run(
            "deployment_events_enricher", deploymentEvent(K.deployment()), parameters: ["dependent_pod_mode": true], api: api)
        // Both pods are Running: nothing to show.
        #expect(context.findings.isEmpty)
        #expect(api.requests == ["list pods prod labelSelector=app=web fieldSelector=status.phase!=Running"])

        var pending = K.imagePullPod().json
        if case .object(var root) = pending {
            root["metadata"] = ["name": "web-1", "namespace": "prod", "labels": ["app": "web"]]
            pending = .object(root)
        }
        let withPending = FakeKubernetesAPI(Self.deploymentEvents() + [KubernetesObject(json: pending)])
        let shown = try await K.run(
            "deployment_events_enricher", deploymentEvent(K.deployment()), parameters: ["dependent_pod_mode": true], api: withPending)
        #expect(
            shown.findings.first?.enrichments == [
                Enrichment(
                    title: "Deployment Events",
                    blocks: [
                        .table(
                            headers: Self.headers,
                            rows: [
                                ["BackOff", "Warning", "Jan 01, 2024, 09:59:30 AM", "Back-off restarting failed container web"],
                                ["Pulled", "Normal", "Jan 01, 2024, 09:58:00 AM", "Container image \"web:1.2\" already present"],
                            ], name: "Pod events for web-1")
                    ], type: "k8s_events")
            ])
    }

    @Test func deploymentEventsEnricherWithoutADeploymentLogs() async throws {
        let context = try await K.run("deployment_events_enricher", deploymentEvent(nil), api: FakeKubernetesAPI())
        #expect(context.findings.isEmpty)
        #expect(context.logs == ["deployment_events_enricher: the event has no deployment"])
    }

    // MARK: job_events_enricher, job_pod_enricher, delete_job

    @Test func jobEventsEnricherShowsTheJobsEvents() async throws {
        let api = FakeKubernetesAPI([
            K.event(
                "j", kind: "Job", name: "backup", namespace: "ops", reason: "BackoffLimitExceeded",
                note: "Job has reached the specified backoff limit", time: "2024-01-01T09:30:00Z")
        ])
        let context = try await K.run("job_events_enricher", jobEvent(K.job()), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Job Events",
                    blocks: [
                        .table(
                            headers: Self.headers,
                            rows: [
                                [
                                    "BackoffLimitExceeded", "Warning", "Jan 01, 2024, 09:30:00 AM",
                                    "Job has reached the specified backoff limit",
                                ]
                            ],
                            name: "*Job events:*")
                    ], type: "k8s_events")
            ])
        let refused = FakeKubernetesAPI()
        refused.refuse("list", "events.events.k8s.io")
        #expect(
            await K.error("job_events_enricher", jobEvent(K.job()), api: refused)
                == K.forbidden("job_events_enricher", "list", "events.events.k8s.io", namespace: "ops"))
    }

    @Test func jobPodEnricherShowsTheLatestPodsEventsAndLog() async throws {
        let api = FakeKubernetesAPI([
            K.jobPod("backup-old", startTime: "2024-01-01T08:00:00Z"), K.jobPod("backup-new", startTime: "2024-01-01T09:00:00Z"),
            K.event(
                "p", kind: "Pod", name: "backup-new", namespace: "ops", reason: "Failed", note: "Error: exit code 2",
                time: "2024-01-01T09:01:00Z"),
        ])
        api.setLog("dumping...\nerror: disk full", namespace: "ops", pod: "backup-new", container: "backup")
        let context = try await K.run("job_pod_enricher", jobEvent(K.job()), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    blocks: [
                        .table(
                            headers: Self.headers, rows: [["Failed", "Warning", "Jan 01, 2024, 09:01:00 AM", "Error: exit code 2"]],
                            name: "*Job pod events:*")
                    ]),
                Enrichment(blocks: [.file(name: "backup-new.log", contents: "dumping...\nerror: disk full")]),
            ])
        #expect(
            api.requests == [
                "list pods ops labelSelector=controller-uid=uid-42",
                "list events.events.k8s.io ops fieldSelector=regarding.kind=Pod,regarding.name=backup-new,regarding.namespace=ops",
                "get pods/log ops/backup-new container=backup previous=false",
            ])
        let noPods = try await K.run("job_pod_enricher", jobEvent(K.job()), api: FakeKubernetesAPI())
        #expect(noPods.findings.isEmpty)
        #expect(noPods.logs == ["job_pod_enricher: job backup has no pod"])
    }

    @Test func deleteJobDeletesAndSaysSo() async throws {
        let api = FakeKubernetesAPI([K.job()])
        let context = try await K.run("delete_job", jobEvent(K.job()), api: api)
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("Job *ops/backup* deleted")])])
        #expect(api.requests == ["delete jobs.batch ops/backup"])
        let refused = FakeKubernetesAPI([K.job()])
        refused.refuse("delete", "jobs.batch")
        #expect(
            await K.error("delete_job", jobEvent(K.job()), api: refused)
                == K.forbidden("delete_job", "delete", "jobs.batch", namespace: "ops", name: "backup"))
    }

    // MARK: event_resource_events

    @Test func eventResourceEventsShowsTheEventsOfTheObjectAnEventIsAbout() async throws {
        let api = FakeKubernetesAPI(Self.deploymentEvents())
        let backOff = Self.deploymentEvents()[1]
        let context = try await K.run(
            "event_resource_events", EventChangeEventInstance(change: KubernetesChange(operation: .create, kind: "Event", object: backOff)),
            api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Related Events",
                    blocks: [
                        .table(
                            headers: Self.headers,
                            rows: [
                                ["BackOff", "Warning", "Jan 01, 2024, 09:59:30 AM", "Back-off restarting failed container web"],
                                ["Pulled", "Normal", "Jan 01, 2024, 09:58:00 AM", "Container image \"web:1.2\" already present"],
                            ], name: "Related Events")
                    ], type: "k8s_events")
            ])
        #expect(
            api.requests == [
                "list events.events.k8s.io prod fieldSelector=regarding.kind=Pod,regarding.name=web-1,regarding.namespace=prod"
            ]
        )
        #expect(context.findings.first?.title == "Create to event web-1.b")
    }

    // MARK: resource_events_enricher

    @Test func resourceEventsEnricherKeepsTheFirstEventsThenSortsThem() async throws {
        let api = FakeKubernetesAPI(Self.deploymentEvents() + [K.crashingPod()])
        let event = DeploymentEventInstance(resource: K.deployment(), deployment: K.deployment())
        let context = try await K.run(
            "resource_events_enricher", event, parameters: ["dependent_pod_mode": true, "max_events": 2], api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Resource Events",
                    blocks: [
                        .table(
                            headers: ["reason", "type", "time", "kind", "name", "message"],
                            rows: [
                                [
                                    "BackOff", "Warning", "Jan 01, 2024, 09:59:30 AM", "Pod", "web-1",
                                    "Back-off restarting failed container web",
                                ],
                                [
                                    "ScalingReplicaSet", "Normal", "Jan 01, 2024, 09:00:00 AM", "Deployment", "web",
                                    "Scaled up replica set web-6d4f to 3",
                                ],
                            ], name: "Deployment Events")
                    ], type: "k8s_events")
            ])
        #expect(
            api.requests == [
                "list events.events.k8s.io prod fieldSelector=regarding.kind=Deployment,regarding.name=web,regarding.namespace=prod",
                "list pods prod labelSelector=app=web",
                "list events.events.k8s.io prod fieldSelector=regarding.kind=Pod,regarding.name=web-1,regarding.namespace=prod",
            ])
    }

    @Test func resourceEventsEnricherRejectsOtherKinds() async throws {
        let service = KubernetesObject(json: ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "prod"]])
        #expect(
            await K.error("resource_events_enricher", KubernetesResourceEventInstance(resource: service), api: FakeKubernetesAPI())
                == "action 'resource_events_enricher': Resource events enricher is not supported for resource Service")
        #expect(
            await K.error("resource_events_enricher", KubernetesResourceEventInstance(resource: nil), api: FakeKubernetesAPI())
                == "action 'resource_events_enricher': the event has no resource")
    }
}
