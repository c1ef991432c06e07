import Foundation
import Testing
import Triggerfish
import TriggerfishTestSupport
import TriggerfishTesting
import _TriggerfishCore

/// `triggerfish trigger` run as a process against an HTTP receiver answering as the server's
/// `POST /api/trigger` does.
@Suite(.timeLimit(.minutes(2))) struct TriggerCommandTests {
    /// Runs `triggerfish` without blocking a thread of the pool the receiver answers on.
    /// `TRIGGERFISH_TOKEN` is removed from the environment unless `token` gives it.
    static func triggerfish(_ arguments: [String], token: String? = nil) async throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appending(path: "triggerfish-trigger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appending(path: "out")
        let err = scratch.appending(path: "err")
        try Data().write(to: out)
        try Data().write(to: err)
        let process = Process()
        process.executableURL = try TriggerfishProcess.binary()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TRIGGERFISH_TOKEN"] = token
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
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
        func lines(_ url: URL) throws -> [String] {
            String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .dropLast().map(String.init)
        }
        return Output(status: status, stdout: try lines(out), stderr: try lines(err))
    }

    struct Output {
        var status: Int32
        var stdout: [String]
        var stderr: [String]
    }

    static func tokenFile(_ token: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appending(path: "triggerfish-token-\(UUID().uuidString)")
        try token.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    static let findingAnswer = """
        {"success": true, "findings": [{"aggregation_key": "disk", "description": "Only 2% left.", "ends_at": null,
          "enrichments": [{"title": "Usage", "blocks": [{"type": "table", "headers": ["mount", "used"], "rows": [["/", "98%"]]}]}],
          "fingerprint": "0123456789abcdef", "severity": "LOW", "sinks": ["main", "audit"], "source": "NONE", "starts_at": null,
          "subject": {"annotations": {}, "kind": "node", "labels": {}, "name": "n1", "namespace": null, "node": "n1"},
          "title": "Disk full"}]}
        """

    @Test func itPostsTheRequestWithTheTokenAndPrintsTheFindingsAsReplayDoes() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.body(status: 200, text: Self.findingAnswer)])
            let token = try Self.tokenFile("s3cret\n")
            let result = try await Self.triggerfish([
                "trigger", "create_finding", "title=Disk full", "aggregation_key=disk", "count=3", "ratio=0.5", "flag=true",
                "nothing=null", #"quoted="42""#, "list=[1, 2]", "text=not json", "--server", "http://127.0.0.1:\(receiver.port)",
                "--token-file", token.path, "--sink", "main", "--sink", "audit",
            ])
            #expect(result.stderr == [])
            #expect(result.status == 0)
            #expect(
                result.stdout == [
                    "manual trigger of create_finding",
                    "    manual trigger: create_finding",
                    "    finding [LOW] Disk full → main, audit",
                    "        [LOW] Disk full",
                    "          aggregation key: disk",
                    "          source: none",
                    "          subject: Node n1",
                    "          fingerprint: 0123456789abcdef",
                    "          description:",
                    "            Only 2% left.",
                    "          Usage:",
                    "            mount  used",
                    "            -----  ----",
                    "            /      98%",
                    "        ",
                ])
            let request = try #require(receiver.requests.first)
            #expect(receiver.requests.count == 1)
            #expect(request.method == "POST")
            #expect(request.path == "/api/trigger")
            #expect(request.headers["authorization"] == "Bearer s3cret")
            #expect(request.headers["content-type"] == "application/json")
            #expect(
                try JSONValue.parse(request.text)
                    == [
                        "action_name": "create_finding",
                        "action_params": [
                            "title": "Disk full", "aggregation_key": "disk", "count": 3, "ratio": 0.5, "flag": true, "nothing": nil,
                            "quoted": "42", "list": [1, 2], "text": "not json",
                        ],
                        "sinks": ["main", "audit"], "sync_response": true, "no_sinks": false,
                    ])
        }
    }

    @Test func anErrorAnswerIsPrintedWithItsCodeAndExitsOne() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([
                .body(status: 200, text: #"{"success": false, "error_code": 4603, "msg": "unknown action 'ecko'; did you mean 'echo'?"}"#)
            ])
            let result = try await Self.triggerfish(
                ["trigger", "ecko", "--server", "http://127.0.0.1:\(receiver.port)/", "--no-sinks"], token: "from-env")
            #expect(result.status == 1)
            #expect(result.stdout == [])
            #expect(result.stderr == ["error 4603: unknown action 'ecko'; did you mean 'echo'?"])
            let request = try #require(receiver.requests.first)
            #expect(request.path == "/api/trigger")
            #expect(request.headers["authorization"] == "Bearer from-env")
            #expect(
                try JSONValue.parse(request.text)
                    == ["action_name": "ecko", "action_params": [:], "sinks": nil, "sync_response": true, "no_sinks": true])
        }
    }

    @Test func aRefusedTokenAndAnAnswerThatIsNotATriggerResponseAreSaidSo() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let server = "http://127.0.0.1:\(receiver.port)"
            receiver.answer([.status(401), .status(401), .status(200)])
            let noToken = try await Self.triggerfish(["trigger", "echo", "message=hi", "--server", server])
            #expect(noToken.status == 1)
            #expect(
                noToken.stderr == [
                    "error: the Triggerfish server at \(server) requires a token (HTTP 401); give it with --token-file FILE or TRIGGERFISH_TOKEN"
                ])
            #expect(receiver.requests.first?.headers["authorization"] == nil)
            let wrongToken = try await Self.triggerfish(["trigger", "echo", "message=hi", "--server", server], token: "nope")
            #expect(wrongToken.stderr == ["error: the Triggerfish server at \(server) did not accept the token (HTTP 401)"])
            let notJSON = try await Self.triggerfish(["trigger", "echo", "message=hi", "--server", server])
            #expect(notJSON.status == 1)
            #expect(
                notJSON.stderr == [
                    "error: the server at \(server) answered HTTP 200 with 'ok', not a trigger response (invalid JSON at byte 0: expected a value, found 'o'); is it a Triggerfish server?"
                ])
        }
    }

    /// Issue 12: a limit names itself. An answer over the limit was reported as "cannot reach
    /// the Triggerfish server ... is `triggerfish serve` running?".
    @Test func anAnswerOverTheLimitIsSaidSo() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            let server = "http://127.0.0.1:\(receiver.port)"
            receiver.answer([.body(status: 200, text: String(repeating: " ", count: (64 << 20) + 1))])
            let result = try await Self.triggerfish(["trigger", "echo", "message=hi", "--server", server], token: "t")
            #expect(result.status == 1)
            #expect(result.stdout == [])
            #expect(result.stderr == ["error: the Triggerfish server at \(server) answered more than the limit of 67108864 bytes"])
        }
    }

    @Test func aServerThatIsNotRunningIsSaidSo() async throws {
        let receiver = try await HTTPReceiver.start()
        let server = "http://127.0.0.1:\(receiver.port)"
        await receiver.stop()
        let result = try await Self.triggerfish(["trigger", "echo", "message=hi", "--server", server])
        #expect(result.status == 1)
        #expect(result.stdout == [])
        #expect(
            result.stderr == [
                "error: cannot reach the Triggerfish server at \(server): connection refused; is `triggerfish serve` running?"
            ])
    }

    @Test func badArgumentsAreRefusedBeforeSending() async throws {
        let noEquals = try await Self.triggerfish(["trigger", "echo", "message"])
        #expect(noEquals.status == 64)
        #expect(noEquals.stderr.first == "Error: parameter 'message' must be KEY=VALUE, for example name=web-1")
        let twice = try await Self.triggerfish(["trigger", "echo", "a=1", "a=2"])
        #expect(twice.stderr.first == "Error: parameter 'a' is given twice")
        let both = try await Self.triggerfish(["trigger", "echo", "--sink", "main", "--no-sinks"])
        #expect(both.stderr.first == "Error: --sink and --no-sinks cannot be used together")
        let server = try await Self.triggerfish(["trigger", "echo", "--server", "localhost:5000"])
        #expect(server.stderr.first == "Error: --server must be an http or https URL such as http://127.0.0.1:5000; got 'localhost:5000'")
        let missingToken = try await Self.triggerfish(["trigger", "echo", "--token-file", "/nonexistent/token"])
        #expect(missingToken.status == 1)
        #expect(missingToken.stderr == ["/nonexistent/token: error: cannot read the file: no such file"])
    }
}
