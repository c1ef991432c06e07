import Foundation
import Testing
import TriggerfishTesting
import TriggerfishWebhookSink

@testable import Triggerfish

@Suite struct ExecutionTests {
    @Test func playbooksRunInConfigOrderAndActionsInOrder() async throws {
        let engine = try EngineHarness.engine(
            """
            - name: first
              triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: a}}, {record: {tag: b}}]
            - name: second
              triggers: [{on_pod_all_changes: {}}]
              actions: [{record: {tag: c}}]
            - name: deployments
              triggers: [{on_deployment_update: {}}]
              actions: [{record: {tag: d}}]
            """)
        let report = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1")))
        #expect(report.summary == "Pod default/web-1 update")
        #expect(report.playbooks == ["first", "second"])
        #expect(report.actionNames == ["record", "record", "record"])
        #expect(report.logs == ["a:PodChangeEvent", "b:PodChangeEvent", "c:PodChangeEvent"])
    }

    @Test func aReportsSummaryIsJoinedWhenReadAndCanBeSet() async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: a}}]")
        var report = await engine.handle(update(object("Pod", "web-1", namespace: nil), object("Pod", "web-1", namespace: nil)))
        guard case .parts = report.summaryParts else {
            Issue.record("the summary was joined before anything read it")
            return
        }
        #expect(report.summary == "Pod web-1 update")
        let alerts = await engine.handle(alert(""))
        #expect(alerts.summary == "alert <no alertname> firing")
        report.summary = "replaced"
        #expect(report.summary == "replaced")
        #expect(EventReport(summary: "given").summary == "given")
    }

    @Test func theFirstTriggerThatFiresBuildsTheEvent() async throws {
        let engine = try EngineHarness.engine(
            """
            - name: either
              triggers:
                - on_pod_update: {name_prefix: db-}
                - on_kubernetes_any_resource_update: {}
                - on_pod_update: {}
              actions: [{record: {tag: x}}]
            """)
        let web = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1")))
        // The any-resource trigger fires first; it still builds the kind's own change event.
        #expect(web.logs == ["x:PodChangeEvent"])
        #expect(web.playbooks == ["either"])
        let unknownKind = await engine.handle(update(object("Widget", "w"), object("Widget", "w")))
        #expect(unknownKind.playbooks.isEmpty)
    }

    @Test func aThrowingActionIsReportedAndTheNextActionRuns() async throws {
        let engine = try EngineHarness.engine(
            """
            - name: shaky
              triggers: [{on_pod_update: {}}]
              actions:
                - explode: {}
                - create_finding: {title: "t", aggregation_key: k, severity: LOW}
                - resource_babysitter: {}
                - record: {tag: after}
            """)
        let report = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1", ["spec": ["x": 1]])))
        #expect(report.actionNames == ["explode", "create_finding", "resource_babysitter", "record"])
        #expect(report.actions[0].failure == ActionFailure(code: .failed, message: "boom"))
        #expect(report.actions[0].playbook == "shaky")
        #expect(report.failedActions.map(\.action) == ["explode"])
        #expect(report.logs == ["after:PodChangeEvent"])
        #expect(report.findings.map(\.finding.title) == ["pod/default/web-1.yaml updated", "t"])
    }

    @Test func anActionGivenTheWrongEventFailsAndTheNextRuns() async throws {
        // Validation forbids this pairing in a config; an engine given such a config anyway (or an
        // unregistered action) reports it per invocation instead of crashing.
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", EngineHarness.actionDeclarations)])
        var config = try PlaybookConfig.load(
            text: """
                - triggers: [{on_pod_update: {}}]
                  actions: [{record: {tag: a}}, {record: {tag: b}}]
                """, file: "test.yaml", schema: schema)
        config.playbooks[0].actions[0].name = "name_silencer"
        config.playbooks[0].actions[0].parameters = ["names": ["x"]]
        config.playbooks[0].actions.insert(.init(name: "ghost", parameters: [:], location: config.playbooks[0].location), at: 0)
        let engine = try PlaybookEngine(
            config: config, actions: BuiltinActionImplementations().registrations + EngineHarness.registrations)
        #expect(engine.unregisteredActions == ["ghost"])
        let report = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1")))
        #expect(report.actionNames == ["ghost", "name_silencer", "record"])
        #expect(report.actions[0].failure == ActionFailure(code: .unknownAction, message: "no implementation is registered"))
        #expect(
            report.actions[1].failure
                == ActionFailure(code: .eventMismatch, message: "needs a PrometheusKubernetesAlert, but was given a PodChangeEvent"))
        #expect(report.logs == ["b:PodChangeEvent"])
    }

    @Test func stopOnAPlaybookEndsTheRemainingPlaybooks() async throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: one}}]
              stop: true
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: two}}]
            """)
        let report = await engine.handle(update(object("Pod", "p"), object("Pod", "p")))
        #expect(report.logs == ["one:PodChangeEvent"])
        #expect(report.playbooks == ["playbook 1 (test.yaml:1)"])
    }

    @Test func stopProcessingFromAnActionEndsTheRestForThatEvent() async throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_prometheus_alert: {status: all}}]
              actions: [{name_silencer: {names: [Watchdog]}}, {record: {tag: same-playbook}}]
            - triggers: [{on_prometheus_alert: {}}]
              actions: [{record: {tag: later}}]
            """)
        let silenced = await engine.handle(alert("Watchdog", fingerprint: "w"))
        #expect(silenced.actionNames == ["name_silencer"])
        #expect(silenced.logs.isEmpty)
        let other = await engine.handle(alert("HighCPU", fingerprint: "h"))
        #expect(other.actionNames == ["name_silencer", "record", "record"])
        #expect(other.logs == ["same-playbook:PrometheusKubernetesAlert", "later:PrometheusKubernetesAlert"])
    }

    @Test func findingsAccumulateAcrossPlaybooksNewestFirstWithTheirPlaybooksSinks() async throws {
        let engine = try EngineHarness.engine(
            """
            sinks_config:
              - console_sink: {name: main}
              - console_sink: {name: audit, default: false}
            active_playbooks:
              - triggers: [{on_pod_update: {}}]
                actions: [{create_finding: {title: "first $name", aggregation_key: one}}]
              - triggers: [{on_pod_update: {}}]
                actions: [{create_finding: {title: "second in $namespace", aggregation_key: two}}]
                sinks: [audit]
            """)
        let report = await engine.handle(update(object("Pod", "web-1", namespace: "shop"), object("Pod", "web-1", namespace: "shop")))
        #expect(report.findings.map(\.finding.title) == ["second in shop", "first web-1"])
        #expect(report.findings.map(\.sinks) == [["audit"], ["main"]])
    }

    @Test func globalConfigIsMergedUnderEveryActionsParameters() async throws {
        let engine = try EngineHarness.engine(
            """
            global_config:
              message: from global
              tag: global tag
            active_playbooks:
              - triggers: [{on_pod_update: {}}]
                actions: [{echo: {}}, {record: {tag: own}}]
            """)
        let report = await engine.handle(update(object("Pod", "p"), object("Pod", "p")))
        #expect(report.logs == ["echo: from global", "own:PodChangeEvent"])
    }

    @Test func scheduledPlaybooksAreKeptForTheScheduler() throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{echo: {message: tick}}]
            """)
        #expect(engine.scheduledPlaybooks.count == 1)
    }
}

@Suite struct KubernetesFilterTests {
    func fired(_ trigger: String, _ change: KubernetesChange, clock: TestClock = TestClock()) async throws -> Bool {
        let engine = try EngineHarness.engine("- triggers: [{\(trigger)}]\n  actions: [{record: {tag: t}}]\n", clock: clock)
        return !(await engine.handle(change)).playbooks.isEmpty
    }

    @Test func prefixesAndLabels() async throws {
        let web = update(
            object("Pod", "web-1", namespace: "prod-eu", labels: ["app": "web"]),
            object("Pod", "web-1", namespace: "prod-eu", labels: ["app": "web"]))
        #expect(try await fired("on_pod_update: {name_prefix: web}", web))
        #expect(try await !fired("on_pod_update: {name_prefix: db}", web))
        #expect(try await fired("on_pod_update: {namespace_prefix: prod}", web))
        #expect(try await !fired("on_pod_update: {namespace_prefix: dev}", web))
        #expect(try await fired("on_pod_update: {labels_selector: \"app=web\"}", web))
        #expect(try await !fired("on_pod_update: {labels_selector: \"app=web,tier=front\"}", web))
        // A missing label counts as "".
        #expect(try await fired("on_pod_update: {labels_selector: \"tier=\"}", web))
        // A cluster-scoped object has namespace "" and fails any non-empty prefix.
        let node = update(object("Node", "n1", namespace: nil), object("Node", "n1", namespace: nil))
        #expect(try await !fired("on_node_update: {namespace_prefix: a}", node))
        #expect(try await fired("on_node_update: {namespace_prefix: \"\"}", node))
    }

    @Test func changeFiltersDropUpdatesThatOnlyChangeIgnoredPaths() async throws {
        let old = object("Deployment", "d", ["spec": ["replicas": 1, "template": ["image": "a:1"]], "status": ["ready": 0]])
        let statusOnly = update(
            old, object("Deployment", "d", ["spec": ["replicas": 1, "template": ["image": "a:1"]], "status": ["ready": 1]]))
        let replicas = update(
            old, object("Deployment", "d", ["spec": ["replicas": 3, "template": ["image": "a:1"]], "status": ["ready": 0]]))
        let image = update(
            old, object("Deployment", "d", ["spec": ["replicas": 1, "template": ["image": "a:2"]], "status": ["ready": 0]]))
        let filters = "on_deployment_update: {change_filters: {include: [spec], ignore: [status, spec.replicas]}}"
        #expect(try await !fired(filters, statusOnly))
        #expect(try await !fired(filters, replicas))
        #expect(try await fired(filters, image))
        // Without change filters every update fires; with an empty include any remaining difference does.
        #expect(try await fired("on_deployment_update: {}", statusOnly))
        #expect(try await fired("on_deployment_update: {change_filters: {ignore: [spec]}}", statusOnly))
        #expect(try await !fired("on_deployment_update: {change_filters: {ignore: [status]}}", statusOnly))
        // Creates always pass.
        let create = KubernetesChange(operation: .create, kind: "Deployment", object: old)
        #expect(try await fired("on_deployment_create: {change_filters: {include: [nothing]}}", create))
    }

    @Test func theBabysitterReportsOnlyWhatTheChangeFiltersKept() async throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_deployment_update: {change_filters: {include: [spec], ignore: [spec.replicas]}}}]
              actions: [{resource_babysitter: {}}]
            """)
        let old = object("Deployment", "d", ["spec": ["replicas": 1, "image": "a:1"], "status": ["ready": 0]])
        let new = object("Deployment", "d", ["spec": ["replicas": 2, "image": "a:2"], "status": ["ready": 1]])
        let report = await engine.handle(update(old, new))
        let finding = try #require(report.findings.first?.finding)
        #expect(
            finding.enrichments == [
                Enrichment(
                    title: "Kubernetes Manifest Change", blocks: [.kubernetesDiff([DiffEntry(path: "spec.image", old: "a:1", new: "a:2")])],
                    type: "diff")
            ])
    }

    @Test func resourceOperationUsesItsDefaultChangeFiltersKindsAndOperations() async throws {
        let old = object("Deployment", "d", ["spec": ["replicas": 1, "image": "a:1"], "status": ["ready": 0]])
        let statusOnly = update(old, object("Deployment", "d", ["spec": ["replicas": 1, "image": "a:1"], "status": ["ready": 1]]))
        let image = update(old, object("Deployment", "d", ["spec": ["replicas": 1, "image": "a:2"], "status": ["ready": 0]]))
        let trigger = "on_kubernetes_resource_operation: {resources: [Deployment, daemonset], operations: [update, DELETE]}"
        #expect(try await !fired(trigger, statusOnly))
        #expect(try await fired(trigger, image))
        #expect(try await !fired("on_kubernetes_resource_operation: {resources: [pod]}", image))
        #expect(try await !fired("on_kubernetes_resource_operation: {operations: [create]}", image))
        #expect(try await fired("on_kubernetes_resource_operation: {}", image))
        let delete = KubernetesChange(operation: .delete, kind: "Deployment", object: old)
        #expect(try await fired(trigger, delete))
    }
}

