import Foundation
import Testing
import _TriggerfishCore
import _TriggerfishFileIO

@testable import Triggerfish

/// `Schema.isCompatible` decides compatibility everywhere (the validator, the docs); the Swift type
/// system must give the same answer for every generated trigger and action.
@Suite struct CompatibilityTests {
    let registrations = BuiltinActionImplementations().registrations
    let schema = SchemaLoader.load(files: SchemaSource.files.map { ("schema/" + $0.name, $0.text) }).schema

    @Test func schemaAgreesWithTypeSystemForEveryTriggerAndAction() throws {
        let schema = try #require(schema)
        let keys = TriggerCatalog.all.map { $0.key }
        #expect(keys == schema.triggers.map(\.key))
        #expect(Set(registrations.map(\.name)) == Set(schema.actions.map(\.name)))
        for trigger in TriggerCatalog.all {
            let key = trigger.key
            let eventType = trigger.eventType
            guard let definition = schema.trigger(named: key) else { continue }
            for action in registrations {
                guard let actionDefinition = schema.action(named: action.name) else { continue }
                let rule = schema.isCompatible(trigger: definition, action: actionDefinition)
                let typeSystem = action.accepts(eventType)
                #expect(rule == typeSystem, "\(key) -> \(action.name): schema \(rule), Swift \(typeSystem)")
            }
        }
    }

    @Test func manualActionsAreRobustasManualColumn() throws {
        let schema = try #require(schema)
        // Robusta's "M" column (reference §1(i)): every action whose event can be built by hand.
        #expect(
            Set(schema.actions.filter(schema.isManuallyTriggerable).map(\.name)) == [
                "cleanup_robusta_pods", "cpu_throttling_analysis_enricher", "create_finding", "customise_finding",
                "daemonset_misscheduled_analysis_enricher", "daemonset_status_enricher", "deployment_events_enricher", "echo",
                "enrich_pod_with_node_events", "external_video_enricher", "fail_krr_scan", "image_pull_backoff_reporter",
                "job_events_enricher", "job_info_enricher", "job_pod_enricher", "krr_scan", "logs_enricher",
                "node_allocatable_resources_enricher", "node_cpu_enricher", "node_disk_analyzer", "node_pods_capacity_enricher",
                "node_running_pods_enricher", "node_status_enricher", "pod_events_enricher", "pod_evicted_enricher",
                "pod_issue_investigator", "pod_oom_killer_enricher", "related_pods", "report_crash_loop", "resource_events_enricher",
                "status_enricher", "template_enricher",
                // The remediations, triggered by hand in Robusta too.
                "cordon", "delete_job", "delete_pod", "drain", "get_resource_yaml", "rollout_restart", "uncordon",
            ])
    }

    @Test func moduleWasGeneratedFromTheSchemaInTheRepository() throws {
        let schemaDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("schema")
        let files = try TextFiles.schemaFiles(in: schemaDirectory.path)
        #expect(files.map { ($0.path as NSString).lastPathComponent } == SchemaSource.files.map(\.name))
        for (file, embedded) in zip(files, SchemaSource.files) {
            #expect(file.text == embedded.text, "\(embedded.name) differs from the schema the module was generated from")
        }
    }

    @Test func robustaMatrixFacts() throws {
        // From Robusta's own ExamplesGenerator (reference §1(d)).
        let schema = try #require(schema)
        func compatible(_ trigger: String, _ event: String) -> Bool {
            schema.trigger(named: trigger).map { schema.selfAndAncestors(of: $0.event).contains(event) } ?? false
        }
        let all = schema.triggers.map(\.key)
        #expect(all.filter { compatible($0, "ExecutionBaseEvent") }.count == all.count)
        #expect(all.filter { compatible($0, "PrometheusKubernetesAlert") } == ["on_prometheus_alert"])
        #expect(
            Set(all.filter { compatible($0, "PodEvent") })
                == [
                    "on_pod_create", "on_pod_update", "on_pod_delete", "on_pod_all_changes", "on_pod_crash_loop", "on_image_pull_backoff",
                    "on_pod_oom_killed", "on_container_oom_killed", "on_pod_evicted", "on_prometheus_alert",
                ])
        #expect(all.filter { compatible($0, "KubernetesResourceEvent") }.count == 91)
        #expect(all.filter { compatible($0, "KubernetesAnyChangeEvent") }.count == 95)
        #expect(!compatible("on_kubernetes_any_resource_update", "KubernetesResourceEvent"))
        #expect(!compatible("on_kubernetes_resource_operation", "KubernetesResourceEvent"))
        #expect(
            Set(all.filter { compatible($0, "NodeChangeEvent") }) == [
                "on_node_create", "on_node_update", "on_node_delete", "on_node_all_changes",
            ])
        #expect(all.filter { compatible($0, "ScheduledExecutionEvent") } == ["on_schedule"])
    }
}
