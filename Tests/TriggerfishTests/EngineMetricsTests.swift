import MetricsTestKit
import Testing
import TriggerfishTesting

@testable import Triggerfish

/// What the engine counts through swift-metrics, read back from a test factory.
@Suite struct EngineMetricsTests {
    @Test func eventsPlaybooksActionsErrorsAndFindingsAreCounted() async throws {
        let metrics = TestMetrics()
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", EngineHarness.actionDeclarations)])
        let config = try PlaybookConfig.load(
            text: """
                sinks_config:
                  - file_sink: {name: out}
                active_playbooks:
                  - name: pods
                    triggers: [{on_pod_update: {}}]
                    actions: [{record: {tag: a}}, {explode: {}}, {create_finding: {title: seen, aggregation_key: seen}}]
                  - name: alerts
                    triggers: [{on_prometheus_alert: {}}]
                    actions: [{record: {tag: b}}]
                """, file: "metrics.yaml", schema: schema)
        let engine = try PlaybookEngine(
            config: config, actions: BuiltinActionImplementations().registrations + EngineHarness.registrations,
            options: .init(metrics: metrics))
        let pod = object("Pod", "web-1")
        _ = await engine.handle(update(pod, pod))
        _ = await engine.handle(update(pod, pod))
        _ = await engine.handle(alert("Boom"))
        _ = await engine.handle(alert("Boom"))  // a duplicate: not handled again

        #expect(try metrics.expectCounter("triggerfish_events_handled_total", [("source", "kubernetes")]).totalValue == 2)
        #expect(try metrics.expectCounter("triggerfish_events_handled_total", [("source", "alert")]).totalValue == 1)
        #expect(try metrics.expectCounter("triggerfish_playbook_fires_total", [("playbook", "pods")]).totalValue == 2)
        #expect(try metrics.expectCounter("triggerfish_playbook_fires_total", [("playbook", "alerts")]).totalValue == 1)
        #expect(try metrics.expectCounter("triggerfish_action_runs_total", [("action", "record")]).totalValue == 3)
        #expect(try metrics.expectCounter("triggerfish_action_runs_total", [("action", "explode")]).totalValue == 2)
        #expect(try metrics.expectTimer("triggerfish_action_duration_seconds", [("action", "record")]).values.count == 3)
        #expect(
            try metrics.expectCounter("triggerfish_action_errors_total", [("action", "explode"), ("code", "failed")]).totalValue == 2)
        #expect(throws: (any Error).self) {
            try metrics.expectCounter("triggerfish_action_errors_total", [("action", "record"), ("code", "failed")])
        }
        #expect(try metrics.expectCounter("triggerfish_findings_total", [("sink", "out")]).totalValue == 2)
    }
}