@Suite struct SmartTriggerTests {
    func crashingPod(_ name: String, owner: String? = "web-rs", restarts: Int, reason: String = "CrashLoopBackOff") -> KubernetesChange {
        var metadata: [String: JSONValue] = ["name": .string(name), "namespace": "default"]
        if let owner { metadata["ownerReferences"] = [["kind": "ReplicaSet", "name": .string(owner)]] }
        let status: JSONValue = [
            "containerStatuses": [["name": "app", "restartCount": .int(restarts), "state": ["waiting": ["reason": .string(reason)]]]]
        ]
        let new = KubernetesObject(json: ["kind": "Pod", "metadata": .object(metadata), "status": status])
        return update(new, new)
    }

    func fire(_ engine: PlaybookEngine, _ change: KubernetesChange) async -> Bool { !(await engine.handle(change)).playbooks.isEmpty }

    @Test func crashLoopNeedsAWaitingContainerEnoughRestartsAndTheReason() async throws {
        let engine = try EngineHarness.engine(
            "- triggers: [{on_pod_crash_loop: {restart_reason: LoopBack, restart_count: 3, rate_limit: 0}}]\n  actions: [{record: {tag: t}}]"
        )
        #expect(await fire(engine, crashingPod("a", restarts: 3)))
        #expect(await !fire(engine, crashingPod("a", restarts: 2)))
        #expect(await !fire(engine, crashingPod("a", restarts: 5, reason: "ImagePullBackOff")))
        let running = KubernetesObject(json: [
            "kind": "Pod", "metadata": ["name": "a"], "status": ["containerStatuses": [["restartCount": 9, "state": ["running": [:]]]]],
        ])
        #expect(await !fire(engine, update(running, running)))
    }

