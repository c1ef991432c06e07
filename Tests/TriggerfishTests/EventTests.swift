import Testing

@testable import Triggerfish

func pod(_ name: String, namespace: String = "default", labels: JSONValue = [:], extra: [String: JSONValue] = [:]) -> KubernetesObject {
    var json: [String: JSONValue] = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": labels],
        "spec": ["nodeName": "node-1"],
    ]
    json.merge(extra) { _, new in new }
    return KubernetesObject(json: .object(json))
}

/// Functions that only compile if the hierarchy is what the schema says.
func acceptsPod(_ event: some PodEvent) -> String? { event.pod?.name }
func acceptsNode(_ event: some NodeEvent) -> String? { event.node?.name }
func acceptsResource(_ event: some KubernetesResourceEvent) -> String? { event.resource?.name }
func acceptsChange(_ event: some KubernetesAnyChangeEvent) -> KubernetesOperation { event.operation }

@Suite struct EventTests {
    @Test func changeEventIsItsKindsEventAndAnAnyChangeEvent() {
        let change = KubernetesChange(operation: .update, kind: "Pod", object: pod("web-1"), oldObject: pod("web-1"))
        let event = PodChangeEventInstance(change: change)
        #expect(acceptsPod(event) == "web-1")
        #expect(acceptsResource(event) == "web-1")
        #expect(acceptsChange(event) == .update)
        #expect(PodChangeEventInstance.eventName == "PodChangeEvent")
    }

    @Test func alertIsAPodAndANodeEventAtOnce() {
        let node = KubernetesObject(json: ["kind": "Node", "metadata": ["name": "node-1"]])
        let alert = PrometheusAlert(status: "firing", labels: ["alertname": "KubePodCrashLooping", "pod": "web-1", "namespace": "default"])
        let event = PrometheusKubernetesAlertInstance(alert: alert, resources: ["Pod": pod("web-1"), "Node": node])
        #expect(acceptsPod(event) == "web-1")
        #expect(acceptsNode(event) == "node-1")
        // Subject priority puts the node before the pod, as Robusta does.
        #expect(acceptsResource(event) == "node-1")
        #expect(event.deployment == nil)
    }

    @Test func aCopyOfAnEventKeepsItsFieldsWhenTheOriginalIsChanged() {
        let alert = PrometheusAlert(status: "firing", labels: ["alertname": "KubePodCrashLooping", "pod": "web-1"])
        var event = PrometheusKubernetesAlertInstance(alert: alert, resources: ["Pod": pod("web-1")])
        let copy = event
        event.pod = pod("web-2")
        event.alert.labels["team"] = "shop"
        #expect(event.pod?.name == "web-2")
        #expect(event.alert.labels["team"] == "shop")
        #expect(copy.pod?.name == "web-1")
        #expect(copy.alert.labels["team"] == nil)
        #expect(copy.resource?.name == "web-1")
    }

