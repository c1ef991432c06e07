import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Triggerfish
import TriggerfishTesting

/// A minimal HTTP client of the fake API server for its tests: requests, whole answers, watch lines.
struct APIClient {
    struct Answer {
        var status: Int
        var headers: HTTPHeaders
        var text: String
        var json: JSONValue? { try? JSONValue.parse(text) }
    }

    var base: String
    var client: HTTPClient
    var token: String?

    init(_ server: FakeKubernetesServer, client: HTTPClient = .shared, token: String? = nil) {
        base = server.url.absoluteString
        self.client = client
        self.token = token
    }

    func request(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, contentType: String = "application/json")
        -> HTTPClientRequest
    {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body.serialized()))
        }
        return request
    }

    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil, contentType: String = "application/json") async throws -> Answer
    {
        let response = try await client.execute(request(method, path, body: body, contentType: contentType), timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }

    func get(_ path: String) async throws -> Answer { try await send(.GET, path) }

    /// Opens a watch and returns its lines, parsed, as they come.
    func watch(_ path: String) async throws -> WatchLines {
        let response = try await client.execute(request(.GET, path), timeout: .seconds(60))
        return WatchLines(status: Int(response.status.code), headers: response.headers, body: response.body)
    }
}

/// The events of a watch response, one JSON value per line.
struct WatchLines {
    var status: Int
    var headers: HTTPHeaders
    var iterator: HTTPClientResponse.Body.AsyncIterator
    var pending = ""

    init(status: Int, headers: HTTPHeaders, body: HTTPClientResponse.Body) {
        self.status = status
        self.headers = headers
        iterator = body.makeAsyncIterator()
    }

    /// The next event; `nil` when the stream ended cleanly.
    mutating func next() async throws -> JSONValue? {
        while true {
            if let newline = pending.firstIndex(of: "\n") {
                let line = String(pending[..<newline])
                pending = String(pending[pending.index(after: newline)...])
                return try JSONValue.parse(line)
            }
            guard let buffer = try await iterator.next() else { return nil }
            pending += String(buffer: buffer)
        }
    }

    /// The next `count` events as `TYPE name` (`BOOKMARK 12` for bookmarks, `ERROR 410 message`).
    mutating func summaries(_ count: Int) async throws -> [String] {
        var result: [String] = []
        for _ in 0..<count {
            guard let event = try await next() else {
                result.append("END")
                break
            }
            result.append(Self.summary(event))
        }
        return result
    }

    static func summary(_ event: JSONValue) -> String {
        let type = event["type"]?.stringValue ?? "?"
        let object = event["object"]
        switch type {
        case "BOOKMARK": return "BOOKMARK \(object?["metadata"]?["resourceVersion"]?.stringValue ?? "")"
        case "ERROR": return "ERROR \(object?["code"]?.intValue ?? 0) \(object?["message"]?.stringValue ?? "")"
        default:
            return
                "\(type) \(object?["metadata"]?["name"]?.stringValue ?? "") \(object?["metadata"]?["resourceVersion"]?.stringValue ?? "")"
        }
    }
}

enum Objects {
    static func pod(
        _ name: String, namespace: String = "default", labels: [String: String] = [:], node: String = "node-1", phase: String = "Running",
        containers: [String] = ["app"]
    ) -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": .object(labels.mapValues { .string($0) })],
            "spec": [
                "nodeName": .string(node),
                "containers": .array(containers.map { ["name": .string($0), "image": .string("registry.example/\($0):1.0")] }),
            ],
            "status": ["phase": .string(phase)],
        ]
    }

    static func budget(_ name: String, namespace: String = "default", app: String, allowed: Int) -> JSONValue {
        [
            "apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["minAvailable": 2, "selector": ["matchLabels": ["app": .string(app)]]],
            "status": [
                "currentHealthy": 2, "desiredHealthy": 2, "disruptionsAllowed": .int(allowed), "expectedPods": 2, "observedGeneration": 1,
            ],
        ]
    }

    static let fixedDate = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z
}

extension FakeKubernetesCluster {
    /// A cluster with a fixed clock for timestamps.
    static func fixed(_ options: FakeKubernetesCluster.Options = .init()) -> FakeKubernetesCluster {
        var options = options
        options.now = { Objects.fixedDate }
        return FakeKubernetesCluster(options: options)
    }
}
