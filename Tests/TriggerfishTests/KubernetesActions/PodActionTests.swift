import Foundation
import Testing

@testable import Triggerfish

typealias K = KubernetesActionFixtures

@Suite struct PodActionTests {
    static let crashInfo = Enrichment(
        title: "Container Crash information",
        blocks: [
            .table(
                headers: ["label", "value"],
                rows: [["Container", "web"], ["Restarts", "3"], ["Status", "WAITING"], ["Reason", "CrashLoopBackOff"]],
                name: "*Crash Info*"),
            .table(
                headers: ["label", "value"],
                rows: [
                    ["Status", "TERMINATED"], ["Reason", "Error"], ["Started at", "2024-01-01T09:57:00Z"],
                    ["Finished at", "2024-01-01T09:58:00Z"],
                ], name: "*Previous Container*"),
        ], type: "crash_info")

    func podEvent(_ pod: KubernetesObject?) -> PodEventInstance { PodEventInstance(resource: pod, pod: pod) }

    // MARK: logs_enricher

    @Test func logsEnricherAddsCrashInfoThenTheMaskedLog() async throws {
        let api = FakeKubernetesAPI()
        api.setLog("login user=admin password=hunter2\nready", namespace: "prod", pod: "web-1", container: "web")
        let context = try await K.run(
            "logs_enricher", podEvent(K.crashingPod()),
            parameters: ["regex_replacer_patterns": [["name": "secret", "regex": "password=\\w+"]]], api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Robusta notification")
        #expect(
            finding.enrichments == [
                Self.crashInfo,
                Enrichment(
                    title: "Logs", blocks: [.file(name: "web-1.log", contents: "login user=admin ****************\nready")],
                    type: "text_file"),
            ])
        #expect(api.requests == ["get pods/log prod/web-1 container=web previous=false"])
    }

