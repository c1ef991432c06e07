import Foundation
import Synchronization
import Testing
import TriggerfishTestSupport
import TriggerfishTesting

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `triggerfish replay --deliver` to a webhook receiver that never answers: the sinks get the
/// flush deadline, SIGINT cuts it short, and either way each sink says what it did not deliver.
@Suite(.timeLimit(.minutes(2))) struct ReplayDeliveryTests {
    static let findings = 10

    /// A config posting every pod update as a finding to `url`, and a recording of `findings` pod updates.
    static func files(url: URL) throws -> (config: URL, events: URL) {
        let config = try CLITests.write(
            """
            sinks_config:
              - webhook_sink: {name: hook, url: "\(url.absoluteString)", timeout_seconds: 3600, retries: 100}
            active_playbooks:
              - triggers: [{on_pod_update: {}}]
                actions: [{create_finding: {title: "changed $name", aggregation_key: k}}]
            """, named: "hook.yaml")
        let fixture = try FixtureFolder.repository.bytes("kubewatch_pod_update.json")
        let line = String(
            decoding: try JSONSerialization.data(withJSONObject: try JSONSerialization.jsonObject(with: Data(fixture))), as: UTF8.self)
        let recording = (0..<findings).map { line.replacingOccurrences(of: "checkout-6f9d4c7b8-q2x7m", with: "pod-\($0)") + "\n" }.joined()
        let events = config.deletingLastPathComponent().appending(path: "pods.jsonl")
        try recording.write(to: events, atomically: true, encoding: .utf8)
        return (config, events)
    }

    @Test func theFlushDeadlineEndsDeliveryAndSaysWhatWasNotDelivered() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([], otherwise: .hang)
            let (config, events) = try Self.files(url: receiver.url)
            let result = try await TriggerfishProcess.runWithoutBlocking([
                "replay", "--deliver", "--config", config.path, "--events", events.path, "--sink-flush-deadline", "1",
            ])
            #expect(result.status == 0)
            #expect(
                result.stderr == [
                    "warning: the sinks did not finish delivering within 1 s of the end of the recording (--sink-flush-deadline); what they still held is not delivered",
                    "sink 'hook': delivered 0, failed 0, dropped 0, not delivered 10",
                ])
            #expect(result.stdout.contains { $0.hasPrefix("Replayed 10 inputs") })
            // How many requests reach the receiver within the second depends on the machine's load;
            // never more than the default concurrent_requests (SinkDeadlineTests counts them exactly).
            #expect(receiver.requests.count <= 4, "the default concurrent_requests")
        }
    }

    @Test func sigintDuringTheFinalFlushReportsWhatWasNotDelivered() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([], otherwise: .hang)
            let (config, events) = try Self.files(url: receiver.url)
            let run = try InterruptedRun([
                "replay", "--deliver", "--config", config.path, "--events", events.path, "--sink-flush-deadline", "86400",
            ])
            // Every input is reported, so the replay is in its final flush; the receiver holds four requests.
            await run.waitForOutput { $0.contains { $0.hasPrefix("#\(Self.findings - 1) ") } }
            await receiver.waitForRequests(4)
            let result = try await run.interrupt()
            #expect(result.status == 130)
            #expect(
                result.stderr == [
                    "sink 'hook': delivered 0, failed 0, dropped 0, not delivered 10",
                    "error: interrupted; 10 finding(s) not delivered",
                ])
            #expect(result.stdout.contains { $0.hasPrefix("Replayed") } == false)
        }
    }
}

/// `triggerfish` as a process that the test interrupts with SIGINT.
final class InterruptedRun {
    struct Output {
        var status: Int32
        var stdout: [String]
        var stderr: [String]
    }

    let process: Process
    let scratch: URL

    init(_ arguments: [String]) throws {
        scratch = FileManager.default.temporaryDirectory.appending(path: "triggerfish-sigint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Data().write(to: scratch.appending(path: "out"))
        try Data().write(to: scratch.appending(path: "err"))
        let process = Process()
        process.executableURL = try TriggerfishProcess.binary()
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: scratch.appending(path: "out"))
        process.standardError = try FileHandle(forWritingTo: scratch.appending(path: "err"))
        self.process = process
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: scratch)
    }

    func lines(_ name: String) -> [String] {
        let data = (try? Data(contentsOf: scratch.appending(path: name))) ?? Data()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Waits until standard output satisfies `condition` (the test's time limit ends a wait that never ends).
    func waitForOutput(_ condition: ([String]) -> Bool) async {
        while !condition(lines("out")) && process.isRunning && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sends SIGINT and waits for the process to end.
    func interrupt() async throws -> Output {
        kill(process.processIdentifier, SIGINT)
        while process.isRunning && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(10)) }
        return Output(status: process.terminationStatus, stdout: lines("out"), stderr: lines("err"))
    }
}
