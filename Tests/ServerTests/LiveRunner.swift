import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Triggerfish
import TriggerfishServer

/// Actions the server tests use: `record` notes its tag; `gate` waits until the test opens the
/// gate (to hold inputs in the queue), then notes its tag.
enum ServerTestActions {
    static let declarations = """
        actions:
          record:
            doc: "Notes its tag."
            event: ExecutionBaseEvent
            parameters:
              tag:
                type: string
                required: true
                doc: "Text to note."
          gate:
            doc: "Waits for the test's gate, then notes its tag."
            event: ExecutionBaseEvent
            parameters:
              tag:
                type: string
                required: true
                doc: "Text to note."
        """
}

enum RecordAction: ActionDefinition {
    static let name = "record"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }

    struct Parameters: ActionParameters {
        var tag: String
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {
            tag = try ParameterReader(parameterValue, path: path).required("tag")
        }
    }
}

enum GateAction: ActionDefinition {
    static let name = "gate"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }

    typealias Parameters = RecordAction.Parameters
}

/// What the test actions noted, and the gate they wait on.
final class ActionLog: Sendable {
    let notes = Mutex<[String]>([])
    let gate = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>], waiting: Int)>((false, [], 0))

    var all: [String] { notes.withLock { $0 } }
    /// How many `gate` actions are waiting.
    var waiting: Int { gate.withLock { $0.waiting } }

    func note(_ tag: String) { notes.withLock { $0.append(tag) } }

    func open() {
        let waiters = gate.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func pass() async {
        await withCheckedContinuation { continuation in
            let resumeNow = gate.withLock { state in
                if state.open { return true }
                state.waiters.append(continuation)
                state.waiting += 1
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    var registrations: [ActionRegistration] {
        [
            ActionRegistration(RecordAction.self) { _, parameters, _ in self.note(parameters.tag) },
            ActionRegistration(GateAction.self) { _, parameters, _ in
                await self.pass()
                self.note(parameters.tag)
            },
        ]
    }

    /// Waits until `count` notes were taken (the test's time limit ends a wait that never ends).
    func waitForNotes(_ count: Int) async {
        while notes.withLock({ $0.count }) < count && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func waitForWaiting(_ count: Int) async {
        while waiting < count && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    }
}

/// A runner serving on 127.0.0.1 (a free port) from a config in a temporary folder, with the
/// test actions, called over real HTTP.
struct LiveRunner {
    let runner: Runner
    let port: Int
    let folder: URL
    let log: ActionLog
    let task: Task<Void, any Error>

    var configPath: String { folder.appendingPathComponent("playbooks.yaml").path }
    var base: String { "http://127.0.0.1:\(port)" }

    static let token = "test-token-0123456789"

    static func options(_ change: (inout RunnerOptions) -> Void = { _ in }) -> RunnerOptions {
        var options = RunnerOptions()
        options.host = "127.0.0.1"
        options.port = 0
        options.watchInterval = nil
        options.token = try! BearerToken(token)
        change(&options)
        return options
    }

    static func start(config: String, options: RunnerOptions = options(), log: ActionLog = ActionLog()) async throws -> LiveRunner {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try config.write(to: folder.appendingPathComponent("playbooks.yaml"), atomically: true, encoding: .utf8)
        let actions = folder.appendingPathComponent("test.actions.yaml")
        try ServerTestActions.declarations.write(to: actions, atomically: true, encoding: .utf8)
        let runner = try Runner(
            setup: RunnerSetup(
                configPath: folder.appendingPathComponent("playbooks.yaml").path, actionFiles: [actions.path],
                actions: BuiltinActionImplementations().registrations + log.registrations,
                console: ConsoleOutput(write: { _ in })),
            options: options, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task { try await runner.run(handleSignals: false) }
        guard let port = await runner.listeningPort() else {
            try await task.value
            throw TestFailure("the runner stopped before it listened")
        }
        return LiveRunner(runner: runner, port: port, folder: folder, log: log, task: task)
    }

    static func with<Result>(
        config: String, options: RunnerOptions = options(), log: ActionLog = ActionLog(), _ body: (LiveRunner) async throws -> Result
    ) async throws -> Result {
        let live = try await start(config: config, options: options, log: log)
        do {
            let result = try await body(live)
            try await live.stop()
            return result
        } catch {
            live.log.open()
            try? await live.stop()
            throw error
        }
    }

    /// Graceful shutdown; returns when the runner has drained and stopped.
    func stop() async throws {
        await runner.shutdown()
        try await task.value
        try? FileManager.default.removeItem(at: folder)
    }

    /// An answer: status, headers and body text.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: String

        var json: JSONValue? { try? JSONValue.parse(body) }
    }

    func request(
        _ method: HTTPMethod, _ path: String, body: String? = nil, token: String? = LiveRunner.token, headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        var answerHeaders: [String: String] = [:]
        for header in response.headers { answerHeaders[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: answerHeaders, body: String(buffer: bytes))
    }

    func post(_ path: String, _ body: String, token: String? = LiveRunner.token) async throws -> Answer {
        try await request(.POST, path, body: body, token: token)
    }

    func get(_ path: String) async throws -> Answer { try await request(.GET, path) }

    /// The value of one series in `/metrics`, e.g. `triggerfish_requests_accepted_total{endpoint="handle"}`.
    func metric(_ series: String) async throws -> Double? {
        let text = try await get("/metrics").body
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A kubewatch update of a pod.
func podUpdate(_ name: String, version: Int = 1) -> String {
    let pod = #"{"kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "default", "resourceVersion": "\#(version)"}}"#
    return #"{"data": {"operation": "update", "kind": "Pod", "apiVersion": "v1", "obj": \#(pod), "oldObj": \#(pod)}}"#
}

/// An Alertmanager webhook with one firing alert.
func alertWebhook(_ name: String, fingerprint: String = "fp-1") -> String {
    #"""
    {"receiver": "triggerfish", "status": "firing", "externalURL": "http://am", "groupKey": "{}:{alertname=\"\#(name)\"}", "version": "4",
     "alerts": [{"status": "firing", "labels": {"alertname": "\#(name)", "namespace": "default"}, "annotations": {},
                 "startsAt": "2026-12-03T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "", "fingerprint": "\#(fingerprint)"}]}
    """#
}
