import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `webhook_sink`: POSTs each finding to an HTTP(S) endpoint.
///
/// `deliver` only puts the finding in a bounded in-memory queue and returns at once; one
/// background task sends the queued findings in order with Foundation's `URLSession`. Each
/// attempt has a timeout; a failed attempt (no connection, a timeout, HTTP 408, 429 or 5xx) is
/// retried with exponential backoff up to `retries` times; other HTTP errors are not retried.
/// Timeouts and backoff are measured on the sink's clock (tests pass one they move by hand).
/// A finding given up on is logged with the URL and the reason, and counted as failed. When the
/// queue is full, a new finding is dropped, logged and counted: never silently.
///
/// Bodies, as Robusta's webhook sink sends them:
/// - `format: text` (the default): ``FindingText`` as `text/plain; charset=utf-8`, whole lines
///   while they fit in `size_limit` bytes (a first line longer than that is cut);
/// - `format: json`: ``Finding/jsonValue`` as `application/json`, keeping top-level keys in the
///   order title, description, severity, aggregation_key, source, fingerprint, starts_at,
///   ends_at, subject, enrichments while they fit in `size_limit` (a key that does not fit is
///   left out, so enrichments go first);
/// - `format: json` with `slack_webhook: true`: a Slack incoming-webhook body `{"text": ...}`
///   with the title, description, aggregation key and labels (not cut to `size_limit`).
public final class WebhookSink: FindingSink {
    /// The body format.
    public enum Format: String, Sendable {
        case text, json
    }

    /// How the sink sends.
    public struct Options: Sendable {
        public var url: URL
        public var format: Format
        /// Send a Slack incoming-webhook body (with ``Format/json``).
        public var slackWebhook: Bool
        /// Largest body, in bytes.
        public var sizeLimit: Int
        /// The `Authorization` header's value.
        public var authorization: String?
        /// Whole seconds one attempt may take, connecting included, on the sink's clock (at least 1).
        public var timeout: Int
        /// Further attempts after a failed one.
        public var retries: Int
        /// Findings that may wait for sending; more are dropped.
        public var queueCapacity: Int
        /// Seconds before the first retry; each later retry waits twice as long, up to ``maxBackoff``.
        public var initialBackoff: Double
        public var maxBackoff: Double

        public init(
            url: URL, format: Format = .text, slackWebhook: Bool = false, sizeLimit: Int = 4096, authorization: String? = nil,
            timeout: Int = WebhookSink.defaultTimeout, retries: Int = WebhookSink.defaultRetries,
            queueCapacity: Int = WebhookSink.defaultQueueCapacity, initialBackoff: Double = 0.5, maxBackoff: Double = 8
        ) {
            self.url = url
            self.format = format
            self.slackWebhook = slackWebhook
            self.sizeLimit = sizeLimit
            self.authorization = authorization
            self.timeout = max(1, timeout)
            self.retries = retries
            self.queueCapacity = queueCapacity
            self.initialBackoff = initialBackoff
            self.maxBackoff = maxBackoff
        }
    }

    /// Seconds a request may take unless `timeout_seconds` says otherwise.
    public static let defaultTimeout = 10
    /// Retries after a failed request unless `retries` says otherwise.
    public static let defaultRetries = 3
    /// Findings waiting to be sent, at most, per webhook sink.
    public static let defaultQueueCapacity = 1000
    /// Seconds URLSession's own timeout adds to ``Options/timeout``.
    static let sessionTimeoutMargin: TimeInterval = 60

    public let name: String
    public let options: Options
    let console: ConsoleOutput
    let progress: WebhookProgress
    let continuation: AsyncStream<Finding>.Continuation
    let worker: Task<Void, Never>

