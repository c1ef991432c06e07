import Foundation
import Triggerfish

/// What a request asks, as the API server's authorizer sees it (RBAC's request attributes).
public struct FakeKubernetesRequestAttributes: Sendable, Hashable, CustomStringConvertible {
    /// The user: the bearer token's user, or the server's ``FakeKubernetesServer/Options/user``.
    public var user: String
    /// As RBAC names it: `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`.
    public var verb: String
    public var resource: KubernetesResource
    /// `log`, `eviction`, `status`.
    public var subresource: String?
    public var namespace: String?
    public var name: String?

    public init(
        user: String, verb: String, resource: KubernetesResource, subresource: String? = nil, namespace: String? = nil, name: String? = nil
    ) {
        self.user = user
        self.verb = verb
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }

    /// `pods` or `pods/eviction`, as an RBAC rule's `resources` entry names it.
    public var resourceName: String { subresource.map { "\(resource.plural)/\($0)" } ?? resource.plural }

    /// `delete pods/eviction "web-1" in "prod"`, for test failure messages.
    public var description: String {
        var text = "\(verb) \(resource.group.isEmpty ? resourceName : "\(resourceName).\(resource.group)")"
        if let name { text += " \"\(name)\"" }
        if let namespace { text += " in \"\(namespace)\"" }
        return text
    }
}

/// One write to the fake cluster, in the order they happened: what a watch reports.
public struct FakeKubernetesChange: Sendable, Hashable {
    public enum ChangeType: String, Sendable, Hashable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    public var type: ChangeType
    public var resource: KubernetesResource
    /// The object as stored (for a deletion: its last state, with the deletion's resourceVersion).
    public var object: JSONValue
    /// The object before the change (`nil` for an addition).
    public var oldObject: JSONValue?
    /// The cluster's resourceVersion after the change.
    public var resourceVersion: Int

    public var namespace: String? { object["metadata"]?["namespace"]?.stringValue }
    public var name: String? { object["metadata"]?["name"]?.stringValue }
}

/// A request as the fake API server received it, with the code it answered (0 while a watch
/// or a slow answer is still going).
public struct FakeKubernetesRequest: Sendable, Hashable, CustomStringConvertible {
    public var method: String
    /// The path, percent-encoded as sent, without the query.
    public var path: String
    /// The query as sent (percent-encoded), `""` when there was none.
    public var query: String
    /// The query's parameters, decoded (a repeated one: the last).
    public var queryItems: [String: String]
    public var contentType: String?
    /// Header values by lower-cased name; repeated headers joined with ", ".
    public var headers: [String: String]
    public var body: Data
    /// What the request asks, when the path names a resource the fake knows.
    public var attributes: FakeKubernetesRequestAttributes?
    /// The HTTP status code of the answer: 0 until it is answered, and for a dropped connection.
    public var status: Int

    /// The body as UTF-8.
    public var text: String { String(decoding: body, as: UTF8.self) }
    /// The body as JSON, when it is.
    public var json: JSONValue? { try? JSONValue.parse(Array(body)) }

    /// `GET /api/v1/namespaces/default/pods?labelSelector=app%3Dweb`
    public var description: String { "\(method) \(path)\(query.isEmpty ? "" : "?" + query)" }
}
