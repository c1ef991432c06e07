import Logging
import Synchronization
import Triggerfish

/// Collects what is written to a ``Triggerfish/ConsoleOutput``.
public final class ConsoleCapture: Sendable {
    let state = Mutex("")

    public init() {}

    /// A console writing into this capture.
    public var output: ConsoleOutput {
        ConsoleOutput(write: { text in self.state.withLock { $0 += text } })
    }

    /// Everything written so far.
    public var text: String { state.withLock { $0 } }
}

/// Collects what is logged to its ``logger``: the diagnostics of sinks and the runtime, without
/// configuring logging for the process.
public final class LogCapture: Sendable {
    /// One logged message.
    public struct Entry: Sendable, Equatable {
        public var level: Logger.Level
        public var message: String
        public var metadata: [String: String]
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let entry = Entry(level: event.level, message: event.message.description, metadata: all.mapValues(\.description))
            capture.state.withLock { $0.append(entry) }
        }
    }

    let state = Mutex([Entry]())

    public init() {}

    /// A logger (every level) writing into this capture.
    public var logger: Logger {
        Logger(label: "TriggerfishTesting.LogCapture") { _ in Handler(capture: self) }
    }

    /// What was logged so far, oldest first.
    public var entries: [Entry] { state.withLock { $0 } }

    /// The messages logged so far, oldest first.
    public var messages: [String] { entries.map(\.message) }
}

/// A sink that keeps the findings delivered to it, in order.
public final class CapturingSink: FindingSink {
    public let name: String
    let state = Mutex([Finding]())

    public init(name: String) {
        self.name = name
    }

    public func deliver(_ finding: Finding) async {
        state.withLock { $0.append(finding) }
    }

    public func flush() async {}

    /// The findings delivered so far, oldest first.
    public var findings: [Finding] { state.withLock { $0 } }

    public var statistics: SinkStatistics { SinkStatistics(delivered: findings.count) }
}
