import Foundation

/// What a finding is about.
public struct FindingSubject: Sendable, Hashable {
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var node: String?
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(
        kind: String? = nil, name: String? = nil, namespace: String? = nil, node: String? = nil, labels: [String: String] = [:],
        annotations: [String: String] = [:]
    ) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.node = node
        self.labels = labels
        self.annotations = annotations
    }

    /// The subject for a Kubernetes object (a pod's node comes from `spec.nodeName`).
    public init(_ object: KubernetesObject) {
        self.init(
            kind: object.kind, name: object.name, namespace: object.namespace,
            node: object.kind == "Node" ? object.name : object.nodeName,
            labels: object.labels, annotations: object.annotations)
    }
}
