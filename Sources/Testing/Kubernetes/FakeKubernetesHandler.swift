import Foundation
import Hummingbird
import NIOCore
import NIOSSL
import Triggerfish

/// Answers the fake API server's requests from its cluster.
struct FakeKubernetesHandler: Sendable {
    let cluster: FakeKubernetesCluster
    let options: FakeKubernetesServer.Options

    /// What a path names.
    enum Route {
        case resource(FakeKubernetesRequestAttributes, collection: Bool)
        case discovery(JSONValue)
        case unknown
    }

    struct DroppedConnection: Error {}

    func respond(to request: Request, context: FakeKubernetesRequestContext) async throws -> Response {
        var request = request
        let body = Data(try await request.collectBody(upTo: FakeKubernetesServer.bodyLimit).readableBytesView)
        let method = request.method.rawValue
        let path = request.uri.path
        let query = request.uri.query ?? ""
        let queryItems = Self.parseQuery(query)
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let user = await authenticatedUser(headers: headers, channel: context.channel)
        let route = self.route(method: method, path: path, query: queryItems, user: user ?? options.user)
        var attributes: FakeKubernetesRequestAttributes?
        if case .resource(let routed, _) = route { attributes = routed }
        let index = cluster.record(
            FakeKubernetesRequest(
                method: method, path: path, query: query, queryItems: queryItems, contentType: headers["content-type"], headers: headers,
                body: body, attributes: attributes, status: 0))
        let answer: @Sendable (Int) -> Void = { [cluster] status in cluster.answered(index, status: status) }

        if options.tokens != nil && user == nil { return Self.response(.unauthorized, answer) }
        var watchFault: FakeKubernetesFault.Effect?
        if let effect = cluster.takeFault(method: method, path: path, attributes: attributes) {
            switch effect {
            case .status(let status): return Self.response(status, answer)
            case .dropConnection:
                context.channel.close(promise: nil)
                throw DroppedConnection()
            case .endWatch, .dropWatch, .expireWatch: watchFault = effect
            }
        }
        switch route {
        case .unknown:
            return Self.response(.unknownPath, answer)
        case .discovery(let document):
            guard method == "GET" else { return Self.response(Self.methodNotAllowed, answer) }
            return Self.response(json: document, status: 200, answer)
        case .resource(let attributes, let collection):
            if !cluster.isAllowed(attributes) { return Self.response(.forbidden(attributes, user: attributes.user), answer) }
            do {
                return try handle(
                    attributes, collection: collection, method: method, query: queryItems, headers: headers, body: body,
                    requestBody: request.body, context: context, watchFault: watchFault, answer: answer)
            } catch {
                return Self.response(error: error, answer)
            }
        }
    }

    // MARK: Authentication

    /// The token's user, else a verified client certificate's common name; `nil` when neither.
    func authenticatedUser(headers: [String: String], channel: any Channel) async -> String? {
        if let tokens = options.tokens, let authorization = headers["authorization"], authorization.hasPrefix("Bearer "),
            let user = tokens[String(authorization.dropFirst("Bearer ".count)).trimmed]
        {
            return user
        }
        guard options.tls?.clientCertificateAuthorityPEM != nil, let certificate = try? await channel.nioSSL_peerCertificate().get() else {
            return options.tokens == nil ? options.user : nil
        }
        // NIOSSLCertificate's description is the one public place that names the common name.
        let description = certificate.description
        guard let range = description.range(of: ";common_name=") else { return options.user }
        return String(description[range.upperBound...].prefix { $0 != ";" && $0 != ">" })
    }

    // MARK: Routing

    func route(method: String, path: String, query: [String: String], user: String) -> Route {
        let segments = path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
        switch segments.first {
        case "version" where segments.count == 1:
            return .discovery(Self.version)
        case "api":
            if segments.count == 1 { return .discovery(["kind": "APIVersions", "versions": ["v1"]]) }
            if segments.count == 2 { return discovery(group: "", version: segments[1]) }
            return route(group: "", version: segments[1], rest: Array(segments.dropFirst(2)), method: method, query: query, user: user)
        case "apis":
            if segments.count == 1 { return .discovery(groupList()) }
            if segments.count == 2 { return groupDiscovery(segments[1]) }
            if segments.count == 3 { return discovery(group: segments[1], version: segments[2]) }
            return route(
                group: segments[1], version: segments[2], rest: Array(segments.dropFirst(3)), method: method, query: query, user: user)
        default:
            return .unknown
        }
    }

