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
