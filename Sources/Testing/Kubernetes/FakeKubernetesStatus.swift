import Triggerfish

/// A refusal of the fake API server: the `Status` object (`kind: Status`, `status: Failure`) it
/// answers with, worded as the Kubernetes API server words it.
public struct FakeKubernetesStatus: Error, Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status code, also the Status `code`.
    public var code: Int
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Forbidden`, `Expired`, `TooManyRequests`, ...
    public var reason: String
    public var message: String
    /// The Status `details` (`name`, `group`, `kind`, `causes`, `retryAfterSeconds`), if any.
    public var details: JSONValue?
    /// Extra Status `metadata` (an inconsistent `continue` token).
    public var metadata: [String: JSONValue] = [:]
    /// A `Retry-After` header, in seconds.
    public var retryAfterSeconds: Int?

    public init(code: Int, reason: String, message: String, details: JSONValue? = nil, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code) \(reason): \(message)" }

    /// The Status object as the API server serves it.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object(metadata), "status": "Failure", "message": .string(message),
            "reason": .string(reason), "code": .int(code),
        ]
        if let details { object["details"] = details }
        return .object(object)
    }

    static func details(_ resource: KubernetesResource, name: String?, extra: [String: JSONValue] = [:]) -> JSONValue {
        var details: [String: JSONValue] = extra
        if let name { details["name"] = .string(name) }
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        details["kind"] = .string(resource.plural)
        return .object(details)
    }

    /// `pods "web-1" not found`
    public static func notFound(_ resource: KubernetesResource, name: String) -> FakeKubernetesStatus {
        FakeKubernetesStatus(
            code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found", details: details(resource, name: name))
    }

    /// `pods "web-1" already exists`
    public static func alreadyExists(_ resource: KubernetesResource, name: String) -> FakeKubernetesStatus {
        FakeKubernetesStatus(
            code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists", details: details(resource, name: name))
    }

    /// `Operation cannot be fulfilled on leases.coordination.k8s.io "lock": the object has been
    /// modified; please apply your changes to the latest version and try again`
    public static func conflict(_ resource: KubernetesResource, name: String, because: String? = nil) -> FakeKubernetesStatus {
        let why = because ?? "the object has been modified; please apply your changes to the latest version and try again"
        return FakeKubernetesStatus(
            code: 409, reason: "Conflict", message: "Operation cannot be fulfilled on \(resource) \"\(name)\": \(why)",
            details: details(resource, name: name))
    }

    /// `too old resource version: 12 (40)`: 410 Gone, reason `Expired`.
    public static func expired(_ message: String) -> FakeKubernetesStatus {
        FakeKubernetesStatus(code: 410, reason: "Expired", message: message)
    }

    public static func badRequest(_ message: String) -> FakeKubernetesStatus {
        FakeKubernetesStatus(code: 400, reason: "BadRequest", message: message)
    }

    public static func invalid(_ resource: KubernetesResource, name: String, _ message: String) -> FakeKubernetesStatus {
        FakeKubernetesStatus(
            code: 422, reason: "Invalid", message: "\(resource.kind) \"\(name)\" is invalid: \(message)",
            details: details(resource, name: name))
    }

    /// `the server could not find the requested resource`
    public static let unknownPath = FakeKubernetesStatus(
        code: 404, reason: "NotFound", message: "the server could not find the requested resource", details: .object([:]))

    public static let unauthorized = FakeKubernetesStatus(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// `Too many requests, please try again later.` with `Retry-After`.
    public static func tooManyRequests(retryAfterSeconds: Int = 1) -> FakeKubernetesStatus {
        FakeKubernetesStatus(
            code: 429, reason: "TooManyRequests", message: "Too many requests, please try again later.",
            details: ["retryAfterSeconds": .int(retryAfterSeconds)], retryAfterSeconds: retryAfterSeconds)
    }

    /// `Internal error occurred: <message>`
    public static func internalError(_ message: String = "the fake API server was told to fail") -> FakeKubernetesStatus {
        FakeKubernetesStatus(
            code: 500, reason: "InternalError", message: "Internal error occurred: \(message)",
            details: ["causes": [["message": .string(message)]]])
    }

    /// The RBAC refusal: `pods "p1" is forbidden: User "system:serviceaccount:ns:sa" cannot delete
    /// resource "pods" in API group "" in the namespace "default"`.
    public static func forbidden(_ attributes: FakeKubernetesRequestAttributes, user: String) -> FakeKubernetesStatus {
        let resourceName = attributes.subresource.map { "\(attributes.resource.plural)/\($0)" } ?? attributes.resource.plural
        let subject = attributes.name.map { "\(attributes.resource) \"\($0)\"" } ?? "\(attributes.resource)"
        let scope = attributes.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        let message =
            "\(subject) is forbidden: User \"\(user)\" cannot \(attributes.verb) resource \"\(resourceName)\" in API group \"\(attributes.resource.group)\" \(scope)"
        return FakeKubernetesStatus(
            code: 403, reason: "Forbidden", message: message, details: details(attributes.resource, name: attributes.name))
    }
}
