import Foundation
import Testing
import TriggerfishTestSupport

@testable import Triggerfish

/// Robusta's recorded inputs through the decoder and parser the runtime uses, and its scope table.
enum InputConformance {
    static func decode(_ name: String) throws -> RecordedInput {
        try RobustaFixtures.folder.bytes(name).withUnsafeBytes { try InputDecoder.decode($0) }
    }

    static func change(_ name: String) throws -> KubernetesChange {
        let input = try decode(name)
        guard case .kubernetes(let change) = input else { throw InputError(message: "\(name) is no kubewatch CloudEvent: \(input)") }
        return change
    }

    static func webhook(_ name: String) throws -> AlertmanagerWebhook {
        let input = try decode(name)
        guard case .alerts(let webhook) = input else { throw InputError(message: "\(name) is no Alertmanager webhook: \(input)") }
        return webhook
    }

    static func kubewatchInputs() throws {
        let deployment = try change("kubewatch_cloudevent_deployment_update.json")
        #expect(deployment.operation == .update)
        #expect(deployment.kind == "Deployment")
        #expect(deployment.apiVersion == "apps/v1")
        #expect(deployment.object.kind == "Deployment")
        #expect(deployment.object.name == "xxx-deployment")
        #expect(deployment.object.namespace == "default")
        #expect(deployment.object.labels == ["app": "xxx"])
        #expect(deployment.object.json.value(atPath: "metadata.resourceVersion") == "124")
        #expect(deployment.object.json.value(atPath: "spec.template.spec.containers[0].image") == "aaa/xxxtest:2")
        let old = try #require(deployment.oldObject)
        #expect(old.name == "xxx-deployment")
        #expect(old.json.value(atPath: "metadata.resourceVersion") == "123")
        #expect(old.json.value(atPath: "spec.template.spec.containers[0].image") == "aaa/xxxtest:1")
        #expect(old.json == (try JSONValue.parse(RobustaFixtures.folder.bytes("k8s_deployment_object.json"))))

        let pod = try change("kubewatch_cloudevent_pod_crashloop_update.json")
        #expect(pod.operation == .update)
        #expect(pod.kind == "Pod")
        #expect(pod.apiVersion == "v1")
        #expect(pod.object.name == "web-7c9b9f8d5-abcde")
        #expect(pod.object.namespace == "default")
        #expect(pod.object.labels == ["app": "web", "pod-template-hash": "7c9b9f8d5"])
        #expect(pod.object.json.value(atPath: "status.containerStatuses[0].restartCount") == 3)
        #expect(pod.object.json.value(atPath: "status.containerStatuses[0].state.waiting.reason") == "CrashLoopBackOff")
        #expect(pod.oldObject?.json.value(atPath: "status.containerStatuses[0].restartCount") == 2)

        let event = try change("kubewatch_cloudevent_warning_event_create.json")
        #expect(event.operation == .create)
        #expect(event.kind == "Event")
        #expect(event.apiVersion == "events.k8s.io/v1")
        #expect(event.object.name == "web-7c9b9f8d5-abcde.17c9a1b2c3d4e5f6")
        #expect(event.object.namespace == "default")
        #expect(event.object.json["eventTime"] == .null)
        #expect(event.object.json["type"] == "Warning")
        #expect(event.object.json["reason"] == "BackOff")
        #expect(event.object.json.value(atPath: "regarding.name") == "web-7c9b9f8d5-abcde")
        #expect(event.oldObject == nil)  // "oldObj": null
    }

    static func alertmanagerInputs() throws {
        // Whole bodies compared, so every field the decoder reads is checked (missing maps are empty).
        let gmp = PrometheusAlert(
            status: "firing",
            labels: [
                "cluster_name": "external", "cluster": "external", "alertname": "GMP_WebhookTest", "severity": "warning",
                "namespace": "gmp-public", "source": "gmp-managed-alertmanager",
            ],
            annotations: [
                "summary": "GMP Webhook Test Alert",
                "description": "If you see this in Robusta, the webhook URL and credentials are working correctly!",
            ],
            startsAt: "2026-01-13T13:30:50Z", endsAt: "1970-01-01T00:00:00Z", generatorURL: "https://console.cloud.google.com/monitoring",
            fingerprint: "gmp-test-alert-12345")
        #expect(
            try webhook("alertmanager_webhook_gmp_doc.json")
                == AlertmanagerWebhook(
                    receiver: "robusta", status: "firing", externalURL: "https://console.cloud.google.com/monitoring",
                    groupKey: "gmp/test-alert:gmp-webhook-test-001", version: "1", alerts: [gmp]))