    /// - Parameter clock: what the sink measures request timeouts and retry backoff on.
    public init(name: String, options: Options, console: ConsoleOutput, clock: any Clock<Duration> = ContinuousClock()) {
        self.name = name
        self.options = options
        self.console = console
        let progress = WebhookProgress()
        self.progress = progress
        let configuration = URLSessionConfiguration.ephemeral
        // The clock times attempts out (WebhookSender.sendOnce); URLSession's own timer is only a
        // backstop that must never fire first.
        configuration.timeoutIntervalForRequest = TimeInterval(options.timeout) + Self.sessionTimeoutMargin
        configuration.timeoutIntervalForResource = TimeInterval(options.timeout) + Self.sessionTimeoutMargin
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        let session = URLSession(configuration: configuration)
        let (stream, continuation) = AsyncStream.makeStream(
            of: Finding.self, bufferingPolicy: .bufferingOldest(max(1, options.queueCapacity)))
        self.continuation = continuation
        let sender = WebhookSender(name: name, options: options, console: console, session: session, clock: clock)
        // The task holds what it needs, not the sink: releasing the sink finishes the queue, and
        // the task ends once it has sent what was queued.
        self.worker = Task.detached {
            for await finding in stream {
                let delivered = await sender.send(finding)
                progress.finished(delivered ? .delivered : .failed)
            }
            sender.session.finishTasksAndInvalidate()
        }
    }

    deinit {
        continuation.finish()
    }

    /// Queues the finding and returns at once; when the queue is full the finding is dropped and
    /// logged.
    public func deliver(_ finding: Finding) async {
        progress.handedOver()
        let refusal: String
        switch continuation.yield(finding) {
        case .enqueued: return
        case .dropped: refusal = "the queue is full (\(options.queueCapacity) findings waiting)"
        case .terminated: refusal = "the sink has shut down"
        @unknown default: refusal = "the queue refused it"
        }
        progress.finished(.dropped)
        console.log(
            "webhook_sink '\(name)': dropped finding '\(finding.title)' (fingerprint \(finding.fingerprint)) for \(options.url.absoluteString): \(refusal)"
        )
    }

    public func flush() async {
        await progress.waitForHandedOver()
    }

    /// Stops taking findings, sends those queued (with their retries) and waits for that.
    public func shutdown() async {
        continuation.finish()
        await worker.value
    }

    public var statistics: SinkStatistics { progress.statistics }

    /// The request body and its content type.
    public static func body(for finding: Finding, options: Options) -> (data: Data, contentType: String) {
        switch options.format {
        case .text:
            return (Data(textBody(finding, limit: options.sizeLimit).utf8), "text/plain; charset=utf-8")
        case .json where options.slackWebhook:
            return (Data(slackBody(finding).serialized().utf8), "application/json")
        case .json:
            return (Data(jsonBody(finding, limit: options.sizeLimit).serialized().utf8), "application/json")
        }
    }

    static let jsonKeyOrder = [
        "title", "description", "severity", "aggregation_key", "source", "fingerprint", "starts_at", "ends_at", "subject", "enrichments",
    ]

    /// ``Finding/jsonValue`` without the keys that would take the body past `limit` bytes.
    static func jsonBody(_ finding: Finding, limit: Int) -> JSONValue {
        guard case .object(let members) = finding.jsonValue else { return finding.jsonValue }
        var kept: [String: JSONValue] = [:]
        var size = 2  // {}
        for key in jsonKeyOrder {
            guard let value = members[key] else { continue }
            let cost = JSONValue.string(key).serialized().utf8.count + 1 + value.serialized().utf8.count + (kept.isEmpty ? 0 : 1)
            if size + cost <= limit {
                kept[key] = value
                size += cost
            }
        }
        return .object(kept)
    }

    /// ``FindingText`` lines while they fit in `limit` bytes.
    static func textBody(_ finding: Finding, limit: Int) -> String {
        var body = ""
        var size = 0
        for line in FindingText.lines(finding) {
            let cost = line.utf8.count + 1
            if size + cost > limit {
                if body.isEmpty {
                    // Not even the title fits: cut it at a character boundary.
                    for character in line {
                        if size + String(character).utf8.count + 1 > limit { break }
                        body.append(character)
                        size += String(character).utf8.count
                    }
                    if limit > 0 { body += "\n" }
                }
                break
            }
            body += line + "\n"
            size += cost
        }
        return body
    }

    static func slackBody(_ finding: Finding) -> JSONValue {
        let labels = finding.subject.labels.isEmpty ? "None" : FindingText.pairsText(finding.subject.labels)
        return [
            "text": .string(
                "*Title:* \(finding.title)\n*Description:* \(finding.description ?? "None")\n"
                    + "*Aggregation Key:* \(finding.aggregationKey)\n*labels*: \(labels)\n")
        ]
    }
}

