import AsyncHTTPClient
import Foundation
import NIOCore
import Triggerfish

/// One event of a watch stream.
public enum KubernetesWatchEvent: Sendable, Hashable {
    case added(KubernetesObject)
    case modified(KubernetesObject)
    case deleted(KubernetesObject)
    /// The server's progress mark: the watch may restart from this resourceVersion.
    case bookmark(resourceVersion: String)
    /// The server ended the watch with a Status (410 `Expired` when the resourceVersion is too old).
    case error(KubernetesAPIError)
}

/// What went wrong reading a watch stream (besides the server's refusals, ``KubernetesAPIError``).
public struct KubernetesWatchError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A watch of a resource: events as the server sends them, one JSON line each, read as the consumer
/// asks for them (a slow consumer slows the connection, nothing is buffered beyond one chunk). The
/// connection opens at the first `next()` and closes when the server ends the watch (the sequence
/// ends) or the iterator is dropped.
public struct KubernetesWatch: AsyncSequence, Sendable {
    public typealias Element = KubernetesWatchEvent

    let client: KubernetesClient
    let call: KubernetesClient.Call
    let resource: KubernetesResource
    let timeout: Duration

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(watch: self)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let watch: KubernetesWatch
        var body: HTTPClientResponse.Body.AsyncIterator?
        var opened = false
        var finished = false
        var decoder: LineDecoder

        init(watch: KubernetesWatch) {
            self.watch = watch
            self.decoder = LineDecoder(maxLineBytes: watch.client.options.maxWatchLineBytes)
        }

        public mutating func next() async throws -> KubernetesWatchEvent? {
            if finished { return nil }
            if !opened {
                opened = true
                let response = try await watch.client.execute(watch.call, timeout: watch.timeout) { $0 }
                body = response.body.makeAsyncIterator()
            }
            while true {
                if let line = decoder.nextLine() {
                    if line.isEmpty { continue }
                    return try watch.event(line)
                }
                if decoder.overflowed { throw overflow() }
                guard let chunk = try await body?.next() else {
                    finished = true
                    body = nil
                    if let rest = decoder.rest() { return try watch.event(rest) }
                    return nil
                }
                decoder.append(chunk)
            }
        }

        mutating func overflow() -> KubernetesWatchError {
            finished = true
            body = nil
            return KubernetesWatchError(
                message: "a watch of \(watch.resource) sent a line longer than \(watch.client.options.maxWatchLineBytes) bytes")
        }
    }

    func event(_ line: [UInt8]) throws -> KubernetesWatchEvent {
        let json: JSONValue
        do {
            json = try JSONValue.parse(line)
        } catch {
            throw KubernetesWatchError(message: "a watch of \(resource) sent a line that is not JSON: \(error)")
        }
        let object = json["object"] ?? .null
        switch json["type"]?.stringValue {
        case "ADDED": return .added(KubernetesObject(json: KubernetesClient.typed(object, resource)))
        case "MODIFIED": return .modified(KubernetesObject(json: KubernetesClient.typed(object, resource)))
        case "DELETED": return .deleted(KubernetesObject(json: KubernetesClient.typed(object, resource)))
        case "BOOKMARK": return .bookmark(resourceVersion: object["metadata"]?["resourceVersion"]?.stringValue ?? "")
        case "ERROR":
            return .error(
                KubernetesAPIError(
                    code: object["code"]?.intValue ?? 500, reason: object["reason"]?.stringValue ?? "",
                    message: object["message"]?.stringValue ?? "", verb: "watch", resource: call.resource, namespace: call.namespace))
        case let other:
            throw KubernetesWatchError(message: "a watch of \(resource) sent an event of unknown type '\(other ?? "(none)")'")
        }
    }
}

/// Splits a byte stream into lines, refusing lines longer than a bound.
struct LineDecoder {
    let maxLineBytes: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private(set) var overflowed = false

    init(maxLineBytes: Int) { self.maxLineBytes = maxLineBytes }

    mutating func append(_ chunk: ByteBuffer) {
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: chunk.readableBytesView)
        if buffer.count > maxLineBytes, !buffer.contains(0x0A) { overflowed = true }
    }

    /// The next complete line (without its newline), or `nil` until more bytes come or when the
    /// line is longer than the bound (``overflowed``).
    mutating func nextLine() -> [UInt8]? {
        if overflowed { return nil }
        guard let newline = buffer[start...].firstIndex(of: 0x0A) else { return nil }
        if newline - start > maxLineBytes {
            overflowed = true
            return nil
        }
        var line = Array(buffer[start..<newline])
        if line.last == 0x0D { line.removeLast() }
        start = newline + 1
        return line
    }

    /// What is left when the stream ends without a final newline.
    mutating func rest() -> [UInt8]? {
        let rest = Array(buffer[start...]).filter { $0 != 0x0D }
        buffer = []
        start = 0
        return rest.isEmpty ? nil : rest
    }
}

extension KubernetesClient {
    /// Watches `resource` from `resourceVersion` (`nil`: the server's current state, sent as ADDED
    /// events first) with bookmarks; the server ends the watch after `timeoutSeconds` (default
    /// ``Options/watchTimeoutSeconds``). Connecting is retried as any `watch` call; once events
    /// flow, a dropped connection ends the iteration with an error and the caller watches again
    /// from the last resourceVersion it saw.
    public func watch(
        _ resource: KubernetesResource, namespace: String?, resourceVersion: String?, allowBookmarks: Bool = true,
        timeoutSeconds: Int? = nil, labelSelector: String? = nil, fieldSelector: String? = nil
    ) -> KubernetesWatch {
        let namespace = resource.namespaced ? namespace : nil
        let timeoutSeconds = timeoutSeconds ?? options.watchTimeoutSeconds
        var query: [(String, String)] = [("watch", "true")]
        if let resourceVersion, !resourceVersion.isEmpty { query.append(("resourceVersion", resourceVersion)) }
        if allowBookmarks { query.append(("allowWatchBookmarks", "true")) }
        query.append(("timeoutSeconds", String(timeoutSeconds)))
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let call = Call(
            verb: "watch", resource: resource.description, namespace: namespace, path: resource.path(namespace: namespace), query: query)
        return KubernetesWatch(
            client: self, call: call, resource: resource, timeout: .seconds(timeoutSeconds) + options.watchIdleTimeout)
    }
}
