import Foundation
import Synchronization
import Testing
import TriggerfishTestSupport
import TriggerfishTesting

/// What the CLI does at the edges a hostile or unlucky user reaches: lines longer than the
/// limit, standard output that cannot be written, file names that look like options.
@Suite(.timeLimit(.minutes(2))) struct CLIReliabilityTests {
    /// Runs `triggerfish` with its standard output and input on the given files (standard input
    /// empty when `nil`), without blocking a thread (an HTTP receiver may need it); standard error
    /// is returned as lines.
    static func triggerfish(_ arguments: [String], standardOutput: FileHandle, standardInput: FileHandle? = nil) async throws -> (
        status: Int32, stderr: [String]
    ) {
        let err = FileManager.default.temporaryDirectory.appending(path: "triggerfish-err-\(UUID().uuidString)")
        try Data().write(to: err)
        defer { try? FileManager.default.removeItem(at: err) }
        let process = Process()
        process.executableURL = try TriggerfishProcess.binary()
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.standardInput = standardInput ?? FileHandle.nullDevice
        process.standardOutput = standardOutput
        process.standardError = try FileHandle(forWritingTo: err)
        let status = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (status, String(decoding: try Data(contentsOf: err), as: UTF8.self).split(separator: "\n").map(String.init))
    }

    static func full() throws -> FileHandle {
        try #require(FileHandle(forWritingAtPath: "/dev/full"), "no /dev/full")
    }

    static let noSpace = "error: cannot write to standard output: no space left on the device"

    // MARK: Lines of a recording

    static let podCreate =
        #"{"specversion":"1.0","id":"e","source":"kubewatch","type":"KUBERNETES_TOPOLOGY_CHANGE","data":{"operation":"create","kind":"Pod","apiVersion":"v1","obj":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"api-0","namespace":"shop"}}}}"#

    /// A recording on standard input may be a live stream: each line is reported before the
    /// next one is written (a file's lines are parsed in batches; standard input's are not held
    /// back for a batch to fill).
    @Test func aLineOnStandardInputIsReportedBeforeTheNextArrives() async throws {
        let input = Pipe()
        let output = Pipe()
        let printed = Mutex("")
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            printed.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        let process = Process()
        process.executableURL = try TriggerfishProcess.binary()
        // --deliver: findings are delivered as inputs are handled, and each report is flushed.
        process.arguments = ["replay", "--events", "-", "--deliver"]
        process.currentDirectoryURL = repositoryRoot
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        /// Waits (polling, bounded by the suite's time limit) until standard output has `text`.
        func waitForOutput(_ text: String) async throws {
            while !printed.withLock({ $0.contains(text) }) {
                guard process.isRunning else { break }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        for name in ["api-0", "api-1", "api-2"] {
            input.fileHandleForWriting.write(Data((Self.podCreate.replacingOccurrences(of: "api-0", with: name) + "\n").utf8))
            try await waitForOutput("Pod shop/\(name) create")
            #expect(
                printed.withLock { $0.contains("Pod shop/\(name) create") }, "no report for \(name) while its line was the last one written"
            )
        }
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        output.fileHandleForReading.readabilityHandler = nil
        #expect(process.terminationStatus == 0)
    }

    /// Every physical line is an input, a reported unreadable line or a blank line (skipped, its
    /// number kept): a line of 32 MiB of spaces before a JSON object is over the limit, not blank;
    /// a valid 40 MB line is over the limit, not invalid JSON; CRLF, blank lines and a last line
    /// without a newline are read as lines.
    @Test func everyLineIsAnInputAnUnreadableLineOrBlank() throws {
        let directory = try CLIInputTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recording = directory.appending(path: "recording.jsonl")
        var bytes = Data(repeating: UInt8(ascii: " "), count: 32 << 20)
        bytes.append(Data(#"{"x":1}"#.utf8 + [0x0A]))
        bytes.append(Data((Self.podCreate + "\r\n \t\r\n").utf8))
        bytes.append(Data(#"{"big":""#.utf8))
        bytes.append(Data(repeating: UInt8(ascii: "b"), count: 40_000_000))
        bytes.append(Data(#""}"#.utf8 + [0x0A]))
        bytes.append(Data((Self.podCreate).utf8))
        try bytes.write(to: recording)
        let result = try CLITests.triggerfish(["replay", "--events", recording.path])
        #expect(result.status == 0)
        #expect(result.stderr == [])
        #expect(
            result.stdout.filter { $0.hasPrefix("#") || $0.hasPrefix("Replayed") } == [
                "#0 unreadable input (line 1): the line is 33554439 bytes long, more than the limit of 33554432 bytes (--max-line-bytes)",
                "#1 Pod shop/api-0 create: no playbook fired",
                "#3 unreadable input (line 4): the line is 40000010 bytes long, more than the limit of 33554432 bytes (--max-line-bytes)",
                "#4 Pod shop/api-0 create: no playbook fired",
                "Replayed 4 inputs: 2 Kubernetes changes, 0 Alertmanager webhooks with 0 alerts (0 duplicates), 2 unreadable.",
            ])
    }

    @Test func theLineLimitIsAnOption() throws {
        let recording = try CLITests.write("{}\n\(Self.podCreate)\n", named: "recording.jsonl")
        let result = try CLITests.triggerfish(["replay", "--events", recording.path, "--max-line-bytes", "100", "--output", "json"])
        #expect(result.status == 0)
        let errors = try result.stdout.map { line in
            let report = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            return "\(report["index"] ?? "?"): \(report["error"] ?? "?")"
        }
        #expect(
            errors == [
                "0: expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver'); found an empty object",
                "1: the line is \(Self.podCreate.utf8.count) bytes long, more than the limit of 100 bytes (--max-line-bytes)",
            ])
        for bad in ["0", "1073741825"] {
            let refused = try CLITests.triggerfish(["replay", "--max-line-bytes", bad])
            #expect(refused.status == 64)
            #expect(refused.stderr.first == "Error: --max-line-bytes must be from 1 to 1073741824; got \(bad)")
        }
    }

    /// `replay` maps a recording into memory. Truncated while it is replayed, it cannot be read
    /// there any more: one line on standard error says so and the replay exits 1, rather than
    /// dying of SIGBUS.
    @Test func aRecordingTruncatedWhileItIsReplayedIsAnErrorNotACrash() throws {
        let directory = try CLIInputTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let recording = directory.appending(path: "recording.jsonl")
        let line = Self.podCreate + "\n"
        try Data(String(repeating: line, count: (8 << 20) / line.utf8.count).utf8).write(to: recording)
        let err = directory.appending(path: "err")
        try Data().write(to: err)
        let output = Pipe()
        let process = Process()
        process.executableURL = try TriggerfishProcess.binary()
        process.arguments = ["replay", "--events", recording.path, "--output", "json"]
        process.currentDirectoryURL = repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        // Once the first report is out, the file is mapped; standard output is not read yet, so
        // the replay soon waits to write, with most of the file still to read.
        var ready = pollfd(fd: output.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while poll(&ready, 1, 100) == 0 && process.isRunning {}
        #expect(truncate(recording.path, 0) == 0)
        _ = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 1)
        #expect(
            String(decoding: try Data(contentsOf: err), as: UTF8.self)
                == "\(recording.path): error: cannot read the file: it was truncated, or reading it failed, while it was replayed (SIGBUS)\n"
        )
    }

    /// A recording that cannot be read to its end says so in its last report.
    @Test func aReadErrorIsReportedAsTheLastLine() async throws {
        let directory = try CLIInputTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appending(path: "out")
        try Data().write(to: out)
        // Standard input is a directory: it opens, but reading it fails.
        let result = try await Self.triggerfish(
            ["replay", "--events", "-"], standardOutput: try FileHandle(forWritingTo: out),
            standardInput: try FileHandle(forReadingFrom: directory))
        #expect(result.status == 0)
        #expect(result.stderr == [])
        let stdout = String(decoding: try Data(contentsOf: out), as: UTF8.self).split(separator: "\n")
        #expect(stdout.first == "#0 unreadable input (line 1): cannot read the rest of the file: is a directory")
        #expect(
            stdout.contains("Replayed 1 input: 0 Kubernetes changes, 0 Alertmanager webhooks with 0 alerts (0 duplicates), 1 unreadable."))
    }

    // MARK: Standard output that cannot be written

    /// Each command that prints to standard output, with it on a full device: one line on
    /// standard error, exit 1.
    @Test(arguments: [
        ["replay"], ["replay", "--output", "json"], ["replay", "--details"], ["validate", "config/default.yaml"], ["rbac"],
    ])
    func aFailedWriteToStandardOutputExitsOne(arguments: [String]) async throws {
        let result = try await Self.triggerfish(arguments, standardOutput: try Self.full())
        #expect(result.status == 1)
        #expect(result.stderr == [Self.noSpace])
    }

    /// A command that fails anyway still says its output was lost; its status stays its own.
    @Test func aFailedWriteIsReportedWhenTheCommandFailsToo() async throws {
        let bad = try CLITests.write("- triggers: [on_pod_updat: {}]\n  actions: [echo: {message: hi}]\n", named: "bad.yaml")
        let result = try await Self.triggerfish(["validate", "config/default.yaml", bad.path], standardOutput: try Self.full())
        #expect(result.status == 1)
        #expect(
            result.stderr == [
                "\(bad.path):1:14: error: unknown trigger 'on_pod_updat' in the playbook at line 1; did you mean 'on_pod_update'?",
                Self.noSpace,
            ])
    }

    @Test func triggerOnAFullDeviceExitsOne() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.body(status: 200, text: TriggerCommandTests.findingAnswer)])
            let result = try await Self.triggerfish(
                ["trigger", "create_finding", "--server", "http://127.0.0.1:\(receiver.port)"], standardOutput: try Self.full())
            #expect(result.status == 1)
            #expect(result.stderr == [Self.noSpace])
        }
    }

    // MARK: Arguments that look like options

    /// `-dash.yaml` is not read as `-d -a -s -h ...` (help, exit 0): it is a usage error saying
    /// where file names that start with '-' go, and after `--` it is checked as a file.
    @Test func aFileNameThatStartsWithADashGoesAfterTheSeparator() throws {
        let directory = try CLIInputTests.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("- triggers: [on_pod_update: {}]\n  actions: [echo: {message: hi}]\n".utf8).write(
            to: directory.appending(path: "-dash.yaml"))
        let config = repositoryRoot.appending(path: "config/default.yaml").path
        let refused = try CLITests.triggerfish(["validate", config, "-dash.yaml"], in: directory)
        #expect(refused.status == 64)
        #expect(refused.stdout == [])
        #expect(
            refused.stderr == [
                "Error: Unknown option '-dash.yaml'; put file names that start with '-' after '--', as in 'triggerfish validate -- -dash.yaml'",
                "Usage: triggerfish validate [<files> ...] [--actions <actions> ...]",
                "  See 'triggerfish validate --help' for more information.",
            ])
        let checked = try CLITests.triggerfish(["validate", config, "--", "-dash.yaml"], in: directory)
        #expect(checked.status == 0)
        #expect(
            checked.stdout == [
                "\(config): ok (runner config, 8 playbooks, 2 sinks)", "-dash.yaml: ok (playbook list, 1 playbook, 0 sinks)",
            ])
    }

    /// No command prints help and exits 0 for an argument that only contains an 'h'.
    @Test(arguments: [
        (["-dash"], "triggerfish"), (["replay", "-xh"], "triggerfish replay"), (["rbac", "-th"], "triggerfish rbac"),
        (["serve", "-hq"], "triggerfish serve"), (["trigger", "echo", "-ah"], "triggerfish trigger"),
        (["validate", "-h.yaml"], "triggerfish validate"),
    ])
    func runTogetherShortOptionsAreAUsageError(arguments: [String], command: String) throws {
        let result = try CLITests.triggerfish(arguments)
        #expect(result.status == 64)
        #expect(result.stdout == [])
        let stray = arguments.last!
        let hint =
            command == "triggerfish validate"
            ? "; put file names that start with '-' after '--', as in 'triggerfish validate -- \(stray)'" : ""
        #expect(result.stderr.first == "Error: Unknown option '\(stray)'\(hint)")
        #expect(result.stderr.last == "  See '\(command) --help' for more information.")
        // `-h` alone still asks for help.
        let help = try CLITests.triggerfish(Array(arguments.dropLast()) + ["-h"])
        #expect(help.status == 0)
        #expect(help.stdout.first?.hasPrefix("OVERVIEW: ") == true || help.stdout.first?.hasPrefix("USAGE: ") == true)
    }

    /// `--lanes` is bounded for replay and serve (1,000,000 lanes once allocated 2.7 GB).
    @Test(arguments: ["replay", "serve"]) func aMillionLanesAreRefused(command: String) throws {
        let result = try CLITests.triggerfish([command, "--lanes", "1000000"])
        #expect(result.status == 64)
        #expect(result.stdout == [])
        #expect(result.stderr.first == "Error: --lanes must be from 1 to 256; got 1000000")
    }
}
