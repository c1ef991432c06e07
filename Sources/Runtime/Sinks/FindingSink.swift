import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where findings go once routed: a console, a file, an HTTP endpoint.
public protocol FindingSink: Sendable {
    /// The sink's configured name.
    var name: String { get }
    /// Hands a finding to the sink. Must return quickly: a slow or down receiver must not stall
    /// event processing (sinks that write somewhere that can block queue the finding and write it
    /// in the background, dropping it when their queue is full).
    func deliver(_ finding: Finding) async
    /// Waits until everything handed over so far is written or given up on.
    func flush() async
    /// What became of the findings handed over so far.
    var statistics: SinkStatistics { get }
    /// Stops taking findings, finishes those handed over and releases what the sink holds
    /// (connections, clients). Programs call it once, before they exit.
    ///
    /// When the task calling it is cancelled (a deadline passed, the program was interrupted),
    /// the sink stops at once: it cancels what it is writing or sending, counts every finding it
    /// did not finish as not delivered (``SinkStatistics/notDelivered``), releases what it holds
    /// and returns. ``shutdown(deadline:clock:)`` cancels it at a deadline.
    func shutdown() async
}

extension FindingSink {
    /// Sinks that do not count report zeros.
    public var statistics: SinkStatistics { SinkStatistics() }

    /// Sinks that hold nothing only flush.
    public func shutdown() async { await flush() }

    /// ``shutdown()``, cancelled once `deadline` has passed on `clock`; `false` when it was.
    public func shutdown(deadline: Duration, clock: any Clock<Duration> = ContinuousClock()) async -> Bool {
        await SinkShutdown.shutDown([self], deadline: deadline, clock: clock)
    }
}

/// Shutting sinks down with a deadline: `triggerfish replay --deliver` when the recording is done,
/// `triggerfish serve` at shutdown.
public enum SinkShutdown {
    /// The longest wait sinks measure (a request timeout, a backoff, a deadline): longer ones, which
    /// only a program can ask for (a config's values have smaller ranges), are cut to it, so no
    /// arithmetic on them can overflow. 365 days.
    public static let longestWait = Duration.seconds(365 * 86_400)

    /// `seconds` as a duration from zero to ``longestWait``.
    public static func wait(seconds: Int) -> Duration {
        .seconds(min(max(seconds, 0), 365 * 86_400))
    }

    /// `seconds` as a duration from zero to ``longestWait``; not-a-number is zero.
    public static func wait(seconds: Double) -> Duration {
        guard seconds > 0 else { return .zero }
        return .seconds(min(seconds, 365 * 86_400))
    }

    /// `duration` cut to zero through ``longestWait``.
    public static func wait(_ duration: Duration) -> Duration {
        min(max(duration, .zero), longestWait)
    }

    /// A duration as messages give it: `10 s`, `0.25 s`.
    public static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = wait(duration).components
        let milliseconds = attoseconds / 1_000_000_000_000_000
        guard milliseconds > 0 else { return "\(seconds) s" }
        var fraction = String(milliseconds + 1000).dropFirst()
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(seconds).\(fraction) s"
    }

    /// Shuts `sinks` down at the same time (``FindingSink/shutdown()``); once `deadline` has passed
    /// on `clock` (cut to ``longestWait``), those still finishing are cancelled, so they count what
    /// they did not deliver and return. Returns whether every sink finished before the deadline.
    /// Cancelling the calling task cancels the shutdowns at once (the program was interrupted).
    public static func shutDown(_ sinks: [any FindingSink], deadline: Duration, clock: any Clock<Duration> = ContinuousClock()) async
        -> Bool
    {
        let deadline = wait(deadline)
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { each in
                    for sink in sinks { each.addTask { await sink.shutdown() } }
                }
                return !Task.isCancelled
            }
            group.addTask {
                do {
                    try await clock.sleep(for: deadline)
                } catch {
                    // Cancelled: the shutdowns finished first, or the caller was cancelled.
                    return true
                }
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}

/// What became of the findings handed to a sink: for tests, logs and `/metrics`.
public struct SinkStatistics: Sendable, Equatable, CustomStringConvertible {
    /// Written, or accepted by the receiver (an HTTP 2xx).
    public var delivered: Int
    /// Given up on after the retries, or not writable.
    public var failed: Int
    /// Refused because the sink's queue was full (or the sink shut down); each one is logged.
    public var dropped: Int
    /// Still queued, or being written or sent, when the sink's shutdown was cancelled (a deadline
    /// passed, the program was interrupted).
    public var notDelivered: Int

    public init(delivered: Int = 0, failed: Int = 0, dropped: Int = 0, notDelivered: Int = 0) {
        self.delivered = delivered
        self.failed = failed
        self.dropped = dropped
        self.notDelivered = notDelivered
    }

    public var description: String {
        "delivered \(delivered), failed \(failed), dropped \(dropped), not delivered \(notDelivered)"
    }
}

/// Thread-safe counters behind ``SinkStatistics``, for sinks written outside the runtime too.
public final class SinkCounters: Sendable {
    let state = Mutex(SinkStatistics())

    public init() {}

    public var snapshot: SinkStatistics { state.withLock { $0 } }
    public func delivered() { state.withLock { $0.delivered += 1 } }
    public func failed() { state.withLock { $0.failed += 1 } }
    public func dropped() { state.withLock { $0.dropped += 1 } }
}

/// Standard output, as sinks write findings to it (`console_sink`, `file_sink` without a file).
/// Diagnostics (a delivery that failed, a finding dropped) are not output: sinks log them with
/// swift-log's `Logger`.
public struct ConsoleOutput: Sendable {
    let writeText: @Sendable (String) -> Void

    /// - Parameter write: receives text for standard output, exactly as it is to appear (callers
    ///   end records with their own newline); one call is one record, never split.
    public init(write: @escaping @Sendable (String) -> Void) {
        self.writeText = write
    }

    /// Writes text to standard output as one record.
    public func write(_ text: String) { writeText(text) }

    /// The process's standard output. Records from concurrent callers never interleave.
    public static let standard = ConsoleOutput(write: { StandardStreams.write($0, to: 1) })
}

enum StandardStreams {
    static let lock = Mutex(())

    /// Writes all of `text` to a file descriptor under one lock, so records do not interleave.
    static func write(_ text: String, to descriptor: Int32) {
        var bytes = Array(text.utf8)
        lock.withLock { _ in _ = writeAll(&bytes, to: descriptor) }
    }
}

/// Writes every byte, retrying after interruptions and short writes. Returns `errno` of a
/// failure, or 0.
func writeAll(_ bytes: inout [UInt8], to descriptor: Int32) -> Int32 {
    bytes.withUnsafeBytes { buffer -> Int32 in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return 0
    }
}