    @Test func crashLoopIsRateLimitedPerOwnerAndPlaybook() async throws {
        let clock = TestClock()
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_pod_crash_loop: {rate_limit: 600}}]
              actions: [{record: {tag: one}}]
            - triggers: [{on_pod_crash_loop: {}}]
              actions: [{record: {tag: two}}]
            """, clock: clock)
        #expect((await engine.handle(crashingPod("web-1", restarts: 3))).logs == ["one:PodChangeEvent", "two:PodChangeEvent"])
        // Another pod of the same ReplicaSet within the window: both playbooks are limited.
        #expect((await engine.handle(crashingPod("web-2", restarts: 3))).logs.isEmpty)
        // A pod of another owner, and a pod without owner, are keyed apart.
        #expect((await engine.handle(crashingPod("api-1", owner: "api-rs", restarts: 3))).logs.count == 2)
        #expect((await engine.handle(crashingPod("solo", owner: nil, restarts: 3))).logs.count == 2)
        clock.advance(601)
        #expect((await engine.handle(crashingPod("web-2", restarts: 3))).logs == ["one:PodChangeEvent"])
    }

    @Test func imagePullBackoffWaitsForTheFireDelay() async throws {
        let clock = TestClock()
        let engine = try EngineHarness.engine(
            "- triggers: [{on_image_pull_backoff: {fire_delay: 120, rate_limit: 0}}]\n  actions: [{record: {tag: t}}]", clock: clock)
        func pod(startedSecondsAgo: Double?, reason: String = "ImagePullBackOff") -> KubernetesChange {
            var status: [String: JSONValue] = ["containerStatuses": [["state": ["waiting": ["reason": .string(reason)]]]]]
            if let ago = startedSecondsAgo {
                status["startTime"] = .string(ISO8601DateFormatter().string(from: clock.now.addingTimeInterval(-ago)))
            }
            let object = KubernetesObject(json: ["kind": "Pod", "metadata": ["name": "p"], "status": .object(status)])
            return update(object, object)
        }
        #expect(await fire(engine, pod(startedSecondsAgo: 300)))
        #expect(await !fire(engine, pod(startedSecondsAgo: 30)))
        #expect(await !fire(engine, pod(startedSecondsAgo: nil)))
        #expect(await !fire(engine, pod(startedSecondsAgo: 300, reason: "ErrImagePull")))
    }

    func oomPod(_ name: String, namespace: String = "default", container: String = "app", reason: String = "OOMKilled") -> KubernetesChange
    {
        let object = KubernetesObject(json: [
            "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "status": ["containerStatuses": [["name": .string(container), "state": ["terminated": ["reason": .string(reason)]]]]],
        ])
        return update(object, object)
    }

    @Test func podOOMKillWithExcludes() async throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_pod_oom_killed: {rate_limit: 0, exclude: [{name: batch-}, {namespace: kube-system}]}}]
              actions: [{record: {tag: t}}]
            """)
        #expect(await fire(engine, oomPod("web-1")))
        #expect(await !fire(engine, oomPod("batch-7")))
        #expect(await !fire(engine, oomPod("dns", namespace: "kube-system")))
        #expect(await !fire(engine, oomPod("web-1", reason: "Completed")))
    }

    @Test func containerOOMKillExcludesByContainerName() async throws {
        let engine = try EngineHarness.engine(
            "- triggers: [{on_container_oom_killed: {rate_limit: 0, exclude: [{name: sidecar}]}}]\n  actions: [{record: {tag: t}}]")
        #expect(await fire(engine, oomPod("web-1", container: "app")))
        #expect(await !fire(engine, oomPod("web-1", container: "sidecar-proxy")))
    }

    @Test func evictionAndItsRateLimitPerPod() async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_pod_evicted: {}}]\n  actions: [{record: {tag: t}}]")
        func evicted(_ name: String) -> KubernetesChange {
            let object = KubernetesObject(json: ["kind": "Pod", "metadata": ["name": .string(name)], "status": ["reason": "Evicted"]])
            return update(object, object)
        }
        #expect(await fire(engine, evicted("a")))
        #expect(await !fire(engine, evicted("a")))
        #expect(await fire(engine, evicted("b")))
    }

    @Test func jobFailureFiresOnTheEdgeOnly() async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_job_failure: {}}]\n  actions: [{record: {tag: t}}]")
        let running = object("Job", "j", ["status": ["conditions": []]])
        let failed = object("Job", "j", ["status": ["conditions": [["type": "Failed", "status": "True"]]]])
        #expect(await fire(engine, update(running, failed)))
        #expect(await !fire(engine, update(failed, failed)))
        #expect(await !fire(engine, update(running, running)))
    }

    func warning(
        _ reason: String, note: String = "", type: String = "Warning", operation: KubernetesOperation = .create, regarding: Bool = true
    )
        -> KubernetesChange
    {
        var json: [String: JSONValue] = [
            "kind": "Event", "metadata": ["name": "e1", "namespace": "default"], "type": .string(type), "reason": .string(reason),
            "note": .string(note),
        ]
        if regarding { json["regarding"] = ["kind": "Pod", "name": "web-1", "namespace": "default"] }
        return KubernetesChange(operation: operation, kind: "Event", object: KubernetesObject(json: .object(json)))
    }

    @Test func warningEventsWithIncludeExcludeAndOperations() async throws {
        let engine = try EngineHarness.engine(
            """
            - triggers: [{on_kubernetes_warning_event: {rate_limit: 0, operations: [create], include: [backoff, FAILED], exclude: [probe]}}]
              actions: [{record: {tag: t}}]
            """)
        #expect(await fire(engine, warning("BackOff", note: "Back-off restarting")))
        #expect(await fire(engine, warning("Mount", note: "mount failed")))
        #expect(await !fire(engine, warning("Unhealthy", note: "Readiness probe failed")))
        #expect(await !fire(engine, warning("Scheduled")))
        #expect(await !fire(engine, warning("BackOff", type: "Normal")))
        #expect(await !fire(engine, warning("BackOff", regarding: false)))
        #expect(await !fire(engine, warning("BackOff", operation: .delete)))
    }

    @Test func warningEventsAreRateLimitedPerReasonAndObject() async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_kubernetes_warning_event_create: {}}]\n  actions: [{record: {tag: t}}]")
        #expect(await fire(engine, warning("BackOff")))
        #expect(await !fire(engine, warning("BackOff")))
        #expect(await fire(engine, warning("FailedMount")))
    }
}