    func route(group: String, version: String, rest: [String], method: String, query: [String: String], user: String) -> Route {
        var rest = rest
        var namespace: String?
        if rest.count >= 3, rest[0] == "namespaces", cluster.resource(group: group, version: version, plural: rest[2]) != nil {
            namespace = rest[1]
            rest.removeFirst(2)
        }
        guard (1...3).contains(rest.count), let resource = cluster.resource(group: group, version: version, plural: rest[0]) else {
            return .unknown
        }
        if namespace != nil && !resource.namespaced { return .unknown }
        let name = rest.count >= 2 ? rest[1] : nil
        let subresource = rest.count == 3 ? rest[2] : nil
        if resource.namespaced && namespace == nil && (name != nil || method == "POST") { return .unknown }
        if let subresource {
            let known: Set<String> = resource.plural == "pods" && resource.group.isEmpty ? ["log", "eviction", "status"] : ["status"]
            guard known.contains(subresource) else { return .unknown }
        }
        let verb: String
        switch method {
        case "GET", "HEAD":
            if name == nil {
                verb = ["1", "true"].contains(query["watch"] ?? "") ? "watch" : "list"
            } else {
                verb = "get"
            }
        case "POST": verb = "create"
        case "PUT": verb = "update"
        case "PATCH": verb = "patch"
        case "DELETE": verb = name == nil ? "deletecollection" : "delete"
        default: verb = method.lowercased()
        }
        return .resource(
            FakeKubernetesRequestAttributes(
                user: user, verb: verb, resource: resource, subresource: subresource, namespace: namespace, name: name),
            collection: name == nil)
    }

    static let version: JSONValue = [
        "major": "1", "minor": "33", "gitVersion": "v1.33.0", "gitCommit": "triggerfish-fake", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc", "platform": "linux/amd64",
    ]

    func resources() -> [KubernetesResource] {
        cluster.state.withLock { Array($0.resources.values) }.sorted {
            ($0.group, $0.version, $0.plural) < ($1.group, $1.version, $1.plural)
        }
    }

    func groupList() -> JSONValue {
        var groups: [String: [String]] = [:]
        for resource in resources() where !resource.group.isEmpty {
            if !(groups[resource.group]?.contains(resource.version) ?? false) {
                groups[resource.group, default: []].append(resource.version)
            }
        }
        return [
            "kind": "APIGroupList", "apiVersion": "v1",
            "groups": .array(groups.keys.sorted().map { group in Self.group(group, versions: groups[group] ?? []) }),
        ]
    }

    static func group(_ name: String, versions: [String]) -> JSONValue {
        let entries = versions.map { JSONValue.object(["groupVersion": .string("\(name)/\($0)"), "version": .string($0)]) }
        return ["name": .string(name), "versions": .array(entries), "preferredVersion": entries.first ?? .null]
    }

    func groupDiscovery(_ group: String) -> Route {
        var versions: [String] = []
        for resource in resources() where resource.group == group && !versions.contains(resource.version) {
            versions.append(resource.version)
        }
        guard !versions.isEmpty else { return .unknown }
        return .discovery(Self.group(group, versions: versions).setting(["kind"], to: "APIGroup").setting(["apiVersion"], to: "v1"))
    }

    func discovery(group: String, version: String) -> Route {
        let served = resources().filter { $0.group == group && $0.version == version }
        guard !served.isEmpty else { return .unknown }
        var entries: [JSONValue] = []
        for resource in served {
            let verbs: JSONValue = ["create", "delete", "get", "list", "patch", "update", "watch"]
            entries.append([
                "name": .string(resource.plural), "singularName": .string(resource.kind.lowercased()),
                "namespaced": .bool(resource.namespaced),
                "kind": .string(resource.kind), "verbs": verbs,
            ])
            var subresources: [(String, String, JSONValue)] = []
            if FakeKubernetesCluster.statusSubresource.contains(resource.plural) {
                subresources.append(("status", resource.kind, ["get", "patch", "update"]))
            }
            if resource.group.isEmpty && resource.plural == "pods" {
                subresources += [("eviction", "Eviction", ["create"]), ("log", "Pod", ["get"])]
            }
            for (name, kind, subVerbs) in subresources {
                entries.append([
                    "name": .string("\(resource.plural)/\(name)"), "singularName": "", "namespaced": .bool(resource.namespaced),
                    "kind": .string(kind), "verbs": subVerbs,
                ])
            }
        }
        return .discovery([
            "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
            "resources": .array(entries),
        ])
    }

