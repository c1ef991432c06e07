import Foundation
import Testing

@testable import Triggerfish

@Suite struct InputTests {
    func decodeFixture(_ name: String) throws -> RecordedInput {
        let bytes = try InputFixtures.bytes(name)
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
        let change = try change("kubewatch_deployment_update.json")
        #expect(change.operation == .update)
        #expect(change.kind == "Deployment")
        #expect(change.apiVersion == "apps/v1")
        #expect(change.object.kind == "Deployment")
        #expect(change.object.name == "checkout")
        #expect(change.object.namespace == "shop")
        #expect(change.object.labels == ["app": "checkout", "tier": "backend"])
        #expect(change.object.json.value(atPath: "metadata.resourceVersion") == "9002")
        #expect(change.object.json.value(atPath: "spec.template.spec.containers[0].image") == "registry.example.com/shop/checkout:1.4.2")
        let old = try #require(change.oldObject)
        #expect(old.name == "checkout")
        #expect(old.json.value(atPath: "metadata.resourceVersion") == "9001")
        #expect(old.json.value(atPath: "spec.template.spec.containers[0].image") == "registry.example.com/shop/checkout:1.4.1")
        #expect(old.json == (try JSONValue.parse(InputFixtures.bytes("k8s_deployment_object.json"))))
    }

    @Test func podCrashLoopUpdate() throws {
        let change = try change("kubewatch_pod_update.json")
        #expect(change.operation == .update)
        #expect(change.kind == "Pod")
        #expect(change.apiVersion == "v1")
        #expect(change.object.name == "checkout-6f9d4c7b8-q2x7m")
        #expect(change.object.namespace == "shop")
        #expect(change.object.labels == ["app": "checkout", "tier": "backend", "pod-template-hash": "6f9d4c7b8"])
        #expect(change.object.json.value(atPath: "status.containerStatuses[0].restartCount") == 5)
        #expect(change.object.json.value(atPath: "status.containerStatuses[0].state.waiting.reason") == "CrashLoopBackOff")
        #expect(change.oldObject?.json.value(atPath: "status.containerStatuses[0].restartCount") == 4)
    }

    @Test func warningEventCreate() throws {
        let change = try change("kubewatch_warning_event_create.json")
        #expect(change.operation == .create)
        #expect(change.kind == "Event")
        #expect(change.apiVersion == "events.k8s.io/v1")
        #expect(change.object.name == "checkout-6f9d4c7b8-q2x7m.189a2b3c4d5e6f70")
        #expect(change.object.namespace == "shop")
        #expect(change.object.json["eventTime"] == .null)
        #expect(change.object.json["type"] == "Warning")
        #expect(change.object.json["reason"] == "Unhealthy")
        #expect(change.object.json.value(atPath: "regarding.name") == "checkout-6f9d4c7b8-q2x7m")
        #expect(change.oldObject == nil)  // "oldObj": null
    }

    @Test func webhookWithTwoAlerts() throws {
        let webhook = try webhook("alertmanager_webhook_two_alerts.json")
        #expect(webhook.receiver == "robusta")
        #expect(webhook.status == "firing")
        #expect(webhook.version == "4")
        #expect(webhook.externalURL == "http://alertmanager.monitoring:9093")
        #expect(webhook.groupKey == #"{}:{prometheus="monitoring/k8s"}"#)
        #expect(webhook.groupLabels == ["prometheus": "monitoring/k8s"])
        #expect(webhook.commonLabels == ["prometheus": "monitoring/k8s"])
        #expect(webhook.commonAnnotations == [:])
        let watchdog = PrometheusAlert(
            status: "firing", labels: ["alertname": "Watchdog", "prometheus": "monitoring/k8s", "severity": "none"],
            annotations: ["summary": "An alert that should always be firing to certify that Alertmanager is working properly."],
            startsAt: "2026-03-01T00:00:00Z", endsAt: "0001-01-01T00:00:00Z",
            generatorURL: "http://prometheus.monitoring:9090/graph?g0.expr=vector%281%29", fingerprint: "3c1f0e9d8b7a6f5e")
        let crashLooping = PrometheusAlert(
            status: "firing",
            labels: [
                "alertname": "KubePodCrashLooping", "container": "checkout", "namespace": "shop", "pod": "checkout-6f9d4c7b8-q2x7m",
                "prometheus": "monitoring/k8s", "severity": "warning",
            ],
            annotations: [
                "summary": "Pod is crash looping.",
                "description": #"Pod shop/checkout-6f9d4c7b8-q2x7m (checkout) is in waiting state (reason: "CrashLoopBackOff")."#,
                "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping",
            ],
            startsAt: "2026-03-02T09:14:30Z", endsAt: "0001-01-01T00:00:00Z",
            generatorURL:
                "http://prometheus.monitoring:9090/graph?g0.expr=max_over_time%28kube_pod_container_status_waiting_reason%5B5m%5D%29+%3E%3D+1",
            fingerprint: "9e8d7c6b5a4f3e2d")
        #expect(webhook.alerts == [watchdog, crashLooping])
    }