@Suite struct AlertTests {
    @Test func alertFiltersNameStatusPrefixesAndProvider() async throws {
        func fires(_ trigger: String, _ alert: PrometheusAlert, provider: String = "Unknown") async throws -> Bool {
            let engine = try EngineHarness.engine(
                "- triggers: [{on_prometheus_alert: \(trigger)}]\n  actions: [{record: {tag: t}}]", provider: provider)
            return !(await engine.handle(alert)).playbooks.isEmpty
        }
        let crash = alert("KubePodCrashLooping", labels: ["pod": "web-1", "namespace": "prod", "instance": "10.0.0.1:8080"])
        #expect(try await fires("{}", crash))
        #expect(try await fires("{alert_name: KubePodCrashLooping}", crash))
        #expect(try await !fires("{alert_name: KubePod}", crash))
        #expect(try await !fires("{}", alert("X", status: "resolved")))
        #expect(try await fires("{status: resolved}", alert("X", status: "resolved")))
        #expect(try await fires("{status: all}", alert("X", status: "resolved")))
        #expect(try await fires("{pod_name_prefix: web, namespace_prefix: pro, instance_name_prefix: \"10.\"}", crash))
        #expect(try await !fires("{pod_name_prefix: db}", crash))
        #expect(try await !fires("{namespace_prefix: dev}", crash))
        #expect(try await !fires("{pod_name_prefix: web}", alert("X")))
        #expect(try await !fires("{k8s_providers: [GKE]}", crash))
        #expect(try await fires("{k8s_providers: [unknown]}", crash))
        #expect(try await fires("{k8s_providers: [gke]}", crash, provider: "GKE"))
    }