/// Sends one finding with its retries; owned by the sink's background task.
struct WebhookSender: @unchecked Sendable {
    // URLSession is thread-safe; FoundationNetworking does not mark it Sendable everywhere.
    let name: String
    let options: WebhookSink.Options
    let console: ConsoleOutput
    let session: URLSession
    let clock: any Clock<Duration>

    /// How one attempt ended, when it did not throw.
    enum Answer {
        case response(URLResponse)
        case timedOut
    }

    /// Sends `request` once: the receiver's response, or ``Answer/timedOut`` once
    /// ``WebhookSink/Options/timeout`` seconds have passed on the clock, whichever comes first.
    /// The other is cancelled: a timed-out request is abandoned.
    func sendOnce(_ request: URLRequest) async throws -> Answer {
        let timeout = Duration.seconds(options.timeout)
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            group.addTask { .response(try await self.session.data(for: request).1) }
            group.addTask {
                try await self.clock.sleep(for: timeout)
                return .timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return .timedOut }
            return first
        }
    }

    /// Whether the receiver accepted the finding.
    func send(_ finding: Finding) async -> Bool {
        let (body, contentType) = WebhookSink.body(for: finding, options: options)
        var request = URLRequest(url: options.url, timeoutInterval: TimeInterval(options.timeout) + WebhookSink.sessionTimeoutMargin)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        if let authorization = options.authorization { request.setValue(authorization, forHTTPHeaderField: "Authorization") }
        let attempts = max(0, options.retries) + 1
        var backoff = options.initialBackoff
        var reason = ""
        for attempt in 1...attempts {
            let retryable: Bool
            do {
                switch try await sendOnce(request) {
                case .timedOut:
                    reason = "timed out"
                    retryable = true
                case .response(let response):
                    let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                    if (200..<300).contains(status) { return true }
                    reason = "HTTP \(status)"
                    retryable = status == 408 || status == 429 || status >= 500
                }
            } catch let error as URLError {
                reason = Self.describe(error)
                retryable = true
            } catch {
                reason = "\(error)"
                retryable = true
            }
            guard retryable, attempt < attempts else {
                let tries = attempt == 1 ? "1 attempt" : "\(attempt) attempts"
                console.log(
                    "webhook_sink '\(name)': gave up on finding '\(finding.title)' (fingerprint \(finding.fingerprint)) for \(options.url.absoluteString) after \(tries): \(reason)"
                )
                return false
            }
            try? await clock.sleep(for: .seconds(backoff))
            backoff = min(backoff * 2, options.maxBackoff)
        }
        return false
    }

    static func describe(_ error: URLError) -> String {
        switch error.code {
        case .timedOut: "timed out"
        case .cannotConnectToHost: "connection refused"
        case .cannotFindHost: "host not found"
        case .networkConnectionLost: "connection lost"
        case .notConnectedToInternet: "no network"
        case .secureConnectionFailed: "TLS handshake failed"
        default: "URL error \(error.code.rawValue)"
        }
    }
}

/// Counts findings handed to a webhook sink and what became of them, and lets `flush` wait.
final class WebhookProgress: Sendable {
    enum Outcome {
        case delivered, failed, dropped
    }

    struct State {
        var statistics = SinkStatistics()
        var handedOver = 0
        var finished = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let state = Mutex(State())

    var statistics: SinkStatistics { state.withLock { $0.statistics } }

    func handedOver() {
        state.withLock { $0.handedOver += 1 }
    }

    func finished(_ outcome: Outcome) {
        let ready = state.withLock { state in
            switch outcome {
            case .delivered: state.statistics.delivered += 1
            case .failed: state.statistics.failed += 1
            case .dropped: state.statistics.dropped += 1
            }
            state.finished += 1
            let finished = state.finished
            let ready = state.waiters.filter { $0.target <= finished }.map(\.continuation)
            state.waiters.removeAll { $0.target <= finished }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once every finding handed over before the call has finished.
    func waitForHandedOver() async {
        let target = state.withLock { $0.handedOver }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.finished >= target { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}
