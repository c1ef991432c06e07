import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Triggerfish

/// The Kubernetes API over HTTP (AsyncHTTPClient): the runtime's ``KubernetesAPI`` plus paginated
/// lists, watches, events of an object and the raw verbs.
///
/// Every call has a deadline (``Options/requestTimeout``; a watch: its server-side
/// `timeoutSeconds` plus ``Options/watchIdleTimeout``, and no read may wait longer than the idle
/// timeout). 429 and 5xx answers are retried with exponential backoff, waiting what `Retry-After`
/// asks when the server says; connection failures are retried for the verbs that are safe to
/// repeat (`get`, `list`, `watch`, `delete`). A 401 with credentials that can change (a token file,
/// an exec plugin) reads them again and retries once. A refusal throws ``KubernetesAPIError``.
///
/// Call ``shutdown()`` when done.
public final class KubernetesClient: KubernetesAPI, Sendable {
    public struct Options: Sendable {
        /// The deadline of every call but watches.
        public var requestTimeout: Duration = .seconds(30)
        public var retry = RetryPolicy()
        /// The `timeoutSeconds` of watches: the server ends them after this long (client-go
        /// picks 5 to 10 minutes).
        public var watchTimeoutSeconds = 300
        /// The longest a watch may stay silent: with bookmarks the server sends something at least
        /// every minute or so; after this the connection is taken as dead.
        public var watchIdleTimeout: Duration = .seconds(120)
        /// The longest line of a watch stream (one event, one object) read.
        public var maxWatchLineBytes = 16 << 20
        /// The largest answer read (one page of a list, a log).
        public var maxResponseBytes = 128 << 20
        /// Objects per page of a list.
        public var pageSize = 500
        public var connectTimeout: Duration = .seconds(10)
        /// HTTP/1.1 connections to the API server: every open watch holds one (over HTTP/2 they
        /// share a connection), so this bounds how many resources can be watched at once.
        public var maxConnections = 64

        public init() {}
    }

    /// How failed calls are retried.
    public struct RetryPolicy: Sendable {
        /// Attempts after the first.
        public var maxRetries = 5
        public var initialBackoff: Duration = .milliseconds(500)
        public var maxBackoff: Duration = .seconds(30)
        public var multiplier = 2.0
        /// The longest `Retry-After` honoured.
        public var maxRetryAfter: Duration = .seconds(60)

        public init() {}

        /// The delay before retry number `retry` (0 for the first).
        public func backoff(_ retry: Int) -> Duration {
            var delay = initialBackoff
            for _ in 0..<retry {
                delay = delay * multiplier
                if delay >= maxBackoff { return maxBackoff }
            }
            return min(delay, maxBackoff)
        }
    }

    /// Sleeps between retries; tests record the delays instead.
    public typealias Sleeper = @Sendable (Duration) async throws -> Void

    public let configuration: KubernetesConfiguration
    public let options: Options
    public let credentials: KubernetesCredentialProvider
    let http: HTTPClient
    let baseTLS: TLSConfiguration?
    /// The TLS configuration of an exec plugin's client certificate, kept while the plugin
    /// answers with the same certificate.
    let execTLS = Mutex<(certificate: [UInt8], configuration: TLSConfiguration)?>(nil)
    let sleeper: Sleeper
    let logger: Logger

    /// A client for `configuration`. Throws when its certificates or keys are not valid PEM.
    public init(
        configuration: KubernetesConfiguration, options: Options = Options(),
        credentials: KubernetesCredentialProvider? = nil, sleeper: @escaping Sleeper = { try await Task.sleep(for: $0) },
        logger: Logger = Logger(label: "triggerfish.kubernetes")
    ) throws(KubernetesConfigurationError) {
        self.configuration = configuration
        self.options = options
        self.credentials = credentials ?? KubernetesCredentialProvider(credentials: configuration.credentials)
        self.sleeper = sleeper
        self.logger = logger
        if configuration.server.hasPrefix("https://") {
            baseTLS = try Self.tlsConfiguration(configuration, certificate: configuration.clientCertificate, key: configuration.clientKey)
        } else {
            baseTLS = nil
        }
        var httpConfiguration = HTTPClient.Configuration(
            tlsConfiguration: baseTLS, redirectConfiguration: .disallow,
            timeout: .init(connect: Self.timeAmount(options.connectTimeout), read: Self.timeAmount(options.watchIdleTimeout)))
        httpConfiguration.httpVersion = .automatic
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = options.maxConnections
        http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
    }