    @Test func alertsAreDeduplicatedOnFingerprintStatusAndTimesWithinTheTTL() async throws {
        let clock = TestClock()
        let engine = try EngineHarness.engine(
            "- triggers: [{on_prometheus_alert: {status: all}}]\n  actions: [{record: {tag: t}}]", clock: clock)
        #expect(!(await engine.handle(alert("A", fingerprint: "f1"))).duplicate)
        let again = await engine.handle(alert("A", fingerprint: "f1"))
        #expect(again.duplicate)
        #expect(again.actions.isEmpty)
        #expect(!(await engine.handle(alert("A", status: "resolved", fingerprint: "f1"))).duplicate)
        #expect(!(await engine.handle(alert("A", fingerprint: "f1", startsAt: "2026-11-26T11:00:00Z"))).duplicate)
        #expect(!(await engine.handle(alert("A", fingerprint: "f2"))).duplicate)
        clock.advance(7200)
        #expect(!(await engine.handle(alert("A", fingerprint: "f1"))).duplicate)
    }

    @Test func duplicatesInsideOneWebhookAreDropped() async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: t}}]")
        let one = alert("A", fingerprint: "same")
        let webhook = AlertmanagerWebhook(
            receiver: "r", status: "firing", externalURL: "", groupKey: "g", version: "4",
            alerts: [one, one, alert("B", fingerprint: "other")],
            commonLabels: [:], commonAnnotations: [:], groupLabels: [:])
        let reports = await engine.handle(webhook)
        #expect(reports.map(\.duplicate) == [false, true, false])
        #expect(reports.map(\.summary) == ["alert A firing", "alert A firing", "alert B firing"])
    }

    @Test func alertsResolveTheirObjectsFromLabelsAndFromEarlierInputs() async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: t}}]")
        let seen = object("Pod", "web-1", namespace: "shop", labels: ["app": "web"], ["spec": ["nodeName": "node-a"]])
        _ = await engine.handle(KubernetesChange(operation: .create, kind: "Pod", object: seen))
        let node = object("Node", "node-a", namespace: nil, ["status": ["addresses": [["type": "InternalIP", "address": "10.1.2.3"]]]])
        _ = await engine.handle(KubernetesChange(operation: .create, kind: "Node", object: node))

        let resources = AlertResources.resolve(
            alert("A", labels: ["pod": "web-1", "namespace": "shop", "instance": "10.1.2.3:9100", "deployment": "kube-state-metrics"]),
            store: engine.objects)
        #expect(resources["Pod"] == seen)
        #expect(resources["Node"] == node)
        #expect(resources["Deployment"] == nil)
        let event = PrometheusKubernetesAlertInstance(alert: alert("A"), resources: resources)
        #expect(event.resource == node)  // Node ranks above Pod as the subject, as in Robusta.

        let unseen = AlertResources.resolve(alert("B", labels: ["statefulset": "db", "job_name": "backup"]), store: engine.objects)
        #expect(unseen["StatefulSet"] == object("StatefulSet", "db", namespace: "default").withAPIVersion("apps/v1").withoutLabels)
        #expect(unseen["Job"]?.name == "backup")
        #expect(unseen["Job"]?.namespace == "default")
        // An instance that is an address no known node has stays unresolved; the kube-state-metrics
        // scrape job's instance is never a node.
        #expect(AlertResources.resolve(alert("C", labels: ["instance": "10.9.9.9:9100"]), store: engine.objects)["Node"] == nil)
        #expect(
            AlertResources.resolve(alert("C", labels: ["instance": "n2", "job": "kube-state-metrics"]), store: engine.objects)["Node"]
                == nil)
        #expect(AlertResources.resolve(alert("C", labels: ["node": "n2"]), store: engine.objects)["Node"]?.name == "n2")

        _ = await engine.handle(KubernetesChange(operation: .delete, kind: "Pod", object: seen))
        #expect(engine.objects.object(kind: "Pod", namespace: "shop", name: "web-1") == nil)
    }

    @Test func helmAlertRelabelIsTheRunnersAlertRelabel() async throws {
        let engine = try EngineHarness.engine(
            """
            alertRelabel:
              - {source: pod_name, target: pod}
            customPlaybooks:
              - triggers: [{on_prometheus_alert: {pod_name_prefix: web}}]
                actions: [{record: {tag: t}}]
            """)
        #expect(engine.config.alertRelabel == [.init(source: "pod_name", target: "pod", replace: false)])
        #expect(!(await engine.handle(alert("A", labels: ["pod_name": "web-1"]))).playbooks.isEmpty)
    }

    @Test func alertRelabelRulesApplyBeforeTriggers() async throws {
        let engine = try EngineHarness.engine(
            """
            alert_relabel:
              - {source: pod_name, target: pod, operation: replace}
            active_playbooks:
              - triggers: [{on_prometheus_alert: {pod_name_prefix: web}}]
                actions: [{record: {tag: t}}]
            """)
        let webhook = AlertmanagerWebhook(
            receiver: "r", status: "firing", externalURL: "", groupKey: "g", version: "4",
            alerts: [alert("A", labels: ["pod_name": "web-1"])],
            commonLabels: [:], commonAnnotations: [:], groupLabels: [:])
        #expect((await engine.handle(webhook)).first?.playbooks.count == 1)
    }
}

