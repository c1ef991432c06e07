import Foundation
import Synchronization
import Testing
import TriggerfishTestSupport

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `triggerfish serve` as a process: refusing a bad config, and SIGTERM with requests in flight.
@Suite struct ServeCommandTests {
    @Test func aConfigWithErrorsDoesNotStart() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("bad.yaml")
        try "- triggers: [{on_pod_update: {}}]\n  actions: [{create_findin: {title: x}}]\n".write(
            to: config, atomically: true, encoding: .utf8)
        let output = try TriggerfishProcess.run(["serve", "--config", config.path, "--port", "0"])
        #expect(output.status == 1)
        #expect(
            output.stderr == [
                "\(config.path):2:14: error: unknown action 'create_findin' in the playbook at line 1; did you mean 'create_finding'?"
            ])
    }

    /// Inputs keep arriving while SIGTERM stops the runner: it exits 0, and every input it
    /// answered 200 has its finding in the file sink.
    @Test func sigtermWithRequestsInFlightLosesNoAcceptedInput() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let findings = folder.appendingPathComponent("findings.jsonl")
        let config = folder.appendingPathComponent("playbooks.yaml")
        try """
        sinks_config:
          - file_sink: {name: file, file_name: \(findings.path)}
        active_playbooks:
          - triggers: [{on_pod_update: {}}]
            actions: [{create_finding: {title: "seen $name", aggregation_key: seen}}]
        """.write(to: config, atomically: true, encoding: .utf8)

        let server = try ServerProcess.start([
            "serve", "--config", config.path, "--host", "127.0.0.1", "--port", "0", "--lanes", "2", "--log-format", "json",
        ])
        let tally = Tally()
        let total = 300
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                group.addTask {
                    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/api/handle")!)
                    request.httpMethod = "POST"
                    request.httpBody = Data(podUpdateBody("pod-\(index)").utf8)
                    let status = (try? await URLSession.shared.data(for: request)).flatMap { ($0.1 as? HTTPURLResponse)?.statusCode }
                    if status == 200 { tally.accepted.add(1, ordering: .relaxed) }
                    tally.answered.add(1, ordering: .relaxed)
                }
                // SIGTERM once a third has been answered, with the rest in flight or still to come.
                if index == total / 2 {
                    while tally.answered.load(ordering: .relaxed) < total / 3 { try await Task.sleep(for: .milliseconds(2)) }
                    server.terminate()
                }
            }
            try await group.waitForAll()
        }
        let status = server.waitUntilExit()
        #expect(status == 0, "stderr: \(server.stderr)")
        let lines = (try? String(contentsOf: findings, encoding: .utf8))?.split(separator: "\n") ?? []
        #expect(tally.accepted.load(ordering: .relaxed) >= total / 3)
        #expect(lines.count == tally.accepted.load(ordering: .relaxed))
        #expect(server.stderr.contains("\"message\":\"input queue drained\""))
    }

    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}

final class Tally: Sendable {
    let accepted = Atomic<Int>(0)
    let answered = Atomic<Int>(0)
}

func podUpdateBody(_ name: String) -> String {
    let pod = #"{"kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "default"}}"#
    return #"{"data": {"operation": "update", "kind": "Pod", "apiVersion": "v1", "obj": \#(pod), "oldObj": \#(pod)}}"#
}

/// `triggerfish serve` running in the background; its port read from its log.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    let errors: Pipe
    let collected = Mutex<String>("")
    let readAll = Atomic<Bool>(false)

    init(process: Process, port: Int, errors: Pipe) {
        self.process = process
        self.port = port
        self.errors = errors
    }

    var stderr: String { collected.withLock { $0 } }

    /// Starts the server and waits until its log says where it listens.
    static func start(_ arguments: [String]) throws -> ServerProcess {
        let process = Process()
        process.executableURL = try TriggerfishProcess.binary()
        process.arguments = arguments
        process.currentDirectoryURL = repositoryRoot
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        var text = ""
        var port: Int?
        while port == nil {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty {
                process.waitUntilExit()
                throw ServerFailure(description: "triggerfish serve exited (\(process.terminationStatus)) before listening: \(text)")
            }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: "listening on 127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if digits.count > 0, text[range.upperBound...].dropFirst(digits.count).first != nil { port = Int(digits) }
            }
        }
        let server = ServerProcess(process: process, port: port!, errors: errors)
        server.collected.withLock { $0 = text }
        // Keep reading, so the server never blocks on a full pipe.
        Thread.detachNewThread {
            while true {
                let data = errors.fileHandleForReading.availableData
                if data.isEmpty { break }
                server.collected.withLock { $0 += String(decoding: data, as: UTF8.self) }
            }
            server.readAll.store(true, ordering: .sequentiallyConsistent)
        }
        return server
    }

    func terminate() { kill(process.processIdentifier, SIGTERM) }

    /// Waits for the process to end and its log to be read; its exit status.
    func waitUntilExit() -> Int32 {
        process.waitUntilExit()
        while !readAll.load(ordering: .sequentiallyConsistent) { usleep(1000) }
        return process.terminationStatus
    }
}

struct ServerFailure: Error, CustomStringConvertible {
    var description: String
}
