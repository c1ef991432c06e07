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
/// Each line goes to the file in a single `write` on a descriptor opened with `O_APPEND`, so
/// concurrent writers (tasks of this process, or other processes) never interleave within a
/// line and a reader never sees part of one (short of the disk filling up). The file is opened
/// for each finding, so it can be rotated or removed while Triggerfish runs.
public struct FileSink: FindingSink {
    public let name: String
    /// The file appended to; `nil` writes to standard output.
    public let path: String?
    let console: ConsoleOutput
    let logger: Logger
    let counters = SinkCounters()

    /// - Parameter logger: where a finding that could not be written is reported.
    public init(name: String, path: String?, console: ConsoleOutput, logger: Logger = SinkFactory.defaultLogger) {
        self.name = name
        self.path = path
        self.console = console
        self.logger = logger
    }

    public func deliver(_ finding: Finding) async {
        let line = finding.jsonValue.serialized() + "\n"
        guard let path else {
            console.write(line)
            counters.delivered()
            return
        }
        if let problem = Self.append(line, to: path) {
            counters.failed()
            logger.error(
                "file_sink \(quoted: name): could not write finding \(quoted: finding.title) to \(path): \(problem)",
                metadata: ["sink": "\(name)", "fingerprint": "\(finding.fingerprint)"])
        } else {
            counters.delivered()
        }
    }

    public func flush() async {}

    public var statistics: SinkStatistics { counters.snapshot }

    /// Appends `text` with one `write` call; returns what went wrong, or `nil`.
    static func append(_ text: String, to path: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return String(cString: strerror(errno)) }
        defer { close(descriptor) }
        var bytes = Array(text.utf8)
        let failure = writeAll(&bytes, to: descriptor)
        return failure == 0 ? nil : String(cString: strerror(failure))
    }
}
