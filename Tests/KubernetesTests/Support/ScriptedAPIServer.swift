import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization
import Triggerfish
import TriggerfishKubernetes
import TriggerfishTesting

/// A Kubernetes API server for tests: Hummingbird on 127.0.0.1, recording every request and
/// answering from a script (answers in order), then from a handler.
final class ScriptedAPIServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var query: [String: String]
        var headers: [String: String]
        var body: String

        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    enum Answer: Sendable {
        case json(Int, JSONValue, headers: [String: String] = [:])
        case text(Int, String, headers: [String: String] = [:])
        /// A watch stream: these events, one JSON line each (`chunked`: every line split in two
        /// writes), then the end of the body or a dropped connection.
        case watch([JSONValue], end: WatchEnd = .finish, chunked: Bool = false)
    }

    enum WatchEnd: Sendable {
        case finish
        /// The connection drops once `after` returns. AsyncHTTPClient fails a body stream at once
        /// when its connection drops, discarding chunks it received that the consumer has not read
        /// yet (a watcher then watches again from the last resourceVersion it read, and a real
        /// server sends the rest again; this script would not), so `after` waits until the test has
        /// seen the client read what it needs.
        case drop(after: @Sendable () async throws -> Void)
        /// The stream stays open until the server stops.
        case hang
    }

    struct Dropped: Error {}

    struct State {
        var requests: [Request] = []
        var script: [Answer] = []
    }

    let state = Mutex(State())
    let handler: @Sendable (Request) -> Answer
    let port: Int
    let scheme: String
    private let server: Task<Void, any Error>

    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var requests: [Request] { state.withLock { $0.requests } }

    func script(_ answers: [Answer]) {
        state.withLock { $0.script += answers }
    }

    private init(port: Int, scheme: String, handler: @escaping @Sendable (Request) -> Answer, server: Task<Void, any Error>) {
        self.port = port
        self.scheme = scheme
        self.handler = handler
        self.server = server
    }

    static func with<Result>(
        tls: TLSConfiguration? = nil,
        handler: @escaping @Sendable (Request) -> Answer = { _ in .json(404, status(404, "NotFound", "not scripted")) },
        _ body: (ScriptedAPIServer) async throws -> Result
    ) async throws -> Result {
        let box = Mutex<ScriptedAPIServer?>(nil)
        let (port, task) = try await LoopbackApplication.start("the scripted API server") { configuration, onServerRunning in
            Application(
                responder: CallbackResponder<BasicRequestContext> { request, _ in
                    guard let server = box.withLock({ $0 }) else { throw Dropped() }
                    return try await server.respond(to: request)
                },
                server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
                configuration: configuration, onServerRunning: onServerRunning,
                logger: Logger(label: "ScriptedAPIServer", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        let server = ScriptedAPIServer(port: port, scheme: tls == nil ? "http" : "https", handler: handler, server: task)
        box.withLock { $0 = server }
        defer {
            task.cancel()
        }
        let result = try await body(server)
        task.cancel()
        _ = try? await task.value
        return result
    }

    func respond(to request: Hummingbird.Request) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        var query: [String: String] = [:]
        for item in URLComponents(string: "http://x\(request.uri.description)")?.queryItems ?? [] {
            query[item.name] = item.value ?? ""
        }
        let recorded = Request(
            method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
            body: String(buffer: body))
        let scripted = state.withLock { state -> Answer? in
            state.requests.append(recorded)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch scripted ?? handler(recorded) {
        case .json(let status, let json, let extra):
            var fields: HTTPFields = [.contentType: "application/json"]
            for (name, value) in extra { fields[HTTPFields.Element.Name(name)!] = value }
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: json.serialized())))
        case .text(let status, let text, let extra):
            var fields: HTTPFields = [.contentType: "text/plain"]
            for (name, value) in extra { fields[HTTPFields.Element.Name(name)!] = value }
            return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
        case .watch(let events, let end, let chunked):
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init { writer in
                    for event in events {
                        let line = event.serialized() + "\n"
                        if chunked {
                            let middle = line.index(line.startIndex, offsetBy: line.count / 2)
                            try await writer.write(ByteBuffer(string: String(line[..<middle])))
                            try await writer.write(ByteBuffer(string: String(line[middle...])))
                        } else {
                            try await writer.write(ByteBuffer(string: line))
                        }
                    }
                    switch end {
                    case .finish: try await writer.finish(nil)
                    case .drop(let after):
                        try await after()
                        throw Dropped()
                    case .hang: while true { try await Task.sleep(for: .seconds(3600)) }
                    }
                })
        }
    }

    // MARK: - Building answers

    static func status(_ code: Int, _ reason: String, _ message: String) -> JSONValue {
        [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
            "reason": .string(reason), "code": .int(code),
        ]
    }

    static func pod(_ name: String, namespace: String = "default", resourceVersion: String, phase: String = "Running") -> JSONValue {
        [
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "resourceVersion": .string(resourceVersion),
                "managedFields": [["manager": "kubelet", "operation": "Update"]],
            ],
            "status": ["phase": .string(phase)],
        ]
    }

    static func list(_ items: [JSONValue], resourceVersion: String, continue token: String? = nil) -> JSONValue {
        var metadata: [String: JSONValue] = ["resourceVersion": .string(resourceVersion)]
        if let token { metadata["continue"] = .string(token) }
        return ["kind": "PodList", "apiVersion": "v1", "metadata": .object(metadata), "items": .array(items)]
    }

    static func event(_ type: String, _ object: JSONValue) -> JSONValue {
        ["type": .string(type), "object": object]
    }

    static func bookmark(_ resourceVersion: String) -> JSONValue {
        ["type": "BOOKMARK", "object": ["kind": "Pod", "apiVersion": "v1", "metadata": ["resourceVersion": .string(resourceVersion)]]]
    }
}

/// Records the delays a client or watcher asks for, instead of sleeping.
final class RecordingSleeper: Sendable {
    let delays = Mutex<[Duration]>([])

    var recorded: [Duration] { delays.withLock { $0 } }

    var sleeper: KubernetesClient.Sleeper {
        { duration in
            self.delays.withLock { $0.append(duration) }
            try Task.checkCancellation()
            await Task.yield()
        }
    }
}

/// A client of `server` with recorded sleeps.
func makeClient(
    _ server: ScriptedAPIServer, credentials: KubernetesConfiguration.Credentials = .token("secret"),
    sleeper: RecordingSleeper = RecordingSleeper(), configure: (inout KubernetesClient.Options) -> Void = { _ in }
) throws -> KubernetesClient {
    var options = KubernetesClient.Options()
    options.requestTimeout = .seconds(60)
    configure(&options)
    return try KubernetesClient(
        configuration: KubernetesConfiguration(server: server.url, credentials: credentials), options: options,
        sleeper: sleeper.sleeper)
}

/// Runs `body` with `client` and shuts the client down after it.
@discardableResult
func using<Result>(_ client: KubernetesClient, _ body: (KubernetesClient) async throws -> Result) async throws -> Result {
    do {
        let result = try await body(client)
        try await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}

/// A fresh temporary folder.
func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "triggerfish-k8s-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ text: String, to path: String, executable: Bool = false) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path) }
}
