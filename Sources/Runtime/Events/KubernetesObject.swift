/// A Kubernetes object, kept as its full JSON so nothing is lost for diffs and YAML output,
/// with typed access to what triggers and actions read.
public struct KubernetesObject: Sendable, Hashable {
    public var json: JSONValue

    public init(json: JSONValue) {
        self.json = json
    }

    public var kind: String? { json["kind"]?.stringValue }
    public var apiVersion: String? { json["apiVersion"]?.stringValue }
    public var name: String? { json["metadata"]?["name"]?.stringValue }
    /// The namespace; `nil` for cluster-scoped objects.
    public var namespace: String? { json["metadata"]?["namespace"]?.stringValue }
    public var labels: [String: String] { Self.strings(json["metadata"]?["labels"]) }
    public var annotations: [String: String] { Self.strings(json["metadata"]?["annotations"]) }

    static func strings(_ value: JSONValue?) -> [String: String] {
        guard let members = value?.objectValue else { return [:] }
        return members.compactMapValues(\.stringValue)
    }
}

/// What happened to a Kubernetes object.
public enum KubernetesOperation: String, Sendable, Hashable, CaseIterable {
    case create, update, delete
}

/// One observed change of a Kubernetes object: the input Kubernetes triggers turn into events.
public struct KubernetesChange: Sendable {
    public var operation: KubernetesOperation
    /// The object's kind as Kubernetes spells it: `Pod`, `HorizontalPodAutoscaler`.
    public var kind: String
    public var apiVersion: String
    public var object: KubernetesObject
    public var oldObject: KubernetesObject?

    public init(
        operation: KubernetesOperation, kind: String, apiVersion: String = "", object: KubernetesObject,
        oldObject: KubernetesObject? = nil
    ) {
        self.operation = operation
        self.kind = kind
        self.apiVersion = apiVersion
        self.object = object
        self.oldObject = oldObject
    }
}

/// One alert of an Alertmanager webhook (v4).
public struct PrometheusAlert: Sendable, Hashable {
    public var status: String
    public var labels: [String: String]
    public var annotations: [String: String]
    public var startsAt: String
    public var endsAt: String
    public var generatorURL: String
    public var fingerprint: String

    public init(
        status: String, labels: [String: String], annotations: [String: String] = [:], startsAt: String = "",
        endsAt: String = "", generatorURL: String = "", fingerprint: String = ""
    ) {
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.fingerprint = fingerprint
    }

    /// The `alertname` label.
    public var name: String { labels["alertname"] ?? "" }

    /// Which resolved object is an alert's subject, most specific first (Robusta's order).
    public static let subjectPriority = [
        "Deployment", "DaemonSet", "StatefulSet", "Node", "Pod", "Job", "HorizontalPodAutoscaler",
    ]

    /// The subject among resolved objects (keyed by kind), by ``subjectPriority``.
    public static func subject(in resources: [String: KubernetesObject]) -> KubernetesObject? {
        for kind in subjectPriority { if let object = resources[kind] { return object } }
        return nil
    }
}
