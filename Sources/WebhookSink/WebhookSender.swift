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
        let timeout = Duration.seconds(options.timeout)
        let backstop = TimeAmount.seconds(Int64(options.timeout + WebhookSink.clientTimeoutMargin))
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

    /// Whether the receiver accepted the finding.
    func send(_ finding: Finding, with client: HTTPClient) async -> Bool {
        let request = request(for: finding)
        let attempts = max(0, options.retries) + 1
        var backoff = options.initialBackoff
        var reason = ""
        for attempt in 1...attempts {
            let retryable: Bool
            do {
                switch try await sendOnce(request, with: client) {
                case .timedOut:
                    reason = "timed out"
                    retryable = true
                case .status(let status):
                    if (200..<300).contains(status) { return true }
                    reason = "HTTP \(status)"
                    retryable = status == 408 || status == 429 || status >= 500
                }
            } catch {
                reason = Self.describe(error)
                retryable = true
            }
            guard retryable, attempt < attempts else {
                let tries = attempt == 1 ? "1 attempt" : "\(attempt) attempts"
                logger.warning(
                    "webhook_sink '\(name)': gave up on finding '\(finding.title)' (fingerprint \(finding.fingerprint)) for \(options.url.absoluteString) after \(tries): \(reason)",
                    metadata: ["fingerprint": "\(finding.fingerprint)"])
                return false
            }
            try? await clock.sleep(for: .seconds(backoff))
            backoff = min(backoff * 2, options.maxBackoff)
        }
        return false
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
