import Foundation
import Hummingbird
import NIOCore
import Triggerfish

/// The runner's endpoints. Seven fixed routes: dispatched by hand on method and path, so every
/// answer (404, 405 with `Allow`, 503 while draining) is ours and shaped like the rest.
extension Runner {
    func respond(to request: Request) async -> Response {
        let path = request.uri.path
        switch (path, request.method) {
        case ("/api/handle", .post): return await ingest(request, endpoint: .handle)
        case ("/api/alerts", .post): return await ingest(request, endpoint: .alerts)
        case ("/api/trigger", .post): return await trigger(request)
        case ("/api/playbooks/reload", .post): return await reload(request)
        case ("/healthz", .get), ("/healthz", .head): return Self.json(.ok, [:])
        case ("/readyz", .get), ("/readyz", .head): return readiness()
        case ("/metrics", .get), ("/metrics", .head): return exposition()
        case ("/api/handle", _), ("/api/alerts", _), ("/api/trigger", _), ("/api/playbooks/reload", _):
            return Self.failure(.methodNotAllowed, "\(request.method) is not allowed on \(path); use POST", headers: [.allow: "POST"])
        case ("/healthz", _), ("/readyz", _), ("/metrics", _):
            return Self.failure(.methodNotAllowed, "\(request.method) is not allowed on \(path); use GET", headers: [.allow: "GET, HEAD"])
        default:
            return Self.failure(
                .notFound,
                "no endpoint at \(path); the runner serves POST /api/handle, /api/alerts, /api/trigger, /api/playbooks/reload and GET /healthz, /readyz, /metrics"
            )
        }
    }

    // MARK: Inputs

    /// `/api/handle` and `/api/alerts`: decode while the client waits, queue, answer.
    func ingest(_ request: Request, endpoint: RunnerMetrics.Endpoint) async -> Response {
        metrics.receive(endpoint)
        if let refusal = refuseWhileDraining(endpoint) { return refusal }
        if options.authenticateInputs, let refusal = authenticate(request, endpoint: endpoint) { return refusal }
        let body: ByteBuffer
        switch await readBody(request, endpoint: endpoint) {
        case .success(let read): body = read
        case .failure(let refusal): return refusal.response
        }
        let input: RecordedInput
        do throws(InputError) {
            input = try body.withUnsafeReadableBytes { bytes throws(InputError) in try InputDecoder.decode(bytes) }
        } catch {
            metrics.reject(endpoint, .badInput)
            return Self.failure(.badRequest, error.message)
        }
        switch (endpoint, input) {
        case (.handle, .alerts):
            metrics.reject(endpoint, .badInput)
            return Self.failure(.badRequest, "this is an Alertmanager webhook; Alertmanager posts to /api/alerts, kubewatch to /api/handle")
        case (.alerts, .kubernetes):
            metrics.reject(endpoint, .badInput)
            return Self.failure(.badRequest, "this is a kubewatch CloudEvent; kubewatch posts to /api/handle, Alertmanager to /api/alerts")
        default: break
        }
        switch queue.offer(QueuedInput(input: input, endpoint: endpoint, accepted: .now)) {
        case .accepted:
            metrics.accept(endpoint)
            metrics.queueDepth.record(queue.depth)
            return Self.json(.ok, ["success": true])
        case .full:
            metrics.reject(endpoint, .queueFull)
            logger.warning("\(endpoint.path): queue full (\(queue.capacity) inputs); answered 503 so the sender retries")
            return Self.failure(
                .serviceUnavailable, "the input queue is full (\(queue.capacity) inputs); retry later",
                headers: [.retryAfter: String(options.retryAfterSeconds)])
        case .closed:
            metrics.reject(endpoint, .shuttingDown)
            return shuttingDown()
        }
    }

    // MARK: Reload

    func reload(_ request: Request) async -> Response {
        metrics.receive(.reload)
        if let refusal = refuseWhileDraining(.reload) { return refusal }
        if let refusal = authenticate(request, endpoint: .reload) { return refusal }
        switch await reloader.reload(reason: "requested") {
        case .reloaded(let playbooks, let warnings):
            metrics.accept(.reload)
            return Self.json(
                .ok,
                [
                    "success": true, "msg": .string("reloaded \(setup.configPath): \(playbooks) playbook(s)"),
                    "warnings": .array(warnings.map(JSONValue.string)),
                ])
        case .rejected(let error):
            let errors = error.diagnostics.filter { $0.severity == .error }.count
            return Self.json(
                .unprocessableContent,
                [
                    "success": false,
                    "msg": .string(
                        "\(setup.configPath): the new config has \(errors) error\(errors == 1 ? "" : "s"); still running the previous one"),
                    "diagnostics": .array(error.diagnostics.map { .string($0.description) }),
                ])
        }
    }

    // MARK: Health

