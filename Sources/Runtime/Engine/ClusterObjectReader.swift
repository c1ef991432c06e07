/// Reads objects from the cluster: what manual triggers of actions on a Kubernetes resource event
/// (`PodEvent` from a name and namespace, `KubernetesResourceEvent` from a kind, name and
/// namespace, ...) build their event from, as Robusta's `from_params` reads them live. The
/// Kubernetes API client provides one; tests provide fakes. Without one (``PlaybookEngine/Options/clusterReader``
/// `nil`), such triggers answer that they need the Kubernetes API.
public protocol ClusterObjectReader: Sendable {
    /// The object of `kind` (as the schema spells it: `Pod`, `HorizontalPodAutoscaler`) named
    /// `name`, in `namespace` (`nil` for a cluster-scoped kind); `nil` when there is no such
    /// object. Throws when the cluster cannot be asked (the error's description is reported).
    func object(kind: String, namespace: String?, name: String) async throws -> KubernetesObject?
}