    /// An alert is copied into its event, into what the trigger filters compare and into
    /// reports: it is held behind one reference, and each of its fields still sets as a value.
    @Test func anAlertIsOneReferenceWideAndEachFieldSetsAsAValue() {
        #expect(MemoryLayout<PrometheusAlert>.size == MemoryLayout<Int>.size)
        let original = PrometheusAlert(
            status: "firing", labels: ["alertname": "KubePodCrashLooping"], annotations: ["summary": "crash"],
            startsAt: "2026-08-01T08:48:29Z", endsAt: "0001-01-01T00:00:00Z", generatorURL: "http://prometheus/graph",
            fingerprint: "56eb57c5f9c1459f")
        var changed = original
        changed.status = "resolved"
        changed.labels["pod"] = "web-1"
        changed.annotations["summary"] = "crash again"
        changed.startsAt = "2026-08-01T09:00:00Z"
        changed.endsAt = "2026-08-01T10:00:00Z"
        changed.generatorURL = "http://prometheus/other"
        changed.fingerprint = "ed157ea60aaae02c"
        #expect(
            [original.status, original.labels["pod"] ?? "-", original.annotations["summary"], original.startsAt, original.endsAt]
                == ["firing", "-", "crash", "2026-08-01T08:48:29Z", "0001-01-01T00:00:00Z"])
        #expect([original.generatorURL, original.fingerprint] == ["http://prometheus/graph", "56eb57c5f9c1459f"])
        #expect(
            [changed.status, changed.labels["pod"], changed.annotations["summary"], changed.startsAt, changed.endsAt]
                == ["resolved", "web-1", "crash again", "2026-08-01T09:00:00Z", "2026-08-01T10:00:00Z"])
        #expect([changed.generatorURL, changed.fingerprint] == ["http://prometheus/other", "ed157ea60aaae02c"])
        // Equal and hashed alike by their fields, whether they share storage or not.
        var rebuilt = changed
        rebuilt.fingerprint = "ed157ea60aaae02c"
        #expect(rebuilt == changed && original != changed)
        #expect(Set([original, changed, rebuilt]).count == 2)
    }

    /// The alert's event takes each object resolved from its labels into its kind's field (an
    /// object of another kind into none), and as its resource the first resolved of Robusta's
    /// priority order, for every set of kinds an alert can name.
    @Test func anAlertsEventHoldsEachResolvedObjectAndTheFirstByPriorityAsItsResource() {
        let kinds = PrometheusAlert.subjectPriority
        let alert = PrometheusAlert(status: "firing", labels: ["alertname": "KubePodCrashLooping"])
        for named in 0..<(1 << kinds.count) {
            var resources = ["Service": KubernetesObject(json: ["kind": "Service", "metadata": ["name": "web"]])]
            for (bit, kind) in kinds.enumerated() where named & (1 << bit) != 0 {
                resources[kind] = KubernetesObject(json: ["kind": .string(kind), "metadata": ["name": .string("\(kind)-\(named)")]])
            }
            let event = PrometheusKubernetesAlertInstance(alert: alert, resources: resources)
            let fields = [
                event.deployment, event.daemonSet, event.statefulSet, event.node, event.pod, event.job, event.horizontalPodAutoscaler,
            ]
            #expect(fields == kinds.map { resources[$0] }, "kinds \(named)")
            #expect(event.resource == kinds.lazy.compactMap { resources[$0] }.first, "kinds \(named)")
            #expect(event.alert == alert)
        }
    }

    /// A decoded alert holds its labels as the pairs of its body, and reads one label by
    /// comparing keys: each reads as in the map, missing ones as nil, a repeated key as its last
    /// value; the map, equality and hashing are the built alert's.
    @Test func aDecodedAlertsLabelsReadOneByOneAsTheirMapDoes() throws {
        let body = #"""
            {"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "k", "version": "4", "alerts": [
              {"status": "firing", "labels": {"alertname": "KubePodCrashLooping", "pod": "web-1", "n\u0061mespace": "shop",
                "pod": "web-2", "": "empty", "prometheus": "monitoring/kube-prometheus-stack-prometheus", "K": "kelvin",
                "caf\u00e9": "latte"}},
              {"status": "firing", "labels": {}}, {"status": "firing", "labels": null}, {"status": "firing"}]}
            """#
        guard case .alerts(let webhook) = try InputDecoder.decode(Array(body.utf8)) else {
            Issue.record("not read as a webhook")
            return
        }
        let expected: [[String: String]] = [
            [
                "alertname": "KubePodCrashLooping", "pod": "web-2", "namespace": "shop", "": "empty",
                "prometheus": "monitoring/kube-prometheus-stack-prometheus", "K": "kelvin", "caf\u{e9}": "latte",
            ],
            [:], [:], [:],
        ]
        #expect(webhook.alerts.map(\.labels) == expected)
        for (alert, map) in zip(webhook.alerts, expected) {
            // Keys the map finds by canonical equivalence, in another number of bytes, are found
            // alike: K as the Kelvin sign, é as e and a combining accent.
            for key in Array(map.keys) + ["job", "Pod", "po", "pod ", "alertnam", "\u{212A}", "cafe\u{301}"] {
                #expect(alert.label(key) == map[key], "\(key)")
            }
            let built = PrometheusAlert(status: "firing", labels: map)
            #expect(alert == built && alert.hashValue == built.hashValue)
        }
        #expect(webhook.alerts[0].name == "KubePodCrashLooping")
        guard case .pairs(let pairs) = webhook.alerts[0].storage.fields.labels.storage else {
            Issue.record("decoded labels are not held as pairs")
            return
        }
        #expect(pairs.pairs.map(\.key) == ["alertname", "pod", "namespace", "pod", "", "prometheus", "K", "caf\u{e9}"])
        #expect(webhook.alerts[0].label("\u{212A}") == "kelvin" && webhook.alerts[0].label("cafe\u{301}") == "latte")
        // Set, they are a map, and copies keep theirs.
        var relabeled = webhook.alerts[0]
        relabeled.labels["pod"] = nil
        #expect(relabeled.label("pod") == nil && webhook.alerts[0].label("pod") == "web-2")
        #expect(relabeled != webhook.alerts[0])
    }

    /// An event wider than an existential's three inline words is copied into a heap box each
    /// time it is handed to an action as the existential of the protocol the action accepts.
    @Test func eventsFitAnExistentialsInlineBuffer() {
        let inline = 3 * MemoryLayout<Int>.size
        #expect(MemoryLayout<PrometheusKubernetesAlertInstance>.size <= inline)
        #expect(MemoryLayout<PodChangeEventInstance>.size <= inline)
        #expect(MemoryLayout<KubernetesAnyChangeEventInstance>.size <= inline)
        #expect(MemoryLayout<ScheduledExecutionEventInstance>.size <= inline)
    }

    @Test func kindTriggerBuildsItsChangeEventOnlyForItsKindAndOperation() {
        let update = KubernetesChange(operation: .update, kind: "Pod", object: pod("web-1"))
        #expect(OnPodUpdate.makeEvent(from: update) is PodChangeEventInstance)
        #expect(OnPodCreate.makeEvent(from: update) == nil)
        #expect(OnPodAllChanges.makeEvent(from: update) is PodChangeEventInstance)
        #expect(OnDeploymentUpdate.makeEvent(from: update) == nil)
        #expect(OnPodUpdate.kind == "Pod")
        #expect(OnPodAllChanges.operation == nil)
    }

    @Test func wildcardTriggerBuildsTheKindsOwnEventAndSkipsUnknownKinds() {
        let deployment = KubernetesChange(
            operation: .create, kind: "Deployment", object: KubernetesObject(json: ["kind": "Deployment", "metadata": ["name": "web"]]))
        #expect(OnKubernetesAnyResourceCreate.makeEvent(from: deployment) is DeploymentChangeEventInstance)
        let custom = KubernetesChange(operation: .create, kind: "Rollout", object: KubernetesObject(json: ["kind": "Rollout"]))
        #expect(OnKubernetesAnyResourceCreate.makeEvent(from: custom) == nil)
    }

    @Test func manualParametersFollowTheKindsScope() throws {
        let schema = try #require(SchemaLoader.load(files: SchemaSource.files.map { ("schema/" + $0.name, $0.text) }).schema)
        func manual(_ event: String) -> [String]? { schema.event(named: event)?.manualParameters?.map(\.name) }
        #expect(manual("PodEvent") == ["name", "namespace"])
        #expect(manual("NodeEvent") == ["name"])
        #expect(manual("PodChangeEvent") == nil)
        #expect(manual("PrometheusKubernetesAlert") == nil)
        #expect(manual("ExecutionBaseEvent") == [])
    }
}