    func readiness() -> Response {
        if draining.load(ordering: .relaxed) || queue.isClosed {
            return Self.json(.serviceUnavailable, ["ready": false, "reason": "shutting down"])
        }
        if let elector, !elector.isLeader {
            // The Service sends alerts and kubewatch changes to the leader only.
            return Self.json(
                .serviceUnavailable,
                [
                    "ready": false,
                    "reason": .string(
                        "not the leader: another replica holds Lease \(elector.options.namespace)/\(elector.options.leaseName)"),
                ])
        }
        let depth = queue.depth
        if depth >= queue.capacity {
            return Self.json(.serviceUnavailable, ["ready": false, "reason": .string("the input queue is full (\(depth) inputs)")])
        }
        return Self.json(.ok, ["ready": true])
    }

    func exposition() -> Response {
        metrics.queueDepth.record(queue.depth)
        metrics.publish(sinks: live.current.sinks)
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
    }

    // MARK: Refusals

    /// A refusal: its response, already counted.
    struct Refusal: Error {
        var response: Response
    }

    func refuseWhileDraining(_ endpoint: RunnerMetrics.Endpoint) -> Response? {
        guard draining.load(ordering: .relaxed) else { return nil }
        metrics.reject(endpoint, .shuttingDown)
        return shuttingDown()
    }

    func shuttingDown() -> Response {
        Self.failure(
            .serviceUnavailable, "the runner is shutting down; retry against another replica or after it restarts",
            headers: [.retryAfter: String(options.retryAfterSeconds)])
    }

    /// `nil` when the request carries the token; otherwise the 401 (or 403 when no token is configured).
    func authenticate(_ request: Request, endpoint: RunnerMetrics.Endpoint) -> Response? {
        guard let token = options.token else {
            metrics.reject(endpoint, .unauthorized)
            return Self.failure(
                .forbidden,
                "\(endpoint.path) needs a bearer token, and none is configured: start the runner with --token-file FILE or TRIGGERFISH_TOKEN"
            )
        }
        guard token.matches(authorization: request.headers[.authorization]) else {
            metrics.reject(endpoint, .unauthorized)
            let message =
                request.headers[.authorization] == nil
                ? "\(endpoint.path) needs 'Authorization: Bearer <token>'"
                : "the bearer token is not the runner's"
            return Self.failure(.unauthorized, message, headers: [.wwwAuthenticate: "Bearer realm=\"triggerfish\""])
        }
        return nil
    }

    /// The request body, up to the size limit and within the body deadline.
    func readBody(_ request: Request, endpoint: RunnerMetrics.Endpoint) async -> Result<ByteBuffer, Refusal> {
        let limit = options.maxBodyBytes
        let tooLarge = Refusal(response: Self.failure(.contentTooLarge, "the request body is larger than the limit of \(limit) bytes"))
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            metrics.reject(endpoint, .tooLarge)
            return .failure(tooLarge)
        }
        let body = request.body
        let outcome = await withTaskGroup(of: BodyRead.self) { group in
            group.addTask {
                do {
                    return .read(try await body.collect(upTo: limit))
                } catch is NIOTooManyBytesError {
                    return .tooLarge
                } catch {
                    return .failed("\(error)")
                }
            }
            group.addTask { [deadline = options.bodyTimeout] in
                try? await Task.sleep(for: deadline)
                return .timedOut
            }
            let first = await group.next() ?? .timedOut
            group.cancelAll()
            return first
        }
        switch outcome {
        case .read(let buffer): return .success(buffer)
        case .tooLarge:
            metrics.reject(endpoint, .tooLarge)
            return .failure(tooLarge)
        case .timedOut:
            metrics.reject(endpoint, .timeout)
            return .failure(
                Refusal(
                    response: Self.failure(
                        .requestTimeout, "the request body did not arrive within \(options.bodyTimeout)", headers: [.connection: "close"])))
        case .failed(let reason):
            metrics.reject(endpoint, .badInput)
            return .failure(Refusal(response: Self.failure(.badRequest, "the request body could not be read: \(reason)")))
        }
    }

    enum BodyRead: Sendable {
        case read(ByteBuffer)
        case tooLarge
        case timedOut
        case failed(String)
    }

    // MARK: Responses

    static func json(_ status: HTTPResponse.Status, _ value: JSONValue, headers extra: HTTPFields = [:]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: value.serialized() + "\n")))
    }

    /// `{"success": false, "msg": message}`.
    static func failure(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        json(status, ["success": false, "msg": .string(message)], headers: headers)
    }
}

extension RunnerMetrics.Endpoint {
    var path: String {
        switch self {
        case .handle: "/api/handle"
        case .alerts: "/api/alerts"
        case .trigger: "/api/trigger"
        case .reload: "/api/playbooks/reload"
        }
    }
}
