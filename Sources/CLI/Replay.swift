import ArgumentParser
import Foundation
import Logging
import Synchronization
import Triggerfish
import TriggerfishWebhookSink
import _TriggerfishCore
import _TriggerfishFileIO

/// `triggerfish replay`: run playbooks over a recording of cluster inputs, offline.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run playbooks over recorded kubewatch and Alertmanager inputs and report what they do.",
        discussion: """
            Each line of the recording is one JSON document as Robusta's runner receives it: a kubewatch \
            CloudEvent (POST /api/handle) or an Alertmanager webhook (POST /api/alerts). For each line the \
            replay prints which playbooks fired, which actions ran and which findings would go to which sink, \
            then a summary. Nothing is sent anywhere unless --deliver is given. Exits 0 when the replay ran \
            (unreadable lines and failed actions are reported, not fatal), 1 when the config or the recording \
            cannot be used or the report cannot be written to standard output.
            """)

    static let bundledConfig = "config/default.yaml"
    static let bundledRecording = "config/recording.jsonl"
    static let lanesRange = 1...256
    static let maxLineBytesRange = 1...(1 << 30)
    static let sinkFlushDeadlineRange = 1...86_400

    @Option(help: "The playbook config (runner config, Helm values or a list of playbooks).")
    var config = bundledConfig

    @Option(help: "The recording: one JSON input per line; '-' reads standard input.")
    var events = bundledRecording

    @Option(help: "'text' for people, 'json' for one JSON object per input line (see docs/replay.md).")
    var output: OutputFormat = .text

    @Flag(help: "With text output, print each finding in full.")
    var details = false

    @Flag(help: "Hand findings to the config's console, file and webhook sinks, instead of only reporting where they would go.")
    var deliver = false

    @Option(help: "With --deliver, seconds the sinks get to deliver what they hold once the recording is done (1 to 86400).")
    var sinkFlushDeadline = 20

    @Option(name: .customLong("actions"), help: "A file declaring custom actions (actions.yaml format); repeatable.")
    var actionFiles: [String] = []

    @Option(help: "How many inputs about different objects to handle at once (1 to 256); 1 keeps every run identical.")
    var lanes = 1

    @Option(
        help: "The longest line of the recording read, in bytes (1 to 1073741824); longer lines are reported as unreadable and skipped.")
    var maxLineBytes = LineReader.defaultMaxLineLength

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    func validate() throws {
        guard Self.lanesRange.contains(lanes) else {
            throw ValidationError("--lanes must be from \(Self.lanesRange.lowerBound) to \(Self.lanesRange.upperBound); got \(lanes)")
        }
        guard Self.maxLineBytesRange.contains(maxLineBytes) else {
            throw ValidationError(
                "--max-line-bytes must be from \(Self.maxLineBytesRange.lowerBound) to \(Self.maxLineBytesRange.upperBound); got \(maxLineBytes)"
            )
        }
        guard Self.sinkFlushDeadlineRange.contains(sinkFlushDeadline) else {
            throw ValidationError("--sink-flush-deadline must be from 1 to 86400 seconds; got \(sinkFlushDeadline)")
        }
        if config == "-" && events == "-" { throw ValidationError("--config and --events cannot both read standard input") }
    }

    /// A bundled file that is missing: say where it is looked for.
    static func checkBundled(_ path: String, option: String) throws(FileReadError) {
        guard path == bundledConfig || path == bundledRecording, !FileManager.default.fileExists(atPath: path) else { return }
        throw FileReadError(
            path: path,
            reason: "no such file; the bundled default is found relative to the Triggerfish checkout: run from there or pass \(option)")
    }

    /// The sinks `--deliver` builds: the runtime's and the webhook sink.
    static let sinkFactory = SinkFactory(builders: [.webhook])

    func run() async throws {
        CLILogging.bootstrap()
        let logger = Logger(label: "triggerfish")
        let engine: PlaybookEngine
        var sinks: [(name: String, sink: any FindingSink)] = []
        do throws(ConfigLoadError) {
            let schema = try PlaybookConfig.schema(addingActionFiles: actionFiles)
            do throws(FileReadError) {
                try Self.checkBundled(config, option: "--config")
            } catch {
                throw ConfigLoadError(error)
            }
            let loaded = try PlaybookConfig.load(path: config, schema: schema, customActionsHint: customActionsHint)
            for warning in loaded.warnings { printError(warning.description) }
            if deliver {
                // With JSON reports on standard output, the console sink writes to standard error.
                let console = output == .json ? ConsoleOutput(write: { printError($0, terminator: "") }) : ConsoleOutput.standard
                for configuration in loaded.sinks {
                    do throws(ParameterError) {
                        if let sink = try Self.sinkFactory.make(configuration, console: console, logger: logger) {
                            sinks.append((configuration.name, sink))
                        } else {
                            printError(
                                "\(config): warning: sink '\(configuration.name)' is a \(configuration.type), which Triggerfish does not deliver to yet; its findings are only reported"
                            )
                        }
                    } catch {
                        throw ConfigLoadError(file: config, message: "sink '\(configuration.name)': \(error)")
                    }
                }
            }
            engine = try PlaybookEngine(
                config: loaded, actions: BuiltinActionImplementations().registrations,
                sinks: Dictionary(sinks.map { ($0.name, $0.sink) }, uniquingKeysWith: { first, _ in first }))
            if !engine.unregisteredActions.isEmpty {
                printError(
                    "\(config): warning: no implementation is registered for \(engine.unregisteredActions.joined(separator: ", ")); they fail as action errors when invoked"
                )
            }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let lines: LineReader
        do {
            try Self.checkBundled(events, option: "--events")
            // A file is mapped into memory, which spares the kernel's copy of it (9% of a
            // one-core pass in docs/performance.md's profile); the process then has to expect SIGBUS.
            lines = try LineReader(path: events, maxLineLength: maxLineBytes, limitName: "--max-line-bytes", mapping: true)
            if events != "-" { MappedRecordingFault.reportOnSIGBUS(path: events) }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let totals = Mutex(ReplayTotals())
        let format = output
        let details = details
        let delivering = deliver
        // A recording on standard input may be a live stream: its lines are parsed as they come,
        // and read on a thread that may wait for them.
        var pipeline = InputPipeline(engine: engine, lanes: lanes)
        if events == "-" {
            pipeline.batchLines = 1
            pipeline.linesMayWait = true
        }
        // With --deliver, SIGINT stops the replay: no further lines are read, and the sinks stop
        // delivering at once and report what they did not deliver.
        let interrupt = deliver ? ReplayInterrupt.onSIGINT() : nil
        await pipeline.run(InterruptibleLines(lines: lines, interrupt: interrupt)) { report in
            totals.withLock { $0.add(report) }
            switch format {
            case .json: StandardOutput.print(ReportFormatting.json(report).serialized())
            case .text: StandardOutput.write(ReportFormatting.text(report, details: details))
            }
            // Sinks write as findings are delivered; keep the reports in step with them.
            if delivering { StandardOutput.flush() }
        }
        let deadline = Duration.seconds(sinkFlushDeadline)
        let all = sinks.map(\.sink)
        let inTime = await ReplayInterrupt.run(interrupt) { await SinkShutdown.shutDown(all, deadline: deadline) }
        fflush(nil)
        let interrupted = interrupt?.interrupted ?? false
        if !inTime && !interrupted {
            printError(
                "warning: the sinks did not finish delivering within \(SinkShutdown.describe(deadline)) of the end of the recording (--sink-flush-deadline); what they still held is not delivered"
            )
        }
        for (name, sink) in sinks {
            let statistics = sink.statistics
            if statistics.failed > 0 || statistics.dropped > 0 || statistics.notDelivered > 0 || format == .text || interrupted {
                printError("sink '\(name)': \(statistics)")
            }
        }
        if interrupted {
            let left = sinks.map(\.sink.statistics.notDelivered).reduce(0, +)
            printError("error: interrupted; \(left) finding(s) not delivered")
            throw ExitCode(130)
        }
        if format == .text {
            if !engine.scheduledPlaybooks.isEmpty {
                StandardOutput.print("\(engine.scheduledPlaybooks.count) scheduled playbook(s) not run: replay feeds recorded inputs only.")
            }
            StandardOutput.write(totals.withLock { $0.summary })
        }
    }
}

/// SIGINT during `triggerfish replay --deliver`: stops reading the recording and cancels the
/// sinks' shutdown, so they count what they did not deliver. A second SIGINT ends the process.
final class ReplayInterrupt: Sendable {
    let state = Mutex<(interrupted: Bool, task: Task<Bool, Never>?)>((false, nil))
    /// Set up once, before SIGINT is caught; kept so it keeps catching.
    nonisolated(unsafe) let source: any DispatchSourceSignal

    init(source: any DispatchSourceSignal) {
        self.source = source
    }

    var interrupted: Bool { state.withLock { $0.interrupted } }

    /// Catches SIGINT from now on.
    static func onSIGINT() -> ReplayInterrupt {
        signal(SIGINT, SIG_IGN)
        let interrupt = ReplayInterrupt(source: DispatchSource.makeSignalSource(signal: SIGINT, queue: .global()))
        interrupt.source.setEventHandler { [interrupt] in
            signal(SIGINT, SIG_DFL)
            let task = interrupt.state.withLock { state in
                state.interrupted = true
                return state.task
            }
            task?.cancel()
        }
        interrupt.source.resume()
        return interrupt
    }

    /// Runs `body`, cancelled by SIGINT (at once if it came already); without `interrupt`, just runs it.
    static func run(_ interrupt: ReplayInterrupt?, _ body: @escaping @Sendable () async -> Bool) async -> Bool {
        guard let interrupt else { return await body() }
        let task = Task { await body() }
        let cancel = interrupt.state.withLock { state in
            state.task = task
            return state.interrupted
        }
        if cancel { task.cancel() }
        return await task.value
    }
}

/// The recording's lines until SIGINT.
struct InterruptibleLines<Lines: Sequence>: Sequence where Lines.Element == InputPipeline.Line {
    let lines: Lines
    let interrupt: ReplayInterrupt?

    struct Iterator: IteratorProtocol {
        var lines: Lines.Iterator
        let interrupt: ReplayInterrupt?

        mutating func next() -> InputPipeline.Line? {
            if interrupt?.interrupted == true { return nil }
            return lines.next()
        }
    }

    func makeIterator() -> Iterator { Iterator(lines: lines.makeIterator(), interrupt: interrupt) }
}

/// What `replay` says when the recording it maps into memory cannot be read there: the file was
/// truncated while it was replayed, or its disk failed. The system raises SIGBUS at the read;
/// unhandled, the process would die with "Bus error" and a core dump. The handler writes a
/// message prepared beforehand and exits 1: a signal handler may only call functions safe in one
/// (`write`, `_exit`), so the reports not yet written are lost.
enum MappedRecordingFault {
    /// The message, set before the handler is installed and never changed after.
    nonisolated(unsafe) static var message: UnsafeMutableBufferPointer<UInt8>?

    static func reportOnSIGBUS(path: String) {
        let text = "\(path): error: cannot read the file: it was truncated, or reading it failed, while it was replayed (SIGBUS)\n"
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
        _ = buffer.initialize(from: text.utf8)
        message = buffer
        var action = sigaction()
        #if os(Linux)
            action.__sigaction_handler.sa_handler = { _ in MappedRecordingFault.fault() }
        #else
            action.__sigaction_u.__sa_handler = { _ in MappedRecordingFault.fault() }
        #endif
        sigemptyset(&action.sa_mask)
        sigaction(SIGBUS, &action, nil)
    }

    static func fault() {
        if let message { _ = write(2, message.baseAddress, message.count) }
        _exit(1)
    }
}
