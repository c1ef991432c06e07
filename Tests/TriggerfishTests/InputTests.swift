import Foundation
import Testing

@testable import Triggerfish

@Suite struct InputTests {
    func decodeFixture(_ name: String) throws -> RecordedInput {
        let bytes = try RobustaInputFixtures.bytes(name)
        return try bytes.withUnsafeBytes { buffer in try InputDecoder.decode(buffer) }
    }

    func change(_ name: String) throws -> KubernetesChange {
        guard case .kubernetes(let change) = try decodeFixture(name) else {
            Issue.record("\(name) did not decode as a kubewatch CloudEvent")
            throw InputError(message: "wrong shape")
        }
        return change
    }

    func webhook(_ name: String) throws -> AlertmanagerWebhook {
        guard case .alerts(let webhook) = try decodeFixture(name) else {
            Issue.record("\(name) did not decode as an Alertmanager webhook")
            throw InputError(message: "wrong shape")
        }
        return webhook
    }

    /// The message decoding `text` fails with, or `nil` when it decodes.
    func failure(_ text: String) -> String? {
        do {
            _ = try InputDecoder.decode(text)
            return nil
        } catch {
            return error.message
        }
    }

    // MARK: Fixtures

    @Test func deploymentUpdate() throws {
        let change = try change("kubewatch_cloudevent_deployment_update.json")
        #expect(change.operation == .update)
        #expect(change.kind == "Deployment")
        #expect(change.apiVersion == "apps/v1")
        #expect(change.object.kind == "Deployment")
        #expect(change.object.name == "xxx-deployment")
        #expect(change.object.namespace == "default")
        #expect(change.object.labels == ["app": "xxx"])
        #expect(change.object.json.value(atPath: "metadata.resourceVersion") == "124")
        #expect(change.object.json.value(atPath: "spec.template.spec.containers[0].image") == "aaa/xxxtest:2")
        let old = try #require(change.oldObject)
        #expect(old.name == "xxx-deployment")
        #expect(old.json.value(atPath: "metadata.resourceVersion") == "123")
        #expect(old.json.value(atPath: "spec.template.spec.containers[0].image") == "aaa/xxxtest:1")
        #expect(old.json == (try JSONValue.parse(RobustaInputFixtures.bytes("k8s_deployment_object.json"))))
    }

    @Test func podCrashLoopUpdate() throws {
        let change = try change("kubewatch_cloudevent_pod_crashloop_update.json")
        #expect(change.operation == .update)
        #expect(change.kind == "Pod")
        #expect(change.apiVersion == "v1")
        #expect(change.object.name == "web-7c9b9f8d5-abcde")
        #expect(change.object.namespace == "default")
        #expect(change.object.labels == ["app": "web", "pod-template-hash": "7c9b9f8d5"])
        #expect(change.object.json.value(atPath: "status.containerStatuses[0].restartCount") == 3)
        #expect(change.object.json.value(atPath: "status.containerStatuses[0].state.waiting.reason") == "CrashLoopBackOff")
        #expect(change.oldObject?.json.value(atPath: "status.containerStatuses[0].restartCount") == 2)
    }

    @Test func warningEventCreate() throws {
        let change = try change("kubewatch_cloudevent_warning_event_create.json")
        #expect(change.operation == .create)
        #expect(change.kind == "Event")
        #expect(change.apiVersion == "events.k8s.io/v1")
        #expect(change.object.name == "web-7c9b9f8d5-abcde.17c9a1b2c3d4e5f6")
        #expect(change.object.namespace == "default")
        #expect(change.object.json["eventTime"] == .null)
        #expect(change.object.json["type"] == "Warning")
        #expect(change.object.json["reason"] == "BackOff")
        #expect(change.object.json.value(atPath: "regarding.name") == "web-7c9b9f8d5-abcde")
        #expect(change.oldObject == nil)  // "oldObj": null
    }

