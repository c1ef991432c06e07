import Logging
import _TriggerfishCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `console_sink`: prints each finding as ``FindingText`` to standard output.
public struct ConsoleSink: FindingSink {
    public let name: String
    let console: ConsoleOutput
    let counters = SinkCounters()

    public init(name: String, console: ConsoleOutput) {
        self.name = name
        self.console = console
    }

    public func deliver(_ finding: Finding) async {
        console.write(FindingText.render(finding))
        counters.delivered()
    }

    public func flush() async {}

    public var statistics: SinkStatistics { counters.snapshot }
}

/// `file_sink`: appends each finding as one line of JSON (``Finding/jsonValue``, sorted keys) to
/// `file_name`, creating the file if needed; without `file_name`, writes the lines to standard
/// output.
///
/// Findings for a file wait in a bounded queue (``defaultQueueCapacity``) and a background task
/// writes them, in order, so a file that cannot take them (a named pipe nobody reads, a stalled
/// disk) never holds up event processing: when the queue is full, a finding is dropped, logged and
/// counted. The file is opened without blocking for each finding, so it can be rotated or removed
/// while Triggerfish runs, and a named pipe (FIFO) with no reader fails the finding at once
/// instead of waiting for one. A line a reader does not take within ``writeTimeout`` (a pipe
/// whose reader stopped reading) fails, logged and counted.
///
/// Each line goes to the file in a single `write` on a descriptor opened with `O_APPEND`, so
/// concurrent writers (other processes, other sinks) never interleave within a line and a reader
/// never sees part of one (short of the disk filling up; a pipe takes large lines in pieces).
public final class FileSink: FindingSink {
    public let name: String
    /// The file appended to; `nil` writes to standard output.
    public let path: String?
    /// How long one line may wait for a reader to take it (a named pipe): then it fails.
    public let writeTimeout: Duration
    let console: ConsoleOutput
    let logger: Logger
    let queue: SinkQueue<Finding>
    let worker: Task<Void, Never>?

    /// Findings waiting to be written, at most, per file sink.
    public static let defaultQueueCapacity = 1000
    /// How long a line may wait for a named pipe's reader before it fails: 10 s.
    public static let defaultWriteTimeout = Duration.seconds(10)
    /// How often a write that a pipe refused (it is full) is tried again.
    static let retryInterval = Duration.milliseconds(10)

    /// - Parameters:
    ///   - logger: where a finding that could not be written, or was dropped, is reported.
    ///   - queueCapacity: findings that may wait to be written; more are dropped.
    ///   - writeTimeout: how long a line may wait for a pipe's reader (cut to
    ///     ``SinkShutdown/longestWait``).
    ///   - clock: what `writeTimeout` is measured on.
    public init(
        name: String, path: String?, console: ConsoleOutput, logger: Logger = SinkFactory.defaultLogger,
        queueCapacity: Int = FileSink.defaultQueueCapacity, writeTimeout: Duration = FileSink.defaultWriteTimeout,
        clock: any Clock<Duration> = ContinuousClock()
    ) {
        self.name = name
        self.path = path
        self.console = console
        self.logger = logger
        self.writeTimeout = SinkShutdown.wait(writeTimeout)
        let queue = SinkQueue<Finding>(capacity: queueCapacity)
        self.queue = queue
        guard let path else {
            self.worker = nil
            return
        }
        let writeTimeout = self.writeTimeout
        // The task holds what it needs, not the sink: releasing the sink closes the queue, and
        // the task ends once it has written what was queued.
        self.worker = Task {
            await queue.serve(concurrency: 1) { finding in
                let line = finding.jsonValue.serialized() + "\n"
                switch await Self.append(line, to: path, timeout: writeTimeout, clock: clock) {
                case .written:
                    return .delivered
                case .cancelled:
                    return .notDelivered
                case .failed(let problem):
                    logger.error(
                        "file_sink \(quoted: name): could not write finding \(quoted: finding.title) to \(path): \(problem)",
                        metadata: ["sink": "\(name)", "fingerprint": "\(finding.fingerprint)"])
                    return .failed
                }
            }
        }
    }

    deinit {
        queue.close()
    }

    /// Writes to standard output at once; queues for a file, dropping the finding (logged) when
    /// the queue is full.
    public func deliver(_ finding: Finding) async {
        guard let path else {
            console.write(finding.jsonValue.serialized() + "\n")
            queue.record(.delivered)
            return
        }
        queue.enqueue(finding, sink: "file_sink", name: name, destination: path, logger: logger)
    }

    public func flush() async { await queue.flush() }

    /// Stops taking findings and writes those queued; cancelled, stops at once and counts what is
    /// left as not delivered (``FindingSink/shutdown()``).
    public func shutdown() async {
        queue.close()
        guard let worker else { return }
        await withTaskCancellationHandler {
            await worker.value
        } onCancel: {
            worker.cancel()
        }
    }

    public var statistics: SinkStatistics { queue.statistics }

    enum Append: Equatable {
        case written, cancelled
        case failed(String)
    }

    /// Appends `text` with one `write` call (more when a pipe takes it in pieces), never blocking:
    /// a pipe that is full is tried again every ``retryInterval`` until `timeout` has passed on
    /// `clock`.
    static func append(_ text: String, to path: String, timeout: Duration, clock: any Clock<Duration>) async -> Append {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o644)
        guard descriptor >= 0 else {
            let failure = errno
            // Opening a FIFO for writing without blocking fails with ENXIO while nobody reads it.
            var status = stat()
            if failure == ENXIO && stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFIFO {
                return .failed("it is a named pipe (FIFO) with no reader")
            }
            return .failed(String(cString: strerror(failure)))
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var offset = 0
        var waited = Duration.zero
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }
            if written >= 0 {
                offset += written
                continue
            }
            let failure = errno
            if failure == EINTR { continue }
            guard failure == EAGAIN || failure == EWOULDBLOCK else { return .failed(String(cString: strerror(failure))) }
            if waited >= timeout { return .failed("the pipe is full and its reader did not read for \(SinkShutdown.describe(timeout))") }
            let pause = min(retryInterval, timeout - waited)
            do {
                try await clock.sleep(for: pause)
            } catch {
                return .cancelled
            }
            waited += pause
        }
        return .written
    }
}