        // The node alert's labels and annotations are the group's common ones.
        let labels = ["alertname": "KubeNodeUnschedulable", "node": "ip-10-0-1-17.ec2.internal", "severity": "warning"]
        let annotations = [
            "summary": "Node is unschedulable.", "description": "ip-10-0-1-17.ec2.internal is unschedulable for more than 15 minutes.",
        ]
        let unschedulable = PrometheusAlert(
            status: "firing", labels: labels, annotations: annotations, startsAt: "2026-08-03T10:00:00Z", endsAt: "0001-01-01T00:00:00Z",
            generatorURL: "http://prometheus/graph?g0.expr=kube_node_spec_unschedulable+%3D%3D+1", fingerprint: "abcdef0123456789")
        #expect(
            try webhook("alertmanager_webhook_node_cordoned.json")
                == AlertmanagerWebhook(
                    receiver: "robusta", status: "firing", externalURL: "http://alertmanager.monitoring:9093",
                    groupKey: #"{}:{alertname="KubeNodeUnschedulable"}"#, version: "4", alerts: [unschedulable], commonLabels: labels,
                    commonAnnotations: annotations, groupLabels: ["alertname": "KubeNodeUnschedulable"]))

        let simulated = try webhook("alertmanager_webhook_simulated_pod_alert.json")
        #expect(simulated.receiver == "robusta receiver")
        #expect(simulated.externalURL == "")
        #expect(simulated.groupKey == "{}/{}:{}")
        #expect(simulated.commonLabels == [:])  // null
        #expect(simulated.commonAnnotations == [:])
        #expect(simulated.groupLabels == [:])
        #expect(simulated.alerts.count == 1)
        let alert = try #require(simulated.alerts.first)
        #expect(alert.name == "KubePodCrashLooping")
        #expect(alert.labels["pod"] == "web-7c9b9f8d5-abcde")
        #expect(alert.labels["deployment"] == "web")
        #expect(alert.labels["severity"] == "error")
        #expect(alert.annotations == ["description": "simulated prometheus alert", "summary": "KubePodCrashLooping", "runbook_url": ""])
        #expect(alert.fingerprint == "qwertyui")
        #expect(alert.startsAt == "2024-05-01T12:00:00+00:00")
    }

    /// Robusta's JSON fixtures, by name; the check fails, saying why, when there is none.
    static func jsonFixtures() throws -> [(name: String, bytes: [UInt8])] {
        let names = RobustaFixtures.folder.names(withSuffix: ".json")
        try #require(!names.isEmpty, "no JSON fixtures in \(RobustaFixtures.folder.url.path)")
        return try names.map { ($0, try RobustaFixtures.folder.bytes($0)) }
    }

    /// The two fixtures that are no runner input (a bare object, a manual trigger body) say so.
    static func everyInputDecodesOrSaysWhy() throws {
        var kinds: [String: String] = [:]
        for fixture in try jsonFixtures() {
            do {
                switch try fixture.bytes.withUnsafeBytes({ try InputDecoder.decode($0) }) {
                case .kubernetes(let change): kinds[fixture.name] = "kubernetes \(change.operation) \(change.kind)"
                case .alerts(let webhook): kinds[fixture.name] = "alerts \(webhook.alerts.count)"
                }
            } catch {
                kinds[fixture.name] = "rejected: \(error)"
            }
        }
        let shape =
            "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver')"
        #expect(
            kinds == [
                "alertmanager_webhook_gmp_doc.json": "alerts 1",
                "alertmanager_webhook_node_cordoned.json": "alerts 1",
                "alertmanager_webhook_simulated_pod_alert.json": "alerts 1",
                "k8s_deployment_object.json":
                    "rejected: \(shape); found an object with keys 'apiVersion', 'kind', 'metadata', 'spec', 'status'",
                "kubewatch_cloudevent_deployment_update.json": "kubernetes update Deployment",
                "kubewatch_cloudevent_pod_crashloop_update.json": "kubernetes update Pod",
                "kubewatch_cloudevent_warning_event_create.json": "kubernetes create Event",
                "manual_trigger_request_doc.json": "rejected: \(shape); found an object with keys 'action_name', 'action_params'",
            ])
    }

    static func inputsParseAsFoundationDoes() throws {
        for fixture in try jsonFixtures() {
            let foundation = try JSONSerialization.jsonObject(with: Data(fixture.bytes), options: [.fragmentsAllowed])
            #expect(try JSONValue.parse(fixture.bytes) == JSONValue(foundation: foundation), "\(fixture.name)")
        }
    }

    /// Robusta's `tests/scope_test_config.yaml`, every case, as sink scopes decide them.
    static func scopeTable() throws {
        let name = "scope_test_config.yaml"
        let table = try ScopeTable(text: RobustaFixtures.folder.text(name), file: name)
        #expect(table.cases.count == 46)
        #expect(try table.failures() == [])
    }
}
