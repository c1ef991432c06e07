import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Triggerfish

/// `webhook_sink`: POSTs each finding to an HTTP(S) endpoint.
///
/// `deliver` only puts the finding in a bounded in-memory queue (``SinkQueue``) and returns at
/// once; a background task sends the queued findings with the sink's own AsyncHTTPClient
/// `HTTPClient`, up to ``Options/concurrency`` at once, each started in the order handed over
/// (one at a time, they arrive in that order), and shuts the client down once the queue is
/// finished (``shutdown()``, or the sink is released) and sent. Each attempt has a timeout; a
/// failed attempt (no connection, a timeout, HTTP 408, 429 or 5xx) is retried with exponential
/// backoff up to `retries` times; other HTTP errors are not retried. Timeouts and backoff are
/// measured on the sink's clock (tests pass one they move by hand). A finding given up on is
/// logged with the URL and the reason, and counted as failed. When the queue is full, a new
/// finding is dropped, logged and counted: never silently. A shutdown that is cancelled (its
/// deadline passed) stops sending at once and counts what it did not send as not delivered.
/// Diagnostics go to the sink's `Logger`; the sink never configures logging.
///
/// Any ``Options`` values work: a negative count counts as zero, and waits longer than
/// ``Triggerfish/SinkShutdown/longestWait`` are cut to it, so no arithmetic on them overflows.
///
/// Programs build it from configs through ``Triggerfish/SinkBuilder/webhook``.
///
/// Bodies, as Robusta's webhook sink sends them:
/// - `format: text` (the default): ``FindingText`` as `text/plain; charset=utf-8`, whole lines
///   while they fit in `size_limit` bytes (a first line longer than that is cut);
/// - `format: json`: ``Finding/jsonValue`` as `application/json`, keeping top-level keys in the
///   order title, description, severity, aggregation_key, source, finding_type, failure,
///   fingerprint, starts_at, ends_at, subject, enrichments while they fit in `size_limit` (a key that does not fit is
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
        /// Findings sent at once, each with its retries (at least 1).
        public var concurrency: Int
        /// Seconds before the first retry; each later retry waits twice as long, up to ``maxBackoff``.
        public var initialBackoff: Double
        public var maxBackoff: Double

        public init(
            url: URL, format: Format = .text, slackWebhook: Bool = false, sizeLimit: Int = 4096, authorization: String? = nil,
            timeout: Int = WebhookSink.defaultTimeout, retries: Int = WebhookSink.defaultRetries,
            queueCapacity: Int = WebhookSink.defaultQueueCapacity, concurrency: Int = WebhookSink.defaultConcurrency,
            initialBackoff: Double = 0.5, maxBackoff: Double = 8
        ) {
            self.url = url
            self.format = format
            self.slackWebhook = slackWebhook
            self.sizeLimit = sizeLimit
            self.authorization = authorization
            self.timeout = max(1, timeout)
            self.retries = retries
            self.queueCapacity = queueCapacity
            self.concurrency = concurrency
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
    /// Findings sent at once unless `concurrent_requests` says otherwise.
    public static let defaultConcurrency = 4
    /// Seconds AsyncHTTPClient's own deadline adds to ``Options/timeout``.
    static let clientTimeoutMargin = 60

    public let name: String
    public let options: Options
    let logger: Logger
    let queue: SinkQueue<Finding>
    let worker: Task<Void, Never>

    /// - Parameters:
    ///   - logger: where dropped findings and findings given up on are reported.
    ///   - clock: what the sink measures request timeouts and retry backoff on.
    public init(
        name: String, options: Options, logger: Logger = SinkFactory.defaultLogger, clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.name = name
        self.options = options
        var logger = logger
        logger[metadataKey: "sink"] = "\(name)"
        self.logger = logger
        let queue = SinkQueue<Finding>(capacity: options.queueCapacity)
        self.queue = queue
        let configuration = Self.clientConfiguration(options)
        let sender = WebhookSender(name: name, options: options, logger: logger, clock: clock)
        let concurrency = options.concurrency
        // The task holds what it needs, not the sink: releasing the sink closes the queue, and
        // the task ends once it has sent what was queued and shut its client down.
        self.worker = Task {
            do {
                try await HTTPClient.withHTTPClient(configuration: configuration) { client in
                    await queue.serve(concurrency: concurrency) { finding in await sender.send(finding, with: client) }
                }
            } catch {
                // Only shutting the client down can throw here; every finding is already counted.
                logger.warning("webhook_sink '\(name)': could not shut its HTTP client down: \(error)")
            }
        }
    }

    /// AsyncHTTPClient's own deadline for a request: ``Options/timeout`` plus a margin.
    static func clientBackstop(_ options: Options) -> TimeAmount {
        .seconds(Int64(SinkShutdown.wait(seconds: options.timeout).components.seconds) + Int64(clientTimeoutMargin))
    }

    /// One client per sink: the clock times attempts out (``WebhookSender/sendOnce(_:with:)``),
    /// the client's own deadlines are only a backstop that must never fire first; a connection
    /// that cannot be made fails the attempt at once, and the sink's retries take it from there.
    static func clientConfiguration(_ options: Options) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        let backstop = clientBackstop(options)
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: backstop, read: backstop, write: backstop)
        configuration.connectionPool.retryConnectionEstablishment = false
        return configuration
    }

    deinit {
        queue.close()
    }

    /// Queues the finding and returns at once; when the queue is full the finding is dropped and
    /// logged.
    public func deliver(_ finding: Finding) async {
        queue.enqueue(finding, sink: "webhook_sink", name: name, destination: options.url.absoluteString, logger: logger)
    }

    public func flush() async {
        await queue.flush()
    }

    /// Stops taking findings, sends those queued (with their retries), shuts the HTTP client
    /// down and waits for that. Cancelled, it stops sending at once: the requests under way are
    /// abandoned and they and the findings still queued count as not delivered.
    public func shutdown() async {
        queue.close()
        let worker = self.worker
        await withTaskCancellationHandler {
            await worker.value
        } onCancel: {
            worker.cancel()
        }
    }

    public var statistics: SinkStatistics { queue.statistics }

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
        "title", "description", "severity", "aggregation_key", "source", "finding_type", "failure", "fingerprint", "starts_at", "ends_at",
        "subject", "enrichments",
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
        for line in lines(finding) {
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

    /// The lines of ``FindingText/render(_:)``, without their newlines.
    static func lines(_ finding: Finding) -> [String] {
        FindingText.render(finding).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static func slackBody(_ finding: Finding) -> JSONValue {
        let labels = finding.subject.labels
        let labelText = labels.isEmpty ? "None" : FindingText.pairsText(labels)
        return [
            "text": .string(
                "*Title:* \(finding.title)\n*Description:* \(finding.description ?? "None")\n"
                    + "*Aggregation Key:* \(finding.aggregationKey)\n*labels*: \(labelText)\n")
        ]
    }
}
