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
}

extension FindingSink {
    /// Sinks that do not count report zeros.
    public var statistics: SinkStatistics { SinkStatistics() }
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

/// Thread-safe counters behind ``SinkStatistics``.
final class SinkCounters: Sendable {
    let state = Mutex(SinkStatistics())

    var snapshot: SinkStatistics { state.withLock { $0 } }
    func delivered() { state.withLock { $0.delivered += 1 } }
    func failed() { state.withLock { $0.failed += 1 } }
    func dropped() { state.withLock { $0.dropped += 1 } }
}

/// Standard output and the diagnostic log, as sinks write to them; tests capture both with
/// ``ConsoleCapture``.
public struct ConsoleOutput: Sendable {
    let writeText: @Sendable (String) -> Void
    let logLine: @Sendable (String) -> Void

    /// - Parameters:
    ///   - write: receives text for standard output, exactly as it is to appear (callers end
    ///     records with their own newline); one call is one record, never split.
    ///   - log: receives one diagnostic line, without its newline.
    public init(write: @escaping @Sendable (String) -> Void, log: @escaping @Sendable (String) -> Void) {
        self.writeText = write
        self.logLine = log
    }

    /// Writes text to standard output as one record.
    public func write(_ text: String) { writeText(text) }

    /// Writes a diagnostic line (a delivery that failed, a finding dropped).
    public func log(_ line: String) { logLine(line) }

    /// The process's standard output, and standard error for the log. Records from concurrent
    /// callers never interleave.
    public static let standard = ConsoleOutput(
        write: { StandardStreams.write($0, to: 1) },
        log: { StandardStreams.write($0 + "\n", to: 2) })
}

/// Collects what is written to a ``ConsoleOutput``, for tests and for callers that want the text.
public final class ConsoleCapture: Sendable {
    let state = Mutex((text: "", log: [String]()))

    public init() {}

    /// A console writing into this capture.
    public var output: ConsoleOutput {
        ConsoleOutput(
            write: { text in self.state.withLock { $0.text += text } },
            log: { line in self.state.withLock { $0.log.append(line) } })
    }

    /// Everything written to standard output so far.
    public var text: String { state.withLock { $0.text } }

    /// The diagnostic lines so far, oldest first.
    public var logLines: [String] { state.withLock { $0.log } }
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
