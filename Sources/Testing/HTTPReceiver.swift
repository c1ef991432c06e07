import Foundation
import Hummingbird
import Logging
import Synchronization

/// A live HTTP/1.1 receiver on 127.0.0.1 with an ephemeral port (Hummingbird), for testing what
/// sinks send. It records every request, whatever its method and path, and answers by a script:
/// a status, a status after a delay, or no answer at all (``Answer/hang``: the request stays open
/// until the client gives up or the receiver stops). After ``stop()`` the port refuses
/// connections, as a receiver that is down.
///
/// ```swift
/// try await HTTPReceiver.withReceiver { receiver in
///     receiver.answer([.status(503)])
///     let sink = WebhookSink(name: "hook", options: .init(url: receiver.url))
///     ...
///     #expect(receiver.requests.count == 2)
/// }
/// ```
public final class HTTPReceiver: Sendable {
    /// A request as it arrived.
    public struct Request: Sendable {
        public var method: String
        /// The path, without the query.
        public var path: String
        /// Header values by lower-cased name; repeated headers joined with ", ".
        public var headers: [String: String]
        public var body: Data
        /// The body as UTF-8.
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// How the receiver answers a request.
    public enum Answer: Sendable {
        /// This status, with the body `ok`.
        case status(Int)
        /// This status once `delay` has passed (on the continuous clock: for tests of concurrency,
        /// never of time).
        case delayed(Duration, status: Int)
        /// Reads the request and never answers, until the client gives up or ``stop()``.
        case hang
        /// This status with this body and `Content-Type` (a server's JSON answer, say).
        case body(status: Int, text: String, contentType: String = "application/json")
    }

    /// Larger bodies end the request with an error (HTTP 500).
    public static let bodyLimit = 64 << 20

    final class Recorder: Sendable {
        struct State {
            var requests: [Request] = []
            var script: [Answer] = []
            var otherwise: Answer = .status(200)
        }

        let state = Mutex(State())

        func respond(to request: Hummingbird.Request) async throws -> Response {
            var request = request
            let body = try await request.collectBody(upTo: HTTPReceiver.bodyLimit)
            var headers: [String: String] = [:]
            for field in request.headers {
                let name = field.name.canonicalName
                headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
            }
            let recorded = Request(
                method: request.method.rawValue, path: request.uri.path, headers: headers, body: Data(body.readableBytesView))
            let answer = state.withLock { state -> Answer in
                state.requests.append(recorded)
                return state.script.isEmpty ? state.otherwise : state.script.removeFirst()
            }
            switch answer {
            case .status(let status):
                return Self.response(status)
            case .delayed(let delay, let status):
                try await Task.sleep(for: delay)
                return Self.response(status)
            case .body(let status, let text, let contentType):
                return Response(
                    status: .init(code: status), headers: [.contentType: contentType],
                    body: .init(byteBuffer: ByteBuffer(string: text)))
            case .hang:
                // Ends when stop() cancels the server, which closes the connection.
                while true { try await Task.sleep(for: .seconds(3600)) }
            }
        }

        static func response(_ status: Int) -> Response {
            Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
    }

    /// The port the receiver listens on.
    public let port: Int
    let recorder: Recorder
    let server: Task<Void, any Error>

    init(port: Int, recorder: Recorder, server: Task<Void, any Error>) {
        self.port = port
        self.recorder = recorder
        self.server = server
    }

    /// The receiver started, listening. Call ``stop()`` when done (or use ``withReceiver(_:)``).
    public static func start() async throws -> HTTPReceiver {
        let recorder = Recorder()
        let (port, server) = try await LoopbackApplication.start("the HTTP receiver") { configuration, onServerRunning in
            Application(
                responder: CallbackResponder<BasicRequestContext> { request, _ in try await recorder.respond(to: request) },
                configuration: configuration, onServerRunning: onServerRunning,
                logger: Logger(label: "TriggerfishTesting.HTTPReceiver", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        return HTTPReceiver(port: port, recorder: recorder, server: server)
    }

    /// Runs `body` with a started receiver and stops the receiver after it, whether it throws or not.
    public static func withReceiver<Result>(_ body: (HTTPReceiver) async throws -> Result) async throws -> Result {
        let receiver = try await start()
        do {
            let result = try await body(receiver)
            await receiver.stop()
            return result
        } catch {
            await receiver.stop()
            throw error
        }
    }

    /// Where to post: `http://127.0.0.1:PORT/hook`.
    public var url: URL { URL(string: "http://127.0.0.1:\(port)/hook")! }

    /// Answers for the next requests, in order; later requests get `otherwise`.
    public func answer(_ script: [Answer], otherwise: Answer = .status(200)) {
        recorder.state.withLock {
            $0.script = script
            $0.otherwise = otherwise
        }
    }

    /// The requests so far, oldest first.
    public var requests: [Request] { recorder.state.withLock { $0.requests } }

    /// Waits until at least `count` requests arrived. No deadline of its own: the test's time limit
    /// ends a test whose requests never come (it cancels the test, which ends the wait).
    public func waitForRequests(_ count: Int) async {
        while requests.count < count && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Stops listening and ends every open request, answered or not: once it returns the port
    /// refuses connections. Stopping twice is harmless.
    public func stop() async {
        server.cancel()
        _ = try? await server.value
    }
}