    @Test func logsEnricherNamesMatchesAndFiltersWithTheAlertsContainer() async throws {
        let api = FakeKubernetesAPI()
        api.setLog("10.0.0.1 GET /\n10.0.0.2 POST /login\nshutdown", namespace: "prod", pod: "web-1", container: "sidecar", previous: true)
        let alert = PrometheusKubernetesAlertInstance(
            resource: K.crashingPod(), pod: K.crashingPod(),
            alert: PrometheusAlert(status: "firing", labels: ["alertname": "KubePodCrashLooping", "pod": "web-1", "container": "sidecar"]))
        let context = try await K.run(
            "logs_enricher", alert,
            parameters: [
                "previous": true, "filter_regex": "\\S+ (?:GET|POST) \\S+", "regex_replacement_style": "NAMED",
                "regex_replacer_patterns": [["name": "ip", "regex": "\\d+\\.\\d+\\.\\d+\\.\\d+"]],
            ], api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "KubePodCrashLooping")
        #expect(
            finding.enrichments.last
                == Enrichment(
                    title: "Logs", blocks: [.file(name: "web-1.log", contents: "[IP] GET /\n[IP] POST /login")], type: "text_file"))
        #expect(api.requests == ["get pods/log prod/web-1 container=sidecar previous=true"])
    }

    @Test func logsEnricherShowsAnUnavailableLogAndAMissingPod() async throws {
        let api = FakeKubernetesAPI()
        let running = K.imagePullPod()
        let context = try await K.run("logs_enricher", podEvent(running), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Logs", blocks: [.emptyFile(name: "api-7.log", remarks: "Logs unavailable for container: api")],
                    type: "text_file")
            ])

        let warned = try await K.run("logs_enricher", podEvent(nil), parameters: ["warn_on_missing_label": true], api: api)
        #expect(
            warned.findings.first?.enrichments == [
                Enrichment(blocks: [.markdown("Cannot fetch logs because the pod is unknown. The alert has no `pod` label")])
            ])
        let silent = try await K.run("logs_enricher", podEvent(nil), api: api)
        #expect(silent.findings.isEmpty)
    }

    @Test func logsEnricherTreatsARefusedLogAsEmptyAndNeedsTheAPI() async throws {
        let api = FakeKubernetesAPI()
        api.refuse("get", "pods/log")
        let context = try await K.run("logs_enricher", podEvent(K.imagePullPod()), api: api)
        #expect(
            context.findings.first?.enrichments.last?.blocks == [
                .emptyFile(name: "api-7.log", remarks: "Logs unavailable for container: api")
            ])
        #expect(
            context.logs == [
                "logs_enricher: the Kubernetes API refused to get pods/log \"api-7\" in namespace \"prod\" (403 Forbidden): pods/log is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot get resource \"pods/log\""
            ])
        #expect(
            await K.error("logs_enricher", podEvent(K.imagePullPod()), api: nil)
                == "action 'logs_enricher': needs the Kubernetes API, and this runner was started without it (serve --kubernetes auto, in-cluster or kubeconfig)"
        )
    }

    // MARK: pod_events_enricher, enrich_pod_with_node_events

    static func podEvents() -> [KubernetesObject] {
        [
            K.event(
                "a", kind: "Pod", name: "web-1", namespace: "prod", reason: "Scheduled", type: "Normal",
                note: "Successfully assigned prod/web-1 to node-1", time: "2024-01-01T09:50:00Z"),
            K.event(
                "b", kind: "Pod", name: "web-1", namespace: "prod", reason: "BackOff", note: "Back-off restarting failed container web",
                time: "2024-01-01T09:59:30Z"),
            K.event(
                "c", kind: "Pod", name: "web-1", namespace: "prod", reason: "Pulled", type: "Normal",
                note: "Container image \"web:1.2\" already present", time: "2024-01-01T13:58:00Z"),
            K.event("d", kind: "Pod", name: "web-2", namespace: "prod", reason: "BackOff", note: "other pod", time: "2024-01-01T09:59:00Z"),
        ]
    }

    @Test func podEventsEnricherShowsTheNewestEventsFirst() async throws {
        let api = FakeKubernetesAPI(Self.podEvents())
        let context = try await K.run("pod_events_enricher", podEvent(K.crashingPod()), parameters: ["max_events": 2], api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Pod Events",
                    blocks: [
                        .table(
                            headers: ["reason", "type", "time", "message"],
                            rows: [
                                ["Pulled", "Normal", "Jan 01, 2024, 01:58:00 PM", "Container image \"web:1.2\" already present"],
                                ["BackOff", "Warning", "Jan 01, 2024, 09:59:30 AM", "Back-off restarting failed container web"],
                            ], name: "Pod Events")
                    ], type: "k8s_events")
            ])
        #expect(
            api.requests == [
                "list events.events.k8s.io prod fieldSelector=regarding.kind=Pod,regarding.name=web-1,regarding.namespace=prod"
            ]
        )

        let warnings = try await K.run(
            "pod_events_enricher", podEvent(K.crashingPod()), parameters: ["included_types": ["warning"]], api: api)
        guard case .table(_, let rows, _)? = warnings.findings.first?.enrichments.first?.blocks.first else {
            Issue.record("no table")
            return
        }
        #expect(rows.map(\.first) == ["BackOff"])
    }

    @Test func podEventsEnricherAddsNothingWithoutEventsAndReportsARefusal() async throws {
        let empty = try await K.run("pod_events_enricher", podEvent(K.crashingPod()), api: FakeKubernetesAPI())
        #expect(empty.findings.isEmpty)
        let missing = try await K.run("pod_events_enricher", podEvent(nil), api: FakeKubernetesAPI())
        #expect(missing.findings.isEmpty)
        #expect(missing.logs == ["pod_events_enricher: the event has no pod"])
        let api = FakeKubernetesAPI()
        api.refuse("list", "events.events.k8s.io")
        #expect(
            await K.error("pod_events_enricher", podEvent(K.crashingPod()), api: api)
                == K.forbidden("pod_events_enricher", "list", "events.events.k8s.io", namespace: "prod"))
    }

    @Test func nodeEventsOfThePodsNode() async throws {
        let api = FakeKubernetesAPI([
            K.event(
                "n", kind: "Node", name: "node-1", namespace: nil, reason: "NodeNotReady", type: "Normal",
                note: "Node node-1 status is now: NodeNotReady", time: "2024-01-01T09:40:00Z")
        ])
        let context = try await K.run("enrich_pod_with_node_events", podEvent(K.crashingPod()), api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Node Events",
                    blocks: [
                        .table(
                            headers: ["reason", "type", "time", "message"],
                            rows: [["NodeNotReady", "Normal", "Jan 01, 2024, 09:40:00 AM", "Node node-1 status is now: NodeNotReady"]],
                            name: "Node Events")
                    ], type: "k8s_events")
            ])
        #expect(api.requests == ["list events.events.k8s.io all-namespaces fieldSelector=regarding.kind=Node,regarding.name=node-1"])
        #expect(
            await K.error("enrich_pod_with_node_events", podEvent(nil), api: api)
                == "action 'enrich_pod_with_node_events': the event has no pod")
    }

    // MARK: report_crash_loop

    @Test func reportCrashLoopCreatesAFindingWithCrashInfoAndPreviousLogs() async throws {
        let api = FakeKubernetesAPI()
        api.setLog("panic: token=abc123", namespace: "prod", pod: "web-1", container: "web", previous: true)
        let context = try await K.run(
            "report_crash_loop", podEvent(K.crashingPod()), parameters: ["regex_replacer_patterns": [["regex": "token=\\w+"]]], api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Crashing pod web-1 in namespace prod")
        #expect(finding.severity == .high)
        #expect(finding.aggregationKey == "CrashLoopBackoff")
        #expect(finding.source == "kubernetes_api_server")
        #expect(
            finding.subject
                == FindingSubject(kind: "Pod", name: "web-1", namespace: "prod", node: "node-1", labels: ["app": "web"]))
        #expect(
            finding.enrichments == [
                Self.crashInfo,
                Enrichment(title: "Logs", blocks: [.file(name: "web-1.log", contents: "panic: ************")], type: "text_file"),
            ])
        #expect(api.requests == ["get pods/log prod/web-1 container=web previous=true"])

        let noLog = try await K.run("report_crash_loop", podEvent(K.crashingPod()), api: FakeKubernetesAPI())
        #expect(
            noLog.findings.first?.enrichments.last
                == Enrichment(
                    title: "Logs", blocks: [.emptyFile(name: "web-1.log", remarks: "Logs unavailable for container: web")],
                    type: "text_file"))
    }

    // MARK: image_pull_backoff_reporter

    @Test func imagePullBackoffReporterExplainsFromTheKubeletsEvent() async throws {
        let api = FakeKubernetesAPI([
            K.event(
                "x", kind: "Pod", name: "api-7", namespace: "prod", reason: "Failed",
                note:
                    "Failed to pull image \"registry.example.com/api:9.9\": rpc error: code = NotFound desc = failed to pull and unpack image \"registry.example.com/api:9.9\": failed to resolve reference \"registry.example.com/api:9.9\": registry.example.com/api:9.9: not found",
                time: "2024-01-01T09:59:00Z", component: "kubelet")
        ])
        let context = try await K.run("image_pull_backoff_reporter", podEvent(K.imagePullPod()), api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Failed to pull at least one image in pod api-7 in namespace prod")
        #expect(finding.severity == .high)
        #expect(finding.aggregationKey == "ImagePullBackoff")
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
        #expect(api.requests == ["list events.events.k8s.io prod fieldSelector=regarding.name=api-7"])
    }

    @Test func imagePullBackoffReporterShowsAnUnknownErrorAndSkipsUnexplainedContainers() async throws {
        let api = FakeKubernetesAPI([
            K.event(
                "x", kind: "Pod", name: "api-7", namespace: "prod", reason: "Failed",
                note: "Failed to pull image \"registry.example.com/api:9.9\": rpc error: code = Unknown desc = connection reset by peer",
                time: "2024-01-01T09:59:00Z", component: "kubelet")
        ])
        let context = try await K.run("image_pull_backoff_reporter", podEvent(K.imagePullPod()), api: api)
        #expect(
            context.findings.first?.enrichments.first?.blocks == [
                .table(headers: ["label", "value"], rows: [["Container", "api"], ["Image", "registry.example.com/api:9.9"]]),
                .markdown("*Error message:* api:\nconnection reset by peer"),
            ])
        let unexplained = try await K.run("image_pull_backoff_reporter", podEvent(K.imagePullPod()), api: FakeKubernetesAPI())
        #expect(unexplained.findings.first?.enrichments == [])
        let crashing = try await K.run("image_pull_backoff_reporter", podEvent(K.crashingPod()), api: FakeKubernetesAPI())
        #expect(crashing.findings.isEmpty)
    }

    // MARK: pod_evicted_enricher

    @Test func podEvictedEnricherDescribesTheNodeAndItsPods() async throws {
        let api = FakeKubernetesAPI([K.node(), K.crashingPod()])
        let context = try await K.run("pod_evicted_enricher", podEvent(K.crashingPod()), api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Pod web-1 in namespace prod was Evicted")
        #expect(finding.aggregationKey == "PodEvictedTriggered")
        #expect(finding.severity == .high)
        #expect(
            finding.enrichments == [
                Enrichment(
                    title: "Node Info",
                    blocks: [
                        .table(headers: ["Field", "Value"], rows: [["Node Name", "node-1"]], name: "*Node general info:*"),
                        .table(
                            headers: ["Type", "Status"],
                            rows: [["MemoryPressure", "False"], ["DiskPressure", "False"], ["Ready", "True"]],
                            name: "*Node status details:*"),
                        .table(
                            headers: ["resource", "value"], rows: [["cpu", "3800m"], ["memory", "7168Mi"], ["pods", "110"]],
                            name: "*Node Allocatable Resources:*"),
                    ], type: "node_info"),
                Enrichment(
                    blocks: [
                        .table(
                            headers: ["namespace", "name", "ready"], rows: [["prod", "web-1", "False"]], name: "Pods running on the node")
                    ]),
            ])
        #expect(api.requests == ["get nodes node-1", "list pods all-namespaces fieldSelector=spec.nodeName=node-1"])

        let noNode = try await K.run("pod_evicted_enricher", podEvent(K.crashingPod()), api: FakeKubernetesAPI())
        #expect(noNode.findings.isEmpty)
        #expect(noNode.logs == ["pod_evicted_enricher: node node-1 of pod web-1 not found"])
    }

    // MARK: pod_oom_killer_enricher

    @Test func podOOMKillerEnricherShowsTheNodesMemoryAndTheKilledContainer() async throws {
        var json = K.crashingPod().json
        if case .object(var root) = json, case .object(var status) = root["status"],
            case .array(var statuses) = status["containerStatuses"],
            case .object(var web) = statuses[0]
        {
            web["lastState"] = [
                "terminated": [
                    "reason": "OOMKilled", "exitCode": 137, "startedAt": "2024-01-01T09:50:00Z", "finishedAt": "2024-01-01T09:55:00Z",
                ]
            ]
            statuses[0] = .object(web)
            status["containerStatuses"] = .array(statuses)
            root["status"] = .object(status)
            json = .object(root)
        }
        let pod = KubernetesObject(json: json)
        let api = FakeKubernetesAPI([K.node()])
        api.setLog("allocating...", namespace: "prod", pod: "web-1", container: "web")
        let context = try await K.run("pod_oom_killer_enricher", podEvent(pod), parameters: ["attach_logs": true], api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Pod web-1 in namespace prod OOMKilled results")
        #expect(finding.aggregationKey == "PodOOMKilled")
        #expect(
            finding.enrichments.prefix(2) == [
                Enrichment(
                    title: "Node Info",
                    blocks: [
                        .table(
                            headers: ["field", "value"],
                            rows: [["Node Name", "node-1"], ["Node allocated memory", "12.50% out of 7168MB allocatable"]],
                            name: "*Node Info*")
                    ], type: "node_info"),
                Enrichment(
                    title: "Container Info",
                    blocks: [
                        .table(
                            headers: ["field", "value"],
                            rows: [
                                ["Pod", "web-1"], ["Namespace", "prod"], ["Container memory", "100MB request, 200MB limit"],
                                ["Container name", "web"],
                                ["Container started at", "2024-01-01T09:50:00Z"], ["Container finished at", "2024-01-01T09:55:00Z"],
                            ], name: "*Container Info*")
                    ], type: "container_info"),
            ])
        #expect(finding.enrichments.map(\.title) == ["Node Info", "Container Info", "Container Crash information", "Logs"])
        #expect(api.requests == ["get nodes node-1", "get pods/log prod/web-1 container=web previous=false"])
    }

    // MARK: delete_pod

    @Test func deletePodDeletesThePodOrSaysItHasNone() async throws {
        let api = FakeKubernetesAPI([K.crashingPod()])
        let context = try await K.run("delete_pod", podEvent(K.crashingPod()), api: api)
        #expect(context.findings.isEmpty)
        #expect(api.requests == ["delete pods prod/web-1"])
        #expect(await K.error("delete_pod", podEvent(nil), api: api) == "action 'delete_pod': Failed to get the pod for deletion")
        let refused = FakeKubernetesAPI([K.crashingPod()])
        refused.refuse("delete", "pods")
        #expect(
            await K.error("delete_pod", podEvent(K.crashingPod()), api: refused)
                == K.forbidden("delete_pod", "delete", "pods", namespace: "prod", name: "web-1"))
    }
}