    // MARK: Handling

    static let methodNotAllowed = FakeKubernetesStatus(
        code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")

    func handle(
        _ attributes: FakeKubernetesRequestAttributes, collection: Bool, method: String, query: [String: String], headers: [String: String],
        body: Data, requestBody: RequestBody, context: FakeKubernetesRequestContext, watchFault: FakeKubernetesFault.Effect?,
        answer: @escaping @Sendable (Int) -> Void
    ) throws -> Response {
        let resource = attributes.resource
        let namespace = attributes.namespace
        switch (attributes.verb, attributes.subresource) {
        case ("list", nil):
            let list = try cluster.list(
                resource, namespace: namespace, labelSelector: query["labelSelector"], fieldSelector: query["fieldSelector"],
                limit: query["limit"].flatMap { Int($0) }, continue: query["continue"], resourceVersion: query["resourceVersion"],
                resourceVersionMatch: query["resourceVersionMatch"])
            return Self.response(json: list, status: 200, answer)
        case ("watch", nil):
            let timeout = query["timeoutSeconds"].flatMap { Int($0) }.map { Duration.seconds($0) }
            let (id, stream) = try cluster.watch(
                resource, namespace: namespace, labelSelector: query["labelSelector"], fieldSelector: query["fieldSelector"],
                resourceVersion: query["resourceVersion"], bookmarks: ["1", "true"].contains(query["allowWatchBookmarks"] ?? ""),
                sendInitialEvents: query["sendInitialEvents"] == "true", timeout: timeout)
            return watchResponse(
                id: id, stream: stream, requestBody: requestBody, channel: context.channel, fault: watchFault, answer: answer)
        case ("get", nil), ("get", "status"):
            guard let name = attributes.name, let object = cluster.object(resource, namespace: namespace, name: name) else {
                throw FakeKubernetesStatus.notFound(resource, name: attributes.name ?? "")
            }
            return Self.response(json: object, status: 200, answer)
        case ("get", "log"):
            let text = try cluster.log(
                namespace: namespace ?? "", pod: attributes.name ?? "", container: query["container"],
                previous: ["1", "true"].contains(query["previous"] ?? ""), tailLines: query["tailLines"].flatMap { Int($0) })
            answer(200)
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
        case ("create", nil):
            let object = try cluster.create(try Self.json(body), in: resource, namespace: namespace)
            return Self.response(json: object, status: 201, answer)
        case ("create", "eviction"):
            let eviction = try Self.json(body)
            if let bodyName = eviction["metadata"]?["name"]?.stringValue, bodyName != attributes.name {
                throw FakeKubernetesStatus.badRequest("name in URL does not match name in Eviction object")
            }
            try cluster.evict(namespace: namespace ?? "", pod: attributes.name ?? "")
            return Self.response(
                json: ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201], status: 201, answer)
        case ("update", nil), ("update", "status"):
            let object = try cluster.replace(
                try Self.json(body), in: resource, namespace: namespace, name: attributes.name ?? "", subresource: attributes.subresource)
            return Self.response(json: object, status: 200, answer)
        case ("patch", nil), ("patch", "status"):
            let contentType = (headers["content-type"] ?? "").split(separator: ";").first.map { String($0).trimmed } ?? ""
            guard let format = FakeKubernetesCluster.PatchFormat(contentType: contentType) else {
                throw FakeKubernetesStatus(
                    code: 415, reason: "UnsupportedMediaType",
                    message:
                        "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json"
                )
            }
            let object = try cluster.patch(
                try Self.json(body), format: format, in: resource, namespace: namespace, name: attributes.name ?? "",
                subresource: attributes.subresource)
            return Self.response(json: object, status: 200, answer)
        case ("delete", nil):
            let options: JSONValue? = body.isEmpty ? nil : try Self.json(body)
            let object = try cluster.delete(
                resource, namespace: namespace, name: attributes.name ?? "", preconditions: options?["preconditions"])
            if resource.group.isEmpty && resource.plural == "pods" || object["metadata"]?["deletionTimestamp"] != nil {
                return Self.response(json: object, status: 200, answer)
            }
            var details: [String: JSONValue] = ["name": .string(attributes.name ?? ""), "kind": .string(resource.plural)]
            if !resource.group.isEmpty { details["group"] = .string(resource.group) }
            if let uid = object["metadata"]?["uid"] { details["uid"] = uid }
            return Self.response(
                json: ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": .object(details)],
                status: 200,
                answer)
        default:
            throw Self.methodNotAllowed
        }
    }

