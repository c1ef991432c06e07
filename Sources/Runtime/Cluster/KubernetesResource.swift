import Foundation

/// A resource type of the Kubernetes API: where its objects live (`/api/v1/...` for the core
/// group, `/apis/{group}/{version}/...` for the others) and whether they are namespaced.
public struct KubernetesResource: Sendable, Hashable, CustomStringConvertible {
    /// The API group; `""` for the core group.
    public var group: String
    public var version: String
    /// The resource's lower-case plural as the API names it: `pods`, `horizontalpodautoscalers`.
    public var plural: String
    public var kind: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, kind: String, namespaced: Bool) {
        self.group = group
        self.version = version
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
    }

    /// `v1` for the core group, `group/version` otherwise, as objects' `apiVersion` spells it.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `pods`, `deployments.apps`: as RBAC rules and `kubectl` name the resource.
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The path of the resource's collection (`namespace` `nil`: across all namespaces, or a
    /// cluster-scoped resource), or of one object when `name` is given.
    public func path(namespace: String?, name: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if namespaced, let namespace { path += "/namespaces/\(Self.escaped(namespace))" }
        path += "/\(plural)"
        if let name { path += "/\(Self.escaped(name))" }
        return path
    }

    /// Names and namespaces are DNS labels or subdomains, but a name read from an alert label
    /// may be anything: it must not change the path.
    static func escaped(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/", "?", "#", "%"])) ?? segment
    }

    /// The resource of a kind in the schema (`Pod`, `HorizontalPodAutoscaler`) with the schema's API
    /// version, or of one of the other kinds actions use; `nil` for a kind Triggerfish does not know.
    public init?(kind: String) {
        if let apiVersion = KubernetesKinds.apiVersions[kind] {
            self.init(kind: kind, apiVersion: apiVersion, namespaced: KubernetesKinds.namespaced.contains(kind))
        } else if let known = Self.others.first(where: { $0.kind == kind }) {
            self = known
        } else {
            return nil
        }
    }

    init(kind: String, apiVersion: String, namespaced: Bool) {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        self.init(
            group: parts.count == 2 ? parts[0] : "", version: parts.last ?? apiVersion, plural: Self.plural(of: kind), kind: kind,
            namespaced: namespaced)
    }

    /// Kubernetes' default plural of a kind (what `kubectl api-resources` lists for every kind
    /// Triggerfish uses): lower case; a final `y` after a consonant becomes `ies`; `s`, `x`, `z`,
    /// `ch` and `sh` take `es`; anything else takes `s`.
    static func plural(of kind: String) -> String {
        let lower = kind.lowercased()
        if lower.hasSuffix("y"), let before = lower.dropLast().last, !"aeiou".contains(before) { return lower.dropLast() + "ies" }
        if ["s", "x", "z", "ch", "sh"].contains(where: lower.hasSuffix) { return lower + "es" }
        return lower + "s"
    }

    // The resources actions and the runner use besides the schema's kinds.
    public static let pod = KubernetesResource(kind: "Pod")!
    public static let node = KubernetesResource(kind: "Node")!
    /// events.k8s.io/v1 Events, the form Robusta's actions read (`regarding`, `note`).
    public static let event = KubernetesResource(kind: "Event")!
    /// core/v1 Events (`involvedObject`, `message`), the form `kubectl describe` shows.
    public static let coreEvent = KubernetesResource(group: "", version: "v1", plural: "events", kind: "Event", namespaced: true)
    public static let podDisruptionBudget = KubernetesResource(
        group: "policy", version: "v1", plural: "poddisruptionbudgets", kind: "PodDisruptionBudget", namespaced: true)
    public static let apiService = KubernetesResource(
        group: "apiregistration.k8s.io", version: "v1", plural: "apiservices", kind: "APIService", namespaced: false)
    public static let lease = KubernetesResource(
        group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true)
    public static let configMap = KubernetesResource(kind: "ConfigMap")!

    static let others: [KubernetesResource] = [podDisruptionBudget, apiService, lease]

    /// A kind the runtime was asked about that it has no resource for.
    public struct UnknownKind: Error, CustomStringConvertible {
        public var kind: String
        public var description: String { "Triggerfish does not know the Kubernetes kind '\(kind)'" }
    }
}