    /// Null common maps read as empty ones; alert keys the runner does not know are left out.
    @Test func webhookWithNullCommonMapsAndExtraAlertKeys() throws {
        let webhook = try webhook("alertmanager_webhook_null_maps.json")
        #expect(webhook.receiver == "robusta")
        #expect(webhook.status == "resolved")
        #expect(webhook.externalURL == "")
        #expect(webhook.groupKey == #"{}/{}:{alertname="KubeNodeNotReady"}"#)
        #expect(webhook.version == "1")
        #expect(webhook.commonLabels == [:])  // null
        #expect(webhook.commonAnnotations == [:])
        #expect(webhook.groupLabels == [:])
        let expected = PrometheusAlert(
            status: "resolved", labels: ["alertname": "KubeNodeNotReady", "node": "worker-3", "severity": "warning"],
            annotations: ["summary": "Node is not ready.", "description": "worker-3 has been unready for more than 15 minutes."],
            startsAt: "2026-03-02T07:40:00Z", endsAt: "2026-03-02T08:05:00Z",
            generatorURL: "http://prometheus.monitoring:9090/graph?g0.expr=kube_node_status_condition", fingerprint: "0a1b2c3d4e5f6a7b")
        #expect(webhook.alerts == [expected])
    }

    /// The two fixtures that are no runner input say so.
    @Test func fixturesThatAreNoInputsAreRejected() throws {
        let expected =
            "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver')"
        #expect(throws: InputError(message: "\(expected); found an object with keys 'apiVersion', 'kind', 'metadata', 'spec', 'status'")) {
            try decodeFixture("k8s_deployment_object.json")
        }
        #expect(throws: InputError(message: "\(expected); found an object with keys 'action_name', 'action_params'")) {
            try decodeFixture("manual_trigger_request.json")
        }
    }

    @Test func everyFixtureEitherDecodesOrSaysWhy() throws {
        var kinds: [String: String] = [:]
        for fixture in try InputFixtures.all() {
            do {
                switch try decodeFixture(fixture.name) {
                case .kubernetes(let change): kinds[fixture.name] = "kubernetes \(change.operation) \(change.kind)"
                case .alerts(let webhook): kinds[fixture.name] = "alerts \(webhook.alerts.count)"
                }
            } catch {
                kinds[fixture.name] = "rejected"
            }
        }
        #expect(
            kinds == [
                "alertmanager_webhook_null_maps.json": "alerts 1",
                "alertmanager_webhook_two_alerts.json": "alerts 2",
                "k8s_deployment_object.json": "rejected",
                "kubewatch_deployment_update.json": "kubernetes update Deployment",
                "kubewatch_pod_update.json": "kubernetes update Pod",
                "kubewatch_warning_event_create.json": "kubernetes create Event",
                "manual_trigger_request.json": "rejected",
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

    /// A webhook's common and group maps are left in the body until read; read, set or compared,
    /// they are the maps the body holds (a later duplicate key wins).
    @Test func aWebhooksGroupMapsAreReadWhenAskedFor() throws {
        let body = #"""
            {"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g", "version": "4",
             "commonLabels": {"alertname": "A", "severity": "warning", "severity": "critical"},
             "commonAnnotations": {"summary": "caf\u00e9 is down"}, "groupLabels": null, "alerts": []}
            """#
        guard case .alerts(var webhook) = try InputDecoder.decode(body) else {
            Issue.record("not an Alertmanager webhook")
            return
        }
        guard case .unread = webhook.commonLabelsField.storage else {
            Issue.record("the common labels were built while decoding")
            return
        }
        #expect(webhook.commonLabels == ["alertname": "A", "severity": "critical"])
        #expect(webhook.commonAnnotations == ["summary": "café is down"])
        #expect(webhook.groupLabels == [:])
        let built = AlertmanagerWebhook(
            receiver: "r", status: "firing", groupKey: "g", commonLabels: ["alertname": "A", "severity": "critical"],
            commonAnnotations: ["summary": "café is down"])
        #expect(webhook == built)
        #expect(webhook.hashValue == built.hashValue)
        webhook.commonLabels["team"] = "shop"
        #expect(webhook.commonLabels == ["alertname": "A", "severity": "critical", "team": "shop"])
        #expect(webhook != built)
    }

    /// A firing alert's `endsAt` is Alertmanager's zero time in every alert: the decoder gives the
    /// one literal instead of building a copy; any other text, escaped or longer or shorter, is
    /// read as it is.
    @Test func aFiringAlertsUnsetEndIsSharedAndAnyOtherEndIsRead() throws {
        let body = #"""
            {"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g", "version": "4", "alerts": [
              {"status": "firing", "labels": {}, "endsAt": "0001-01-01T00:00:00Z"},
              {"status": "firing", "labels": {}, "endsAt": "0001-01-01T00:00:00\u005A"},
              {"status": "firing", "labels": {}, "endsAt": "0001-01-01T00:00:00Z0"},
              {"status": "firing", "labels": {}, "endsAt": "0001-01-01T00:00:00"},
              {"status": "resolved", "labels": {}, "endsAt": "2026-08-01T10:00:00Z"},
              {"status": "firing", "labels": {}, "endsAt": null}]}
            """#
        guard case .alerts(let webhook) = try InputDecoder.decode(body) else {
            Issue.record("not an Alertmanager webhook")
            return
        }
        #expect(
            webhook.alerts.map(\.endsAt) == [
                "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z0", "0001-01-01T00:00:00",
                "2026-08-01T10:00:00Z", "",
            ])
        func bytesAddress(_ text: String) -> UnsafePointer<UInt8>? {
            var text = text
            return text.withUTF8 { $0.baseAddress }
        }
        #expect(bytesAddress(webhook.alerts[0].endsAt) == bytesAddress(PrometheusAlert.unsetEnd))
        #expect(bytesAddress(webhook.alerts[1].endsAt) != bytesAddress(PrometheusAlert.unsetEnd))
    }

    @Test func anAlertsAnnotationsAreBuiltAtTheirFirstReadAndKept() throws {
        let body = #"""
            {"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g", "version": "4", "alerts": [
              {"status": "firing", "labels": {"alertname": "A"},
               "annotations": {"summary": "caf\u00e9 is down", "summary": "cafe is down", "runbook": "https://r/a"}},
              {"status": "resolved", "labels": {"alertname": "B"}, "annotations": null}]}
            """#
        guard case .alerts(let webhook) = try InputDecoder.decode(body), webhook.alerts.count == 2 else {
            Issue.record("not an Alertmanager webhook of two alerts")
            return
        }
        var first = webhook.alerts[0]
        guard case .unread = first.annotationsField.storage else {
            Issue.record("the annotations were built while decoding")
            return
        }
        let read = first.annotations
        #expect(read == ["summary": "cafe is down", "runbook": "https://r/a"])
        // Read again, the map is the one built at the first read, not a second one.
        #expect(Self.storageIdentity(of: first.annotations) == Self.storageIdentity(of: read))
        #expect(webhook.alerts[1].annotations == [:])
        let built = PrometheusAlert(
            status: "firing", labels: ["alertname": "A"], annotations: ["summary": "cafe is down", "runbook": "https://r/a"])
        #expect(first == built)
        #expect(first.hashValue == built.hashValue)
        first.annotations["team"] = "shop"
        #expect(first.annotations == ["summary": "cafe is down", "runbook": "https://r/a", "team": "shop"])
        #expect(webhook.alerts[0].annotations == ["summary": "cafe is down", "runbook": "https://r/a"])
        #expect(first != built)
    }

    /// The address of a dictionary's storage: the same for two maps only when one was not built again.
    static func storageIdentity(of map: [String: String]) -> UInt {
        withUnsafeBytes(of: map) { $0.load(as: UInt.self) }
    }

    @Test func dataDecidesOverAlerts() throws {
        let input = try InputDecoder.decode(#"{"alerts": [], "data": {"operation": "create", "kind": "Pod", "obj": {}}}"#)
        guard case .kubernetes = input else {
            Issue.record("an object with 'data' must be a kubewatch event: \(input)")
            return
        }
    }

    @Test func textAndBytesAgree() throws {
        let bytes = try InputFixtures.bytes("alertmanager_webhook_two_alerts.json")
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
        // Cut as every message cuts a value: after 100 characters, its length stated.
        let long = String(repeating: "x", count: 1000)
        #expect(
            failure(Self.kubewatch(#""operation": "\#(long)", "kind": "Pod", "obj": {}"#))
                == #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "\#(String(repeating: "x", count: 100))…" (1,000 characters)"#
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
        var outcomes: Set<String> = []
        for fixture in try InputFixtures.all() {
            for _ in 0..<300 {
                var input = fixture.bytes
                let index = try #require(input.indices.randomElement(using: &random), "\(fixture.name) is empty")
                input[index] = Array(#"{}[]:,"0an \"#.utf8)[Int(random.next() % 12)]
                do {
                    _ = try input.withUnsafeBytes { try InputDecoder.decode($0) }
                    outcomes.insert("decoded")
                } catch let error as InputError {
                    #expect(!error.message.isEmpty, "\(fixture.name)")
                    outcomes.insert(error.message.hasPrefix("invalid JSON") ? "syntax" : "shape")
                } catch {
                    Issue.record("unexpected error type: \(error)")
                }
            }
        }
        #expect(outcomes == ["decoded", "syntax", "shape"])
    }
}
