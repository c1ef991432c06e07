import Foundation
import Logging
import Testing
import Triggerfish
import TriggerfishServer
import TriggerfishTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shutdown gives the sinks `sinkFlushDeadline`, then logs what each did not deliver.
@Suite(.timeLimit(.minutes(1))) struct RunnerSinkShutdownTests {
    /// A `file_sink` on a named pipe whose reader never reads (the test filled it): its findings
    /// wait, shutdown gives up on them at the deadline and says so, one line per sink.
    @Test func sinksThatCannotFinishAreCutOffAtTheDeadlineAndCounted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipe = folder.appendingPathComponent("findings.fifo").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let filler = open(pipe, O_WRONLY | O_NONBLOCK)
        defer { close(filler) }
        let chunk = [UInt8](repeating: 0x0a, count: 4096)
        while chunk.withUnsafeBytes({ write(filler, $0.baseAddress!, $0.count) }) > 0 {}
        let config = folder.appendingPathComponent("playbooks.yaml")
        try """
        sinks_config:
          - file_sink: {name: pipe, file_name: "\(pipe)"}
          - console_sink: {name: console}
        active_playbooks:
          - triggers: [{on_pod_update: {}}]
            actions: [{create_finding: {title: "changed $name", aggregation_key: k}}]
        """.write(to: config, atomically: true, encoding: .utf8)
        let logs = LogCapture()
        let runner = try Runner(
            setup: RunnerSetup(
                configPath: config.path, actions: BuiltinActionImplementations().registrations, console: ConsoleOutput(write: { _ in })),
            options: LiveRunner.options { $0.sinkFlushDeadline = .milliseconds(100) }, logger: logs.logger)
        let task = Task { try await runner.run(handleSignals: false) }
        let port = try #require(await runner.listeningPort())
        let live = LiveRunner(runner: runner, port: port, folder: folder, log: ActionLog(), task: task)
        for index in 0..<3 {
            #expect(try await live.post("/api/handle", podUpdate("web-\(index)"), token: nil).status == 200)
        }
        await runner.shutdown()
        try await task.value
        #expect(
            logs.entries.filter { $0.message.contains("sink") }.map { "\($0.level) \($0.message)" } == [
                "error the sinks did not finish delivering within 0.1 s of shutdown (--sink-flush-deadline); 3 finding(s) not delivered",
                "error sink 'pipe': delivered 0, failed 0, dropped 0, not delivered 3",
                "info sink 'console': delivered 3, failed 0, dropped 0, not delivered 0",
            ])
    }
}

extension RunnerSinkShutdownTests {
    /// A reload replaces the sinks; the old ones get the same deadline, and one that did not finish says so.
    @Test func sinksReplacedByAReloadGetTheDeadlineToo() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let pipe = folder.appendingPathComponent("findings.fifo").path
        #expect(mkfifo(pipe, 0o600) == 0)
        let reader = open(pipe, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let filler = open(pipe, O_WRONLY | O_NONBLOCK)
        defer { close(filler) }
        let chunk = [UInt8](repeating: 0x0a, count: 4096)
        while chunk.withUnsafeBytes({ write(filler, $0.baseAddress!, $0.count) }) > 0 {}
        let config = folder.appendingPathComponent("playbooks.yaml")
        let playbooks = """
            active_playbooks:
              - triggers: [{on_pod_update: {}}]
                actions: [{create_finding: {title: "changed $name", aggregation_key: k}}]
            """
        try "sinks_config:\n  - file_sink: {name: pipe, file_name: \"\(pipe)\"}\n\(playbooks)".write(
            to: config, atomically: true, encoding: .utf8)
        let logs = LogCapture()
        let runner = try Runner(
            setup: RunnerSetup(
                configPath: config.path, actions: BuiltinActionImplementations().registrations, console: ConsoleOutput(write: { _ in })),
            options: LiveRunner.options { $0.sinkFlushDeadline = .milliseconds(100) }, logger: logs.logger)
        let task = Task { try await runner.run(handleSignals: false) }
        let port = try #require(await runner.listeningPort())
        let live = LiveRunner(runner: runner, port: port, folder: folder, log: ActionLog(), task: task)
        for index in 0..<2 {
            #expect(try await live.post("/api/handle", podUpdate("web-\(index)"), token: nil).status == 200)
        }
        // Both findings go to the old sink: the inputs are handled before the reload.
        while try await live.metric(#"triggerfish_events_handled_total{source="kubernetes"}"#) != 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        try "sinks_config:\n  - console_sink: {name: console}\n\(playbooks)".write(to: config, atomically: true, encoding: .utf8)
        _ = await runner.reload()
        // Once the replaced sink's deadline has passed, /metrics counts what it did not deliver.
        while try await live.metric(#"triggerfish_sink_deliveries_total{sink="pipe",outcome="not_delivered"}"#) != 2 {
            try await Task.sleep(for: .milliseconds(10))
        }
        await runner.shutdown()
        try await task.value
        #expect(
            logs.entries.filter { $0.message.contains("sink '") }.map { "\($0.level) \($0.message)" } == [
                "error sink 'pipe' replaced by a reload: delivered 0, failed 0, dropped 0, not delivered 2; it did not finish delivering within 0.1 s",
                "info sink 'console': delivered 0, failed 0, dropped 0, not delivered 0",
            ])
    }
}
