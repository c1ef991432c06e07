import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Triggerfish

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sends one finding with its retries; owned by the sink's background task.
struct WebhookSender: Sendable {
    let name: String
    let options: WebhookSink.Options
    let logger: Logger
    let clock: any Clock<Duration>

    /// The largest response body read (and dropped): receivers answer with a few bytes.
    static let responseBodyLimit = 1 << 20

    /// How one attempt ended, when it did not throw.
    enum Answer {
        case status(Int)
        case timedOut
    }

    /// Sends `request` once: the receiver's status, or ``Answer/timedOut`` once
    /// ``WebhookSink/Options/timeout`` seconds have passed on the clock, whichever comes first.
    /// The other is cancelled: a timed-out request is abandoned (AsyncHTTPClient closes its
    /// connection).
    func sendOnce(_ request: HTTPClientRequest, with client: HTTPClient) async throws -> Answer {
        let timeout = SinkShutdown.wait(seconds: options.timeout)
        let backstop = WebhookSink.clientBackstop(options)
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            group.addTask {
                let response = try await client.execute(request, timeout: backstop)
                // Read the body so the connection can be reused; its content does not matter.
                _ = try await response.body.collect(upTo: Self.responseBodyLimit)
                return .status(Int(response.status.code))
            }
            group.addTask {
                try await self.clock.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return .timedOut }
            return first
        }
    }

    /// The request for a finding.
    func request(for finding: Finding) -> HTTPClientRequest {
        let (body, contentType) = WebhookSink.body(for: finding, options: options)
        var request = HTTPClientRequest(url: options.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: contentType)
        if let authorization = options.authorization { request.headers.add(name: "Authorization", value: authorization) }
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// Attempts a finding takes at most: `retries` + 1, whatever `retries` is.
    var attempts: Int {
        let (sum, overflow) = max(0, options.retries).addingReportingOverflow(1)
        return overflow ? Int.max : sum
    }

    /// Whether the receiver accepted the finding, or ``SinkQueue/Outcome/notDelivered`` when the
    /// task was cancelled (the sink shut down) before it did.
    func send(_ finding: Finding, with client: HTTPClient) async -> SinkQueue<Finding>.Outcome {
        let request = request(for: finding)
        let attempts = self.attempts
        let maxBackoff = SinkShutdown.wait(seconds: options.maxBackoff)
        var backoff = min(SinkShutdown.wait(seconds: options.initialBackoff), maxBackoff)
        var reason = ""
        var attempt = 0
        while true {
            attempt += 1
            let retryable: Bool
            do {
                switch try await sendOnce(request, with: client) {
                case .timedOut:
                    reason = "timed out"
                    retryable = true
                case .status(let status):
                    if (200..<300).contains(status) { return .delivered }
                    reason = "HTTP \(status)"
                    retryable = status == 408 || status == 429 || status >= 500
                }
            } catch {
                reason = Self.describe(error)
                retryable = true
            }
            if Task.isCancelled { return .notDelivered }
            guard retryable, attempt < attempts else {
                let tries = attempt == 1 ? "1 attempt" : "\(attempt) attempts"
                logger.warning(
                    "webhook_sink '\(name)': gave up on finding '\(finding.title)' (fingerprint \(finding.fingerprint)) for \(options.url.absoluteString) after \(tries): \(reason)",
                    metadata: ["fingerprint": "\(finding.fingerprint)"])
                return .failed
            }
            do {
                try await clock.sleep(for: backoff)
            } catch {
                return .notDelivered
            }
            backoff = min(backoff * 2, maxBackoff)
        }
    }

    /// A failed attempt's reason, in the words the log has always used.
    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPClientError:
            switch error {
            case .connectTimeout, .readTimeout, .writeTimeout, .deadlineExceeded: "timed out"
            case .remoteConnectionClosed: "connection lost"
            default: "\(error)"
            }
        case let error as NIOConnectionError:
            if error.dnsAError != nil && error.dnsAAAAError != nil && error.connectionErrors.isEmpty {
                "host not found"
            } else if let first = error.connectionErrors.first {
                describe(first.error)
            } else {
                "could not connect"
            }
        case let error as IOError:
            switch error.errnoCode {
            case ECONNREFUSED: "connection refused"
            case ECONNRESET, EPIPE: "connection lost"
            case ENETUNREACH, EHOSTUNREACH: "no network"
            default: error.description
            }
        case is NIOSSLError: "TLS handshake failed"
        case ChannelError.connectTimeout: "timed out"
        default: "\(error)"
        }
    }
}