    static func json(_ body: Data) throws(FakeKubernetesStatus) -> JSONValue {
        do {
            return try JSONValue.parse(Array(body))
        } catch {
            throw .badRequest("the request body is not valid JSON: \(error)")
        }
    }

    /// The newline-delimited JSON events of a watch, in a chunked body that stays open until the
    /// watch ends (its timeout, ``FakeKubernetesCluster/endWatches()``, a fault, the client or
    /// the server going away). A client that closes the connection ends its watch at once, as the
    /// API server notices a client gone without writing to it. Unlike the API server, the fake
    /// closes the connection after a watch, and its `Connection: close` header says so.
    func watchResponse(
        id: Int, stream: AsyncStream<FakeKubernetesCluster.WatchItem>, requestBody: RequestBody, channel: any Channel,
        fault: FakeKubernetesFault.Effect?, answer: @escaping @Sendable (Int) -> Void
    ) -> Response {
        let cluster = self.cluster
        channel.closeFuture.whenComplete { _ in cluster.endWatch(id) }
        answer(200)
        let body = ResponseBody { writer in
            defer { cluster.endWatch(id) }
            var events = 0
            /// Applies a fault once `events` events went out; `true` when the stream is over.
            func faulted(_ writer: inout any ResponseBodyWriter) async throws -> Bool {
                switch fault {
                case .endWatch(let after) where events >= after:
                    return true
                case .dropWatch(let after) where events >= after:
                    channel.close(promise: nil)
                    throw DroppedConnection()
                case .expireWatch(let after) where events >= after:
                    let version = Int(cluster.resourceVersion) ?? 0
                    let status = FakeKubernetesStatus.expired("too old resource version: \(max(0, version - 1)) (\(version))")
                    try await writer.write(ByteBuffer(string: Self.line("ERROR", status.json)))
                    return true
                default:
                    return false
                }
            }
            if try await faulted(&writer) {
                try await writer.finish(nil)
                return
            }
            try await requestBody.consumeWithInboundCloseHandler(
                { _ in
                    loop: for await item in stream {
                        switch item {
                        case .event(let type, let object):
                            try await writer.write(ByteBuffer(string: Self.line(type, object)))
                            events += 1
                            if try await faulted(&writer) { break loop }
                        case .bookmark(let object):
                            try await writer.write(ByteBuffer(string: Self.line("BOOKMARK", object)))
                        case .error(let status):
                            try await writer.write(ByteBuffer(string: Self.line("ERROR", status.json)))
                            break loop
                        case .end:
                            break loop
                        }
                    }
                }, onInboundClosed: { cluster.endWatch(id) })
            try await writer.finish(nil)
        }
        // Hummingbird closes the connection once a response that watched for the inbound close has
        // finished; saying so keeps a client from sending its next request on a connection that is
        // closing (AsyncHTTPClient would fail it with "I/O on closed channel").
        return Response(status: .ok, headers: [.contentType: "application/json", .connection: "close"], body: body)
    }

    /// `{"type":"ADDED","object":{...}}` and a newline, as the API server writes watch events.
    static func line(_ type: String, _ object: JSONValue) -> String {
        "{\"type\":\"\(type)\",\"object\":\(object.serialized())}\n"
    }

    // MARK: Responses

    static func response(json: JSONValue, status: Int, _ answer: @Sendable (Int) -> Void) -> Response {
        answer(status)
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: json.serialized() + "\n")))
    }

    static func response(error: any Error, _ answer: @Sendable (Int) -> Void) -> Response {
        response(error as? FakeKubernetesStatus ?? .internalError("\(error)"), answer)
    }

    static func response(_ status: FakeKubernetesStatus, _ answer: @Sendable (Int) -> Void) -> Response {
        var response = response(json: status.json, status: status.code, answer)
        if let seconds = status.retryAfterSeconds { response.headers[.retryAfter] = String(seconds) }
        return response
    }

    /// The query's parameters, decoded as Go's `url.ParseQuery` does (`+` is a space).
    static func parseQuery(_ query: String) -> [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                let spaced = text.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            items[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return items
    }
}