    /// Closes the connections. Calls after it fail.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    static func tlsConfiguration(_ configuration: KubernetesConfiguration, certificate: [UInt8]?, key: [UInt8]?)
        throws(KubernetesConfigurationError) -> TLSConfiguration
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = configuration.certificateAuthority {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
        } catch {
            throw KubernetesConfigurationError("\(configuration.source): the certificate authority is not valid PEM: \(error)")
        }
        if configuration.insecureSkipTLSVerify { tls.certificateVerification = .none }
        if let certificate, let key {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
            } catch {
                throw KubernetesConfigurationError("\(configuration.source): the client certificate is not valid PEM: \(error)")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            } catch {
                throw KubernetesConfigurationError("\(configuration.source): the client key is not valid PEM: \(error)")
            }
        }
        return tls
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    // MARK: - Requests

    /// One call: what RBAC would name it, and the HTTP request.
    struct Call: Sendable {
        var verb: String
        var resource: String
        var namespace: String?
        var name: String?
        var method: HTTPMethod = .GET
        var path: String
        var query: [(String, String)] = []
        var body: [UInt8]?
        var contentType: String?
        var accept = "application/json"
        /// Whether a connection failure may be retried (the request may have been applied).
        var idempotent: Bool { method == .GET || method == .DELETE }
        /// An eviction's 429 is a PodDisruptionBudget's refusal, an answer, not a load signal.
        var retriesTooManyRequests = true

        func url(server: String) -> String {
            var url = server + path
            if !query.isEmpty {
                url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
            }
            return url
        }

        static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        static func escape(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }
    }

    /// Sends `call` (with retries) and hands a successful response to `read`. Non-2xx answers
    /// throw ``KubernetesAPIError`` once retries are spent.
    func execute<Result: Sendable>(
        _ call: Call, timeout: Duration, read: (HTTPClientResponse) async throws -> Result
    ) async throws -> Result {
        var retry = 0
        var reauthenticated = false
        while true {
            try Task.checkCancellation()
            let response: HTTPClientResponse
            do {
                response = try await send(call, timeout: timeout)
            } catch let error where Self.isConnectionFailure(error) && call.idempotent && retry < options.retry.maxRetries {
                let delay = options.retry.backoff(retry)
                logger.debug("Kubernetes API \(call.verb) \(call.resource): \(error); retrying in \(delay)")
                retry += 1
                try await sleeper(delay)
                continue
            }
            let status = Int(response.status.code)
            if (200..<300).contains(status) { return try await read(response) }
            let body = (try? await response.body.collect(upTo: options.maxResponseBytes)).map { Array(buffer: $0) } ?? []
            if status == 401, !reauthenticated, configuration.credentials.canChange {
                reauthenticated = true
                await credentials.invalidate()
                continue
            }
            let retryable = (status == 429 && call.retriesTooManyRequests) || status >= 500
            if retryable, retry < options.retry.maxRetries {
                let delay = Self.retryAfter(response.headers, limit: options.retry.maxRetryAfter) ?? options.retry.backoff(retry)
                logger.debug("Kubernetes API \(call.verb) \(call.resource): HTTP \(status); retrying in \(delay)")
                retry += 1
                try await sleeper(delay)
                continue
            }
            throw Self.apiError(status: status, body: body, call: call)
        }
    }

    /// One attempt.
    func send(_ call: Call, timeout: Duration) async throws -> HTTPClientResponse {
        let authentication = try await credentials.authentication()
        var request = HTTPClientRequest(url: call.url(server: configuration.server))
        request.method = call.method
        request.headers.add(name: "Accept", value: call.accept)
        request.headers.add(name: "User-Agent", value: "triggerfish/\(TriggerfishVersion.current)")
        if let authorization = authentication.authorization { request.headers.add(name: "Authorization", value: authorization) }
        if let certificate = authentication.clientCertificate, let key = authentication.clientKey, baseTLS != nil {
            if let cached = execTLS.withLock({ $0 }), cached.certificate == certificate + key {
                request.tlsConfiguration = cached.configuration
            } else {
                let tls = try Self.tlsConfiguration(configuration, certificate: certificate, key: key)
                execTLS.withLock { $0 = (certificate + key, tls) }
                request.tlsConfiguration = tls
            }
        }
        if let body = call.body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: call.contentType ?? "application/json")
        }
        return try await http.execute(request, timeout: Self.timeAmount(timeout), logger: logger)
    }

    /// Sends `call` and reads its JSON answer.
    func json(_ call: Call) async throws -> JSONValue {
        let bytes = try await execute(call, timeout: options.requestTimeout) { response in
            Array(buffer: try await response.body.collect(upTo: options.maxResponseBytes))
        }
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw KubernetesAPIError(
                code: 200, reason: "", message: "the answer is not JSON: \(error)", verb: call.verb, resource: call.resource,
                namespace: call.namespace, name: call.name)
        }
    }

    static func isConnectionFailure(_ error: any Error) -> Bool {
        !(error is KubernetesAPIError || error is KubernetesConfigurationError || error is CancellationError)
    }

    /// `Retry-After` in seconds (Kubernetes never sends the HTTP-date form), at most `limit`.
    static func retryAfter(_ headers: HTTPHeaders, limit: Duration) -> Duration? {
        guard let value = headers.first(name: "Retry-After"), let seconds = Int(value.trimmingCharacters(in: .whitespaces)),
            seconds >= 0
        else { return nil }
        return min(.seconds(seconds), limit)
    }

    /// The error for a refusal: its Status decoded, or the body's first line.
    static func apiError(status: Int, body: [UInt8], call: Call) -> KubernetesAPIError {
        var code = status
        var reason = ""
        var message: String
        if let json = try? JSONValue.parse(body), json["kind"]?.stringValue == "Status" {
            code = json["code"]?.intValue ?? status
            reason = json["reason"]?.stringValue ?? ""
            message = json["message"]?.stringValue ?? ""
        } else {
            let text = String(decoding: body.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            message = line.count > 300 ? String(line.prefix(300)) + "..." : line
            if message.isEmpty { message = "HTTP \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase), no body" }
        }
        return KubernetesAPIError(
            code: code, reason: reason, message: message, verb: call.verb, resource: call.resource, namespace: call.namespace,
            name: call.name)
    }

    // MARK: - KubernetesAPI

    public func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? {
        let namespace = resource.namespaced ? namespace : nil
        let call = Call(
            verb: "get", resource: resource.description, namespace: namespace, name: name,
            path: resource.path(namespace: namespace, name: name))
        do {
            return KubernetesObject(json: Self.typed(try await json(call), resource))
        } catch let error as KubernetesAPIError where error.isNotFound {
            return nil
        }
    }

    public func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    {
        try await listAll(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector).items
    }

    public func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        var query: [(String, String)] = []
        if let container { query.append(("container", container)) }
        if previous { query.append(("previous", "true")) }
        if let tailLines { query.append(("tailLines", String(tailLines))) }
        let call = Call(
            verb: "get", resource: "pods/log", namespace: namespace, name: pod,
            path: KubernetesResource.pod.path(namespace: namespace, name: pod) + "/log", query: query, accept: "*/*")
        do {
            return try await execute(call, timeout: options.requestTimeout) { response in
                String(buffer: try await response.body.collect(upTo: options.maxResponseBytes))
            }
        } catch let error as KubernetesAPIError where error.isNotFound || (error.code == 400 && error.message.contains("not found")) {
            // 400 `previous terminated container "x" in pod "y" not found`: there is no such log.
            return nil
        }
    }

    public func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject {
        let namespace = resource.namespaced ? object.namespace : nil
        let call = Call(
            verb: "create", resource: resource.description, namespace: namespace, name: object.name, method: .POST,
            path: resource.path(namespace: namespace), body: Array(object.json.serialized().utf8))
        return KubernetesObject(json: Self.typed(try await json(call), resource))
    }

    public func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    {
        let namespace = resource.namespaced ? namespace : nil
        let call = Call(
            verb: "patch", resource: resource.description, namespace: namespace, name: name, method: .PATCH,
            path: resource.path(namespace: namespace, name: name), body: Array(patch.serialized().utf8), contentType: type.rawValue)
        return KubernetesObject(json: Self.typed(try await json(call), resource))
    }

    public func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws {
        let namespace = resource.namespaced ? namespace : nil
        let call = Call(
            verb: "delete", resource: resource.description, namespace: namespace, name: name, method: .DELETE,
            path: resource.path(namespace: namespace, name: name))
        _ = try await json(call)
    }

    public func evict(namespace: String, pod: String) async throws {
        let body: JSONValue = [
            "apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": .string(pod), "namespace": .string(namespace)],
        ]
        var call = Call(
            verb: "create", resource: "pods/eviction", namespace: namespace, name: pod, method: .POST,
            path: KubernetesResource.pod.path(namespace: namespace, name: pod) + "/eviction", body: Array(body.serialized().utf8))
        call.retriesTooManyRequests = false
        _ = try await json(call)
    }

    // MARK: - Lists

    /// One page of a list.
    public struct ListPage: Sendable {
        public var items: [KubernetesObject]
        /// The list's `metadata.resourceVersion`: where a watch of what follows starts.
        public var resourceVersion: String
        /// The `continue` token of the next page; `nil` on the last page.
        public var continueToken: String?
    }

    /// One page of `resource`: at most `limit` objects, from the `continue` token of the previous page.
    public func listPage(
        _ resource: KubernetesResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil,
        limit: Int? = nil, continue token: String? = nil
    ) async throws -> ListPage {
        let namespace = resource.namespaced ? namespace : nil
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let token { query.append(("continue", token)) }
        let call = Call(
            verb: "list", resource: resource.description, namespace: namespace, path: resource.path(namespace: namespace), query: query)
        let list = try await json(call)
        let items = (list["items"]?.arrayValue ?? []).map { KubernetesObject(json: Self.typed($0, resource)) }
        let next = list["metadata"]?["continue"]?.stringValue
        return ListPage(
            items: items, resourceVersion: list["metadata"]?["resourceVersion"]?.stringValue ?? "",
            continueToken: next.flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Every page of `resource` (``Options/pageSize`` objects a page) and the resourceVersion of
    /// the list (of its first page, as client-go's pager reports it).
    public func listAll(_ resource: KubernetesResource, namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil)
        async throws -> (items: [KubernetesObject], resourceVersion: String)
    {
        var page = try await listPage(
            resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, limit: options.pageSize)
        var items = page.items
        let resourceVersion = page.resourceVersion
        while let token = page.continueToken {
            page = try await listPage(
                resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, limit: options.pageSize,
                continue: token)
            items += page.items
        }
        return (items, resourceVersion)
    }

    /// Items of a list carry no `kind` and `apiVersion`: the resource's are filled in.
    static func typed(_ json: JSONValue, _ resource: KubernetesResource) -> JSONValue {
        guard case .object(var members) = json else { return json }
        if members["kind"] == nil { members["kind"] = .string(resource.kind) }
        if members["apiVersion"] == nil { members["apiVersion"] = .string(resource.apiVersion) }
        return .object(members)
    }

    // MARK: - Events

    /// The events.k8s.io/v1 Events about an object (`regarding`), in its namespace (all
    /// namespaces for a cluster-scoped object).
    public func events(regardingKind kind: String, name: String, namespace: String?) async throws -> [KubernetesObject] {
        var selector = "regarding.kind=\(kind),regarding.name=\(name)"
        if let namespace { selector += ",regarding.namespace=\(namespace)" }
        return try await list(.event, namespace: namespace, labelSelector: nil, fieldSelector: selector)
    }

    /// The core/v1 Events about an object (`involvedObject`), as `kubectl describe` shows them.
    public func coreEvents(involvedKind kind: String, name: String, namespace: String?) async throws -> [KubernetesObject] {
        var selector = "involvedObject.kind=\(kind),involvedObject.name=\(name)"
        if let namespace { selector += ",involvedObject.namespace=\(namespace)" }
        return try await list(.coreEvent, namespace: namespace, labelSelector: nil, fieldSelector: selector)
    }
}

extension KubernetesConfiguration.Credentials {
    /// Whether reading the credentials again may give others (after a 401).
    var canChange: Bool {
        switch self {
        case .tokenFile, .exec: true
        case .none, .token, .basic: false
        }
    }
}
