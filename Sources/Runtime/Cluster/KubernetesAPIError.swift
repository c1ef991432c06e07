/// The API server refused a request: its `Status` object decoded, with the request it answered.
public struct KubernetesAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code: 404, 403, 409, 410, 422, 429, 500, ...
    public var code: Int
    /// The Status `reason`: `NotFound`, `Forbidden`, `AlreadyExists`, `Conflict`, `Gone`, `Invalid`,
    /// `TooManyRequests`, ...; empty when the server sent no Status.
    public var reason: String
    /// The Status `message`, or the body's first line when the server sent no Status.
    public var message: String
    /// What was asked: the verb as RBAC names it (`get`, `list`, `watch`, `create`, `patch`,
    /// `delete`), the resource (`pods`, `deployments.apps`, `pods/log`, `pods/eviction`), the namespace
    /// and name when there were ones.
    public var verb: String
    public var resource: String
    public var namespace: String?
    public var name: String?

    public init(code: Int, reason: String, message: String, verb: String, resource: String, namespace: String? = nil, name: String? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    public var isNotFound: Bool { code == 404 }
    public var isForbidden: Bool { code == 403 }
    public var isConflict: Bool { code == 409 }
    /// The resource version a list or watch asked for is too old (410 Gone, or a watch's
    /// `Expired` Status): list again.
    public var isGone: Bool { code == 410 || reason == "Expired" || reason == "Gone" }

    /// What was refused and why, e.g. `the Kubernetes API refused to delete pods "web-1" in
    /// namespace "prod" (403 Forbidden): pods "web-1" is forbidden: User "system:serviceaccount:..." cannot delete ...`.
    public var description: String {
        var target = resource
        if let name { target += " \"\(name)\"" }
        if let namespace { target += " in namespace \"\(namespace)\"" }
        let status = reason.isEmpty ? "\(code)" : "\(code) \(reason)"
        return "the Kubernetes API refused to \(verb) \(target) (\(status))\(message.isEmpty ? "" : ": \(message)")"
    }
}