    @Test func gmpTestAlert() throws {
        let webhook = try webhook("alertmanager_webhook_gmp_doc.json")
        #expect(webhook.receiver == "robusta")
        #expect(webhook.status == "firing")
        #expect(webhook.externalURL == "https://console.cloud.google.com/monitoring")
        #expect(webhook.groupKey == "gmp/test-alert:gmp-webhook-test-001")
        #expect(webhook.version == "1")
        #expect(webhook.commonLabels == [:])
        #expect(webhook.commonAnnotations == [:])
        #expect(webhook.groupLabels == [:])
        #expect(webhook.alerts.count == 1)
        let alert = try #require(webhook.alerts.first)
        #expect(alert.name == "GMP_WebhookTest")
        #expect(alert.status == "firing")
        #expect(
            alert.labels == [
                "cluster_name": "external", "cluster": "external", "alertname": "GMP_WebhookTest", "severity": "warning",
                "namespace": "gmp-public", "source": "gmp-managed-alertmanager",
            ])
        #expect(alert.annotations["summary"] == "GMP Webhook Test Alert")
        #expect(alert.startsAt == "2026-01-13T13:30:50Z")
        #expect(alert.endsAt == "1970-01-01T00:00:00Z")
        #expect(alert.generatorURL == "https://console.cloud.google.com/monitoring")
        #expect(alert.fingerprint == "gmp-test-alert-12345")
    }

    @Test func nodeCordonedAlert() throws {
        let webhook = try webhook("alertmanager_webhook_node_cordoned.json")
        #expect(webhook.receiver == "robusta")
        #expect(webhook.version == "4")
        #expect(webhook.externalURL == "http://alertmanager.monitoring:9093")
        #expect(webhook.groupKey == #"{}:{alertname="KubeNodeUnschedulable"}"#)
        #expect(webhook.groupLabels == ["alertname": "KubeNodeUnschedulable"])
        #expect(webhook.commonLabels == ["alertname": "KubeNodeUnschedulable", "node": "ip-10-0-1-17.ec2.internal", "severity": "warning"])
        #expect(webhook.commonAnnotations["summary"] == "Node is unschedulable.")
        let expected = PrometheusAlert(
            status: "firing",
            labels: ["alertname": "KubeNodeUnschedulable", "node": "ip-10-0-1-17.ec2.internal", "severity": "warning"],
            annotations: [
                "summary": "Node is unschedulable.",
                "description": "ip-10-0-1-17.ec2.internal is unschedulable for more than 15 minutes.",
            ],
            startsAt: "2026-08-03T10:00:00Z", endsAt: "0001-01-01T00:00:00Z",
            generatorURL: "http://prometheus/graph?g0.expr=kube_node_spec_unschedulable+%3D%3D+1", fingerprint: "abcdef0123456789")
        #expect(webhook.alerts == [expected])
    }

    @Test func simulatedPodAlertWithNullCommonMaps() throws {
        let webhook = try webhook("alertmanager_webhook_simulated_pod_alert.json")
        #expect(webhook.receiver == "robusta receiver")
        #expect(webhook.externalURL == "")
        #expect(webhook.groupKey == "{}/{}:{}")
        #expect(webhook.commonLabels == [:])  // null
        #expect(webhook.commonAnnotations == [:])
        #expect(webhook.groupLabels == [:])
        #expect(webhook.alerts.count == 1)
        let alert = try #require(webhook.alerts.first)
        #expect(alert.name == "KubePodCrashLooping")
        #expect(alert.labels["pod"] == "web-7c9b9f8d5-abcde")
        #expect(alert.labels["deployment"] == "web")
        #expect(alert.labels["severity"] == "error")
        #expect(alert.annotations == ["description": "simulated prometheus alert", "summary": "KubePodCrashLooping", "runbook_url": ""])
        #expect(alert.fingerprint == "qwertyui")
        #expect(alert.startsAt == "2024-05-01T12:00:00+00:00")
    }

    /// The two fixtures that are no runner input say so.
    @Test func fixturesThatAreNoInputsAreRejected() throws {
        let expected =
            "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver')"
        #expect(throws: InputError(message: "\(expected); found an object with keys 'apiVersion', 'kind', 'metadata', 'spec', 'status'")) {
            try decodeFixture("k8s_deployment_object.json")
        }
        #expect(throws: InputError(message: "\(expected); found an object with keys 'action_name', 'action_params'")) {
            try decodeFixture("manual_trigger_request_doc.json")
        }
    }

    @Test func everyFixtureEitherDecodesOrSaysWhy() throws {
        var kinds: [String: String] = [:]
        for name in RobustaInputFixtures.jsonNames {
            do {
                switch try decodeFixture(name) {
                case .kubernetes(let change): kinds[name] = "kubernetes \(change.operation) \(change.kind)"
                case .alerts(let webhook): kinds[name] = "alerts \(webhook.alerts.count)"
                }
            } catch {
                kinds[name] = "rejected"
            }
        }
        #expect(
            kinds == [
                "alertmanager_webhook_gmp_doc.json": "alerts 1",
                "alertmanager_webhook_node_cordoned.json": "alerts 1",
                "alertmanager_webhook_simulated_pod_alert.json": "alerts 1",
                "k8s_deployment_object.json": "rejected",
                "kubewatch_cloudevent_deployment_update.json": "kubernetes update Deployment",
                "kubewatch_cloudevent_pod_crashloop_update.json": "kubernetes update Pod",
                "kubewatch_cloudevent_warning_event_create.json": "kubernetes create Event",
                "manual_trigger_request_doc.json": "rejected",
            ])
    }

    // MARK: Defaults and shapes

    @Test func kubewatchDefaults() throws {
        let input = try InputDecoder.decode(#"{"data": {"operation": "delete", "kind": "ConfigMap", "obj": {"metadata": {"name": "c"}}}}"#)
        guard case .kubernetes(let change) = input else {
            Issue.record("not a kubewatch event: \(input)")
            return
        }
        #expect(change.operation == .delete)
        #expect(change.kind == "ConfigMap")
        #expect(change.apiVersion == "")
        #expect(change.object.name == "c")
        #expect(change.oldObject == nil)
    }

    @Test func alertmanagerDefaults() throws {
        let body = #"""
            {"receiver": "r", "status": "resolved", "externalURL": "", "groupKey": "g", "version": "4", "truncatedAlerts": 2,
             "alerts": [{"status": "resolved", "extra": [1, 2]}, {"status": "firing", "labels": null, "fingerprint": null}]}
            """#
        let webhook = try InputDecoder.decodeAlertmanager(JSONValue.parse(body))
        #expect(
            webhook
                == AlertmanagerWebhook(
                    receiver: "r", status: "resolved", externalURL: "", groupKey: "g", version: "4",
                    alerts: [PrometheusAlert(status: "resolved", labels: [:]), PrometheusAlert(status: "firing", labels: [:])]))
        let empty = try InputDecoder.decode(#"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "", "version": "4"}"#)
        guard case .alerts(let noAlerts) = empty else {
            Issue.record("not an Alertmanager webhook: \(empty)")
            return
        }
        #expect(noAlerts.alerts == [])
    }

    @Test func dataDecidesOverAlerts() throws {
        let input = try InputDecoder.decode(#"{"alerts": [], "data": {"operation": "create", "kind": "Pod", "obj": {}}}"#)
        guard case .kubernetes = input else {
            Issue.record("an object with 'data' must be a kubewatch event: \(input)")
            return
        }
    }

    @Test func textAndBytesAgree() throws {
        let bytes = try RobustaInputFixtures.bytes("alertmanager_webhook_node_cordoned.json")
        let fromText = try InputDecoder.decode(String(decoding: bytes, as: UTF8.self))
        let fromBytes = try bytes.withUnsafeBytes { try InputDecoder.decode($0) }
        guard case .alerts(let a) = fromText, case .alerts(let b) = fromBytes else {
            Issue.record("not Alertmanager webhooks")
            return
        }
        #expect(a == b)
    }

    // MARK: Errors

    static let expectedShape =
        "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver')"

    static let envelope = #""receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g", "version": "4""#

    static func kubewatch(_ data: String) -> String { #"{"specversion": "1.0", "data": {\#(data)}}"# }

    static func alerts(_ alerts: String) -> String { #"{\#(envelope), "alerts": [\#(alerts)]}"# }

    @Test(arguments: [
        // Not JSON
        ("", "invalid JSON at byte 0: expected a value, found end of input"),
        (#"{"data": }"#, "invalid JSON at byte 9: expected a value, found '}'"),
        (
            #"{"data": {"operation": "create",}}"#,
            "invalid JSON at byte 32: expected a string key after ',', found '}' (trailing commas are not allowed)"
        ),
        // Neither shape
        ("[]", "\(expectedShape); found a list"),
        ("42", "\(expectedShape); found 42"),
        ("null", "\(expectedShape); found null"),
        (#""data""#, "\(expectedShape); found \"data\""),
        ("{}", "\(expectedShape); found an empty object"),
        (
            #"{"g": 1, "f": 2, "e": 3, "d": 4, "c": 5, "b": 6, "a": 7}"#,
            "\(expectedShape); found an object with keys 'a', 'b', 'c', 'd', 'e' and 2 more"
        ),
        // kubewatch
        (#"{"data": []}"#, "kubewatch CloudEvent: data: expected an object; found a list"),
        (#"{"data": null}"#, "kubewatch CloudEvent: data: expected an object; found null"),
        (
            kubewatch(#""kind": "Pod", "obj": {}"#),
            "kubewatch CloudEvent: data.operation: expected a string; found nothing (the field is missing)"
        ),
        (
            kubewatch(#""operation": "unknown", "kind": "Pod", "obj": {}"#),
            #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "unknown""#
        ),
        (
            kubewatch(#""operation": "Updated", "kind": "Pod", "obj": {}"#),
            #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "Updated""#
        ),
        (kubewatch(#""operation": 1, "kind": "Pod", "obj": {}"#), "kubewatch CloudEvent: data.operation: expected a string; found 1"),
        (
            kubewatch(#""operation": "update", "obj": {}"#),
            "kubewatch CloudEvent: data.kind: expected a string; found nothing (the field is missing)"
        ),
        (
            kubewatch(#""operation": "update", "kind": ["Pod"], "obj": {}"#),
            "kubewatch CloudEvent: data.kind: expected a string; found a list"
        ),
        (
            kubewatch(#""operation": "update", "kind": "Pod", "apiVersion": 1, "obj": {}"#),
            "kubewatch CloudEvent: data.apiVersion: expected a string; found 1"
        ),
        (
            kubewatch(#""operation": "update", "kind": "Pod""#),
            "kubewatch CloudEvent: data.obj: expected an object; found nothing (the field is missing)"
        ),
        (
            kubewatch(#""operation": "update", "kind": "Pod", "obj": null"#),
            "kubewatch CloudEvent: data.obj: expected an object; found null"
        ),
        (
            kubewatch(#""operation": "update", "kind": "Pod", "obj": "{}""#),
            #"kubewatch CloudEvent: data.obj: expected an object; found "{}""#
        ),
        (
            kubewatch(#""operation": "update", "kind": "Pod", "obj": {}, "oldObj": []"#),
            "kubewatch CloudEvent: data.oldObj: expected an object or null; found a list"
        ),
        (
            kubewatch(#""operation": "update", "kind": "Pod", "obj": {}, "oldObj": false"#),
            "kubewatch CloudEvent: data.oldObj: expected an object or null; found false"
        ),
        // Alertmanager envelope
        (#"{"alerts": []}"#, "Alertmanager webhook: receiver: expected a string; found nothing (the field is missing)"),
        (
            #"{"receiver": "r", "status": "firing", "externalURL": "", "version": "4"}"#,
            "Alertmanager webhook: groupKey: expected a string; found nothing (the field is missing)"
        ),
        (
            #"{"receiver": "r", "status": null, "externalURL": "", "groupKey": "", "version": "4"}"#,
            "Alertmanager webhook: status: expected a string; found null"
        ),
        (
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "", "version": 4}"#,
            "Alertmanager webhook: version: expected a string; found 4"
        ),
        (#"{\#(envelope), "alerts": {}}"#, "Alertmanager webhook: alerts: expected a list; found an object"),
        (#"{\#(envelope), "commonLabels": []}"#, "Alertmanager webhook: commonLabels: expected an object of strings; found a list"),
        (
            #"{\#(envelope), "groupLabels": {"alertname": 1.5}}"#,
            "Alertmanager webhook: groupLabels.alertname: expected a string; found 1.5"
        ),
        // Alerts
        (alerts(#"{"status": "firing"}, "x""#), #"Alertmanager webhook: alerts[1]: expected an object; found "x""#),
        (alerts(#"{"labels": {}}"#), "Alertmanager webhook: alerts[0].status: expected a string; found nothing (the field is missing)"),
        (alerts(#"{"status": true}"#), "Alertmanager webhook: alerts[0].status: expected a string; found true"),
        (
            alerts(#"{"status": "firing"}, {"status": "firing", "labels": {"alertname": "A", "severity": 3}}"#),
            "Alertmanager webhook: alerts[1].labels.severity: expected a string; found 3"
        ),
        (
            alerts(#"{"status": "firing", "labels": {"z": 1, "b": 2, "a": "ok"}}"#),
            "Alertmanager webhook: alerts[0].labels.b: expected a string; found 2"
        ),
        (
            alerts(#"{"status": "firing", "labels": {"app.kubernetes.io/name": null}}"#),
            #"Alertmanager webhook: alerts[0].labels["app.kubernetes.io/name"]: expected a string; found null"#
        ),
        (
            alerts(#"{"status": "firing", "labels": ["severity"]}"#),
            "Alertmanager webhook: alerts[0].labels: expected an object of strings; found a list"
        ),
        (
            alerts(#"{"status": "firing", "annotations": "summary"}"#),
            #"Alertmanager webhook: alerts[0].annotations: expected an object of strings; found "summary""#
        ),
        (
            alerts(#"{"status": "firing", "annotations": {"summary": {"text": "x"}}}"#),
            "Alertmanager webhook: alerts[0].annotations.summary: expected a string; found an object"
        ),
        (
            alerts(#"{"status": "firing", "startsAt": 1722500000}"#),
            "Alertmanager webhook: alerts[0].startsAt: expected a string; found 1722500000"
        ),
        (alerts(#"{"status": "firing", "fingerprint": 12}"#), "Alertmanager webhook: alerts[0].fingerprint: expected a string; found 12"),
    ])
    func badInputsSayWhatAndWhere(input: String, message: String) {
        #expect(failure(input) == message)
    }

    @Test func foundValuesAreQuotedAndShortened() {
        #expect(
            failure(Self.kubewatch(#""operation": "up\"da\\te\n", "kind": "Pod", "obj": {}"#))
                == #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "up\"da\\te\n""#)
        let long = String(repeating: "x", count: 100)
        #expect(
            failure(Self.kubewatch(#""operation": "\#(long)", "kind": "Pod", "obj": {}"#))
                == #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "\#(String(repeating: "x", count: 60))"..."#
        )
    }

    @Test func directDecodersRejectOtherShapes() {
        #expect(throws: InputError(message: "expected a kubewatch CloudEvent (an object with 'data'); found a list")) {
            try InputDecoder.decodeKubewatch([])
        }
        #expect(throws: InputError(message: "expected an Alertmanager webhook (an object with 'alerts' or 'receiver'); found \"x\"")) {
            try InputDecoder.decodeAlertmanager("x")
        }
        #expect(throws: InputError(message: "data: expected an object; found nothing (the field is missing)")) {
            try InputDecoder.decodeKubewatch(["alerts": []])
        }
        #expect(InputError(message: "m").description == "m")
    }

    /// Mutated fixtures must decode or fail with a message, never crash.
    @Test func mutatedFixturesNeverCrash() throws {
        var random = SplitMix64(seed: 7)
        let fixtures = try RobustaInputFixtures.jsonNames.map(RobustaInputFixtures.bytes)
        var outcomes: Set<String> = []
        for round in 0..<2_000 {
            var input = fixtures[round % fixtures.count]
            let index = Int(random.next() % UInt64(input.count))
            input[index] = Array(#"{}[]:,"0an \"#.utf8)[Int(random.next() % 12)]
            do {
                _ = try input.withUnsafeBytes { try InputDecoder.decode($0) }
                outcomes.insert("decoded")
            } catch let error as InputError {
                #expect(!error.message.isEmpty)
                outcomes.insert(error.message.hasPrefix("invalid JSON") ? "syntax" : "shape")
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
        #expect(outcomes == ["decoded", "syntax", "shape"])
    }
}