extension KubernetesObject {
    func withAPIVersion(_ version: String) -> KubernetesObject {
        guard case .object(var members) = json else { return self }
        members["apiVersion"] = .string(version)
        return KubernetesObject(json: .object(members))
    }

    var withoutLabels: KubernetesObject {
        guard case .object(var members) = json, case .object(var metadata)? = members["metadata"] else { return self }
        metadata["labels"] = nil
        members["metadata"] = .object(metadata)
        return KubernetesObject(json: .object(members))
    }
}

@Suite struct EngineSinkTests {
    /// A config's sinks, built by `SinkFactory`, get an event's findings after its last playbook,
    /// through each sink's scope, over a real HTTP receiver and a real file.
    @Test func findingsReachTheWebhookAndFileSinksTheyAreRoutedTo() async throws {
        let server = try await HTTPReceiver.start()
        let file = FileManager.default.temporaryDirectory.appending(path: "findings-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let schema = try PlaybookConfig.schema()
        let config = try PlaybookConfig.load(
            text: """
                sinks_config:
                  - webhook_sink:
                      name: hook
                      url: "\(server.url.absoluteString)"
                      format: json
                      scope:
                        include: [{severity: HIGH}]
                  - file_sink:
                      name: all
                      file_name: "\(file.path)"
                active_playbooks:
                  - triggers: [{on_pod_update: {}}]
                    actions:
                      - create_finding: {title: "low $name", aggregation_key: a, severity: LOW}
                      - create_finding: {title: "high $name", aggregation_key: b, severity: HIGH}
                """, file: "sinks.yaml", schema: schema)
        var sinks: [String: any FindingSink] = [:]
        for configuration in config.sinks {
            let sink: any FindingSink = try #require(
                try SinkFactory(builders: [.webhook]).make(configuration, console: ConsoleCapture().output))
            sinks[configuration.name] = sink
        }
        let engine = try PlaybookEngine(config: config, actions: BuiltinActionImplementations().registrations, sinks: sinks)
        let report = await engine.handle(update(object("Pod", "web-1"), object("Pod", "web-1")))
        await engine.flushSinks()
        #expect(report.findings.map(\.finding.title) == ["high web-1", "low web-1"])
        #expect(report.findings.map(\.sinks) == [["hook", "all"], ["all"]])
        await server.stop()
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.text == report.findings[0].finding.jsonValue.serialized())
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines == report.findings.map { $0.finding.jsonValue.serialized() })
    }
}

