/// What actions, alert resolution and manual triggers ask of the cluster: the Kubernetes API as
/// the runtime sees it, without an HTTP client. The `TriggerfishKubernetes` library's client
/// provides one (its watch cache answers ``object(_:namespace:name:)`` first); tests provide
/// fakes. Without one (``PlaybookEngine/Options/kubernetes`` `nil`), manual triggers of actions on
/// a resource event answer that they need the Kubernetes API, alerts name objects by reference
/// only, and actions that read the cluster fail with that message.
///
/// Every call throws ``KubernetesAPIError`` when the API server refuses it (the error says what was
/// refused and why), and any other error when the server cannot be reached.
public protocol KubernetesAPI: Sendable {
    /// The object named `name` (in `namespace`, `nil` for a cluster-scoped resource); `nil` when
    /// there is no such object.
    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject?

    /// Every object of `resource` in `namespace` (`nil`: all namespaces) that matches the selectors
    /// (Kubernetes' `labelSelector` and `fieldSelector` syntax), all pages read.
    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]

    /// The log of a pod's container (`nil`: its first container); `previous` for the container's
    /// previous instance; the last `tailLines` lines, or all. `nil` when the pod or the log does not exist.
    func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String?

    /// Creates an object (its `kind` and `apiVersion` say which resource) and returns it as stored.
    func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject

    /// Patches an object and returns it as stored.
    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject

    /// Deletes an object.
    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws

    /// Asks to evict a pod through the policy/v1 Eviction subresource, which respects
    /// PodDisruptionBudgets: a refusal is a ``KubernetesAPIError`` with code 429.
    func evict(namespace: String, pod: String) async throws
}

/// How a patch body is merged into the object.
public enum KubernetesPatchType: String, Sendable, Hashable {
    /// RFC 7386 JSON merge patch: `application/merge-patch+json`.
    case merge = "application/merge-patch+json"
    /// Kubernetes' strategic merge patch (lists of named items merged by key): `application/strategic-merge-patch+json`.
    case strategicMerge = "application/strategic-merge-patch+json"
}

extension KubernetesAPI {
    /// The object of `kind` (as the schema spells it) named `name`; throws for a kind Triggerfish
    /// does not know.
    public func object(kind: String, namespace: String?, name: String) async throws -> KubernetesObject? {
        guard let resource = KubernetesResource(kind: kind) else { throw KubernetesResource.UnknownKind(kind: kind) }
        return try await object(resource, namespace: resource.namespaced ? namespace : nil, name: name)
    }
}
