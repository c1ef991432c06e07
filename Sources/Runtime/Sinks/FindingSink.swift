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
    /// event processing.
    func deliver(_ finding: Finding) async
    /// Waits until everything handed over so far is written or given up on.
    func flush() async
    /// What became of the findings handed over so far.
    var statistics: SinkStatistics { get }
    /// Stops taking findings, finishes those handed over and releases what the sink holds
    /// (connections, clients). Programs call it once, before they exit.
    func shutdown() async
}

extension FindingSink {
    /// Sinks that do not count report zeros.
    public var statistics: SinkStatistics { SinkStatistics() }

    /// Sinks that hold nothing only flush.
    public func shutdown() async { await flush() }
}

/// What became of the findings handed to a sink: for tests, logs and `/metrics`.
public struct SinkStatistics: Sendable, Equatable, CustomStringConvertible {
    /// Written, or accepted by the receiver (an HTTP 2xx).
    public var delivered: Int
    /// Given up on after the retries, or not writable.
    public var failed: Int
    /// Refused because the sink's queue was full (or the sink shut down); each one is logged.
    public var dropped: Int

    public init(delivered: Int = 0, failed: Int = 0, dropped: Int = 0) {
        self.delivered = delivered
        self.failed = failed
        self.dropped = dropped
    }

    public var description: String { "delivered \(delivered), failed \(failed), dropped \(dropped)" }
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