@Suite struct TriggerScopeTests {
    @Test func kubernetesTriggerScopeOverNameLabelsAndAttributes() async throws {
        func fires(_ scope: String, _ change: KubernetesChange) async throws -> Bool {
            let engine = try EngineHarness.engine("- triggers: [{on_pod_update: {scope: \(scope)}}]\n  actions: [{record: {tag: t}}]")
            return !(await engine.handle(change)).playbooks.isEmpty
        }
        let pod = object("Pod", "web-1", namespace: "shop", labels: ["app": "web"], ["spec": ["containers": [["name": "nginx"]]]])
        let change = update(pod, pod)
        #expect(try await fires("{include: [{name: \"web-.*\"}]}", change))
        #expect(try await !fires("{include: [{name: web}]}", change))  // a full match, not a prefix
        #expect(try await fires("{include: [{name: db, namespace: shop}, {labels: \"app=web\"}]}", change))
        #expect(try await !fires("{include: [{name: \"web-.*\", namespace: prod}]}", change))
        #expect(try await !fires("{exclude: [{labels: \"app=web\"}]}", change))
        #expect(try await fires("{exclude: [{labels: \"app!=web\"}]}", change))
        #expect(try await fires("{include: [{attributes: \"spec.containers[0].name=NGINX\"}]}", change))
        #expect(try await !fires("{include: [{attributes: \"spec.containers[0].name=envoy\"}]}", change))
        // A cluster-scoped object has no namespace attribute: the entry does not match.
        let node = object("Node", "n1", namespace: nil)
        let engine = try EngineHarness.engine(
            "- triggers: [{on_node_update: {scope: {include: [{namespace: \".*\"}]}}}]\n  actions: [{record: {tag: t}}]")
        #expect((await engine.handle(update(node, node))).playbooks.isEmpty)
    }
}
