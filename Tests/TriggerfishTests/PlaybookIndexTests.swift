import Foundation
import Testing

@testable import Triggerfish

/// The compiled index on its own: given a config, which playbooks are candidates for an input.
@Suite struct PlaybookIndexTests {
    func index(_ yaml: String, defaultSinks: [String] = ["main"]) throws -> PlaybookIndex {
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", EngineHarness.actionDeclarations)])
        let config = try PlaybookConfig.load(text: yaml, file: "test.yaml", schema: schema)
        return try PlaybookIndex(playbooks: config.playbooks, defaultSinks: defaultSinks)
    }

    func change(_ operation: KubernetesOperation, _ kind: String) -> KubernetesChange {
        KubernetesChange(operation: operation, kind: kind, object: object(kind, "x"))
    }

    @Test func aKindTriggerIsACandidateForItsKindAndOperationOnly() throws {
        let index = try index(
            """
            - triggers: [{on_pod_create: {}}]
              actions: [{record: {tag: create}}]
            - triggers: [{on_pod_all_changes: {}}]
              actions: [{record: {tag: all}}]
            - triggers: [{on_deployment_update: {}}]
              actions: [{record: {tag: deployment}}]
            """)
        #expect(index.candidates(for: change(.create, "Pod")) == [0, 1])
        #expect(index.candidates(for: change(.update, "Pod")) == [1])
        #expect(index.candidates(for: change(.delete, "Pod")) == [1])
        #expect(index.candidates(for: change(.update, "Deployment")) == [2])
        #expect(index.candidates(for: change(.create, "Deployment")) == [])
        #expect(index.candidates(for: change(.update, "Widget")) == [])
    }

    @Test func anyResourceTriggersAreCandidatesForEveryKindKnownOrNot() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            - triggers: [{on_kubernetes_any_resource_update: {}}]
              actions: [{record: {tag: any}}]
            """)
        #expect(index.candidates(for: change(.update, "Pod")) == [0, 1])
        #expect(index.candidates(for: change(.update, "Deployment")) == [1])
        #expect(index.candidates(for: change(.update, "Widget")) == [1])
        #expect(index.candidates(for: change(.create, "Widget")) == [])
    }

    @Test func candidatesAreInConfigOrderAndEachPlaybookOnce() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}, {on_pod_all_changes: {}}, {on_kubernetes_any_resource_update: {}}]
              actions: [{record: {tag: first}}]
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 60}}}]
              actions: [{record: {tag: scheduled}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: third}}]
            """)
        #expect(index.candidates(for: change(.update, "Pod")) == [0, 2])
        #expect(index.runnables.count == 3)
        #expect(
            index.runnables[0].kubernetesTriggers.map(\.key) == [
                "on_pod_update", "on_pod_all_changes", "on_kubernetes_any_resource_update",
            ])
    }

    @Test func manyPlaybooksAreFoundThroughTheIndexNotByScanning() throws {
        var yaml = ""
        for index in 0..<500 { yaml += "- triggers: [{on_deployment_update: {name_prefix: d\(index)}}]\n  actions: [{record: {tag: t}}]\n" }
        yaml += "- triggers: [{on_pod_create: {}}]\n  actions: [{record: {tag: pod}}]\n"
        yaml += "- triggers: [{on_kubernetes_any_resource_all_changes: {}}]\n  actions: [{record: {tag: any}}]\n"
        yaml += "- triggers: [{on_prometheus_alert: {alert_name: A}}]\n  actions: [{record: {tag: a}}]\n"
        yaml += "- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: all}}]\n"
        let index = try index(yaml)
        #expect(index.candidates(for: change(.create, "Pod")) == [500, 501])
        #expect(index.candidates(for: change(.update, "Pod")) == [501])
        #expect(index.candidates(for: change(.update, "Widget")) == [501])
        #expect(index.candidates(for: change(.update, "Deployment")).count == 501)
        #expect(index.alertIndex["A"] == [502])
        #expect(index.anyAlert == [503])
    }

    @Test func alertPlaybooksAreFoundByAlertNameAndThoseWithoutOneTakeEveryAlert() throws {
        let index = try index(
            """
            - triggers: [{on_prometheus_alert: {}}]
              actions: [{record: {tag: every}}]
            - triggers: [{on_prometheus_alert: {alert_name: KubePodCrashLooping}}, {on_prometheus_alert: {alert_name: Other}}]
              actions: [{record: {tag: named}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            - triggers: [{on_prometheus_alert: {alert_name: KubePodCrashLooping}}]
              actions: [{record: {tag: again}}]
            """)
        #expect(index.hasAlertPlaybooks)
        #expect(index.candidates(forAlertNamed: "KubePodCrashLooping") == [0, 1, 3])
        #expect(index.candidates(forAlertNamed: "Other") == [0, 1])
        #expect(index.candidates(forAlertNamed: "Unheard") == [0])
        #expect(index.runnables[1].alertTriggers.count == 2)
        #expect(index.candidates(for: change(.update, "Pod")) == [2])
    }

    @Test func withoutAlertPlaybooksObjectsNeedNotBeKept() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            """)
        #expect(!index.hasAlertPlaybooks)
        #expect(index.candidates(forAlertNamed: "Any") == [])
    }

    @Test func scheduledPlaybooksAreNoInputsCandidates() throws {
        let index = try index(
            """
            - name: tick
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{record: {tag: tick}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            """)
        #expect(index.scheduledPlaybooks.map(\.displayName) == ["tick"])
        #expect(index.candidates(for: change(.update, "Pod")) == [1])
    }

    @Test func aPlaybookWithoutSinksGoesToTheDefaultSinks() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: a}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: b}}]
              sinks: [audit, pager]
            """, defaultSinks: ["main", "slack"])
        #expect(index.runnables.map(\.sinks) == [["main", "slack"], ["audit", "pager"]])
    }

    @Test func smartTriggersAreCompiledWithTheirConditionOthersWithout() throws {
        let index = try index(
            """
            - triggers: [{on_pod_crash_loop: {restart_count: 3}}, {on_pod_update: {}}]
              actions: [{record: {tag: a}}]
            - triggers: [{on_kubernetes_resource_operation: {resources: [deployment]}}]
              actions: [{record: {tag: b}}]
            """)
        #expect(index.runnables[0].kubernetesTriggers.map { $0.condition != nil } == [true, false])
        #expect(index.runnables[1].kubernetesTriggers[0].condition?.changeFilters != nil)
    }
}
