import Triggerfish

/// A scripted failure of the fake API server, for tests of retries, relists and reconnects.
/// Queue them with ``FakeKubernetesCluster/inject(_:)``: each request takes the first queued fault
/// it matches (every criterion that is set must hold), which is used up after ``times`` requests.
///
/// ```swift
/// cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .dropWatch(afterEvents: 1)))
/// cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .expireWatch(afterEvents: 0)))
/// cluster.inject(FakeKubernetesFault(verb: "list", effect: .status(.tooManyRequests(retryAfterSeconds: 2))))
/// cluster.inject(FakeKubernetesFault(method: "GET", path: "/api/v1/pods", effect: .status(.internalError())))
/// ```
public struct FakeKubernetesFault: Sendable {
    public enum Effect: Sendable {
        /// Answer with this Status instead (a 429 with `Retry-After`, a 500, ...).
        case status(FakeKubernetesStatus)
        /// Close the connection without answering.
        case dropConnection
        /// A watch: after this many events (bookmarks not counted) the server ends the stream
        /// cleanly, as when its timeout passes. Other requests: no effect.
        case endWatch(afterEvents: Int)
        /// A watch: after this many events the connection drops mid-stream (the chunked body is
        /// never finished).
        case dropWatch(afterEvents: Int)
        /// A watch: after this many events the server sends an `ERROR` event with a 410 `Expired`
        /// Status (`too old resource version: ...`) and ends the stream.
        case expireWatch(afterEvents: Int)
    }

    /// `GET`, `POST`, ...; `nil`: any.
    public var method: String?
    /// The exact path (without the query), or a prefix when it ends with `*`; `nil`: any.
    public var path: String?
    /// The RBAC verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`); `nil`: any.
    public var verb: String?
    public var resource: KubernetesResource?
    /// `log`, `eviction`, `status`; `nil`: any (with or without one).
    public var subresource: String?
    public var namespace: String?
    public var name: String?
    public var effect: Effect
    /// How many matching requests it affects before it is used up.
    public var times: Int

    public init(
        method: String? = nil, path: String? = nil, verb: String? = nil, resource: KubernetesResource? = nil, subresource: String? = nil,
        namespace: String? = nil, name: String? = nil, effect: Effect, times: Int = 1
    ) {
        self.method = method
        self.path = path
        self.verb = verb
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.effect = effect
        self.times = times
    }

    func matches(method: String, path: String, attributes: FakeKubernetesRequestAttributes?) -> Bool {
        if let wanted = self.method, wanted.uppercased() != method { return false }
        if let wanted = self.path {
            if wanted.hasSuffix("*") {
                if !path.hasPrefix(wanted.dropLast()) { return false }
            } else if wanted != path {
                return false
            }
        }
        guard verb != nil || resource != nil || subresource != nil || namespace != nil || name != nil else { return true }
        guard let attributes else { return false }
        if let verb, verb != attributes.verb { return false }
        if let resource, resource.group != attributes.resource.group || resource.plural != attributes.resource.plural { return false }
        if let subresource, subresource != attributes.subresource { return false }
        if let namespace, namespace != attributes.namespace { return false }
        if let name, name != attributes.name { return false }
        return true
    }
}
