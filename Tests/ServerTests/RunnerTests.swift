import AsyncHTTPClient
import Foundation
import Testing
import Triggerfish
import TriggerfishServer

#if canImport(Glibc)
    import Glibc
#endif

/// The runner over real HTTP on 127.0.0.1: what each endpoint answers, and that every input
/// answered 2xx is handled.
@Suite struct RunnerTests {
    static let podConfig = """
        - triggers: [{on_pod_update: {}}]
          actions: [{record: {tag: pod}}]
        - triggers: [{on_prometheus_alert: {alert_name: Boom}}]
          actions: [{record: {tag: alert}}]
        """

    @Test func inputsAreAcceptedThenHandled() async throws {
        try await LiveRunner.with(config: Self.podConfig) { live in
            let handled = try await live.post("/api/handle", podUpdate("web-1"), token: nil)
            #expect(handled.status == 200)
            #expect(handled.body == #"{"success":true}"# + "\n")
            #expect(handled.headers["content-type"] == "application/json")
            let alerted = try await live.post("/api/alerts", alertWebhook("Boom"), token: nil)
            #expect(alerted.status == 200)
            await live.log.waitForNotes(2)
            #expect(Set(live.log.all) == ["pod", "alert"])
            #expect(try await live.metric(#"triggerfish_requests_accepted_total{endpoint="handle"}"#) == 1)
            #expect(try await live.metric(#"triggerfish_requests_accepted_total{endpoint="alerts"}"#) == 1)
            #expect(try await live.metric(#"triggerfish_events_handled_total{source="kubernetes"}"#) == 1)
            #expect(try await live.metric(#"triggerfish_events_handled_total{source="alert"}"#) == 1)
            #expect(try await live.metric(#"triggerfish_action_runs_total{action="record"}"#) == 2)
            #expect(try await live.metric(#"triggerfish_action_duration_seconds_count{action="record"}"#) == 2)
        }
    }

    @Test func badInputIsAnswered400WithReplaysMessage() async throws {
        try await LiveRunner.with(config: Self.podConfig) { live in
            let cases: [(path: String, body: String, message: String)] = [
                ("/api/handle", "{oops", "invalid JSON at byte 1: expected a string key, found 'o'"),
                (
                    "/api/handle", #"{"data": {"operation": "patch", "kind": "Pod", "obj": {}}}"#,
                    #"kubewatch CloudEvent: data.operation: expected "create", "update" or "delete"; found "patch""#
                ),
                (
                    "/api/alerts", #"{"receiver": "x", "status": "firing", "externalURL": "", "groupKey": "", "version": 4}"#,
                    "Alertmanager webhook: version: expected a string; found 4"
                ),
                (
                    "/api/handle", alertWebhook("Boom"),
                    "this is an Alertmanager webhook; Alertmanager posts to /api/alerts, kubewatch to /api/handle"
                ),
                (
                    "/api/alerts", podUpdate("web-1"),
                    "this is a kubewatch CloudEvent; kubewatch posts to /api/handle, Alertmanager to /api/alerts"
                ),
                (
                    "/api/handle", "[]",
                    "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver'); found a list"
                ),
            ]
            for item in cases {
                let answer = try await live.post(item.path, item.body, token: nil)
                #expect(answer.status == 400, "\(item.body)")
                #expect(answer.json == ["success": false, "msg": .string(item.message)], "\(item.body)")
            }
            #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="handle",reason="bad_input"}"#) == 4)
            #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="alerts",reason="bad_input"}"#) == 2)
            #expect(live.log.all.isEmpty)
        }
    }

    /// Queue of 2, one lane, held by the gate: the third input is refused with 503 and
    /// Retry-After, `/readyz` says why, and both accepted inputs are handled once the gate opens.
    @Test func aFullQueueAnswers503AndLosesNothingAccepted() async throws {
        let config = "- triggers: [{on_pod_update: {}}]\n  actions: [{gate: {tag: held}}]\n"
        let options = LiveRunner.options {
            $0.queueCapacity = 2
            $0.lanes = 1
            $0.retryAfterSeconds = 7
        }
        try await LiveRunner.with(config: config, options: options) { live in
            #expect(try await live.post("/api/handle", podUpdate("a"), token: nil).status == 200)
            await live.log.waitForWaiting(1)
            #expect(try await live.post("/api/handle", podUpdate("b"), token: nil).status == 200)
            let refused = try await live.post("/api/handle", podUpdate("c"), token: nil)
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "7")
            #expect(refused.json == ["success": false, "msg": "the input queue is full (2 inputs); retry later"])
            let ready = try await live.get("/readyz")
            #expect(ready.status == 503)
            #expect(ready.json == ["ready": false, "reason": "the input queue is full (2 inputs)"])
            #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="handle",reason="queue_full"}"#) == 1)
            #expect(try await live.metric("triggerfish_queue_depth") == 2)
            live.log.open()
            await live.log.waitForNotes(2)
            #expect(live.log.all == ["held", "held"])
            #expect(try await live.get("/readyz").json == ["ready": true])
        }
    }

    @Test func triggerAndReloadNeedTheToken() async throws {
        try await LiveRunner.with(config: Self.podConfig) { live in
            for path in ["/api/trigger", "/api/playbooks/reload"] {
                let missing = try await live.post(path, "{}", token: nil)
                #expect(missing.status == 401)
                #expect(missing.headers["www-authenticate"] == #"Bearer realm="triggerfish""#)
                #expect(missing.json == ["success": false, "msg": .string("\(path) needs 'Authorization: Bearer <token>'")])
                let wrong = try await live.post(path, "{}", token: "test-token-0123456788")
                #expect(wrong.status == 401)
                #expect(wrong.json == ["success": false, "msg": "the bearer token is not the runner's"])
            }
            #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="trigger",reason="unauthorized"}"#) == 2)
            // Inputs do not need it unless asked to.
            #expect(try await live.post("/api/handle", podUpdate("a"), token: nil).status == 200)
        }
    }

    @Test func withoutAConfiguredTokenTriggerAndReloadAreForbidden() async throws {
        try await LiveRunner.with(config: Self.podConfig, options: LiveRunner.options { $0.token = nil }) { live in
            let answer = try await live.post("/api/playbooks/reload", "{}", token: "anything")
            #expect(answer.status == 403)
            #expect(
                answer.json
                    == [
                        "success": false,
                        "msg":
                            "/api/playbooks/reload needs a bearer token, and none is configured: start the runner with --token-file FILE or TRIGGERFISH_TOKEN",
                    ])
        }
    }

    @Test func inputsCanRequireTheToken() async throws {
        let options = LiveRunner.options { $0.authenticateInputs = true }
        try await LiveRunner.with(config: Self.podConfig, options: options) { live in
            let unauthenticated = try await live.post("/api/handle", podUpdate("a"), token: nil)
            #expect(unauthenticated.status == 401)
            #expect(try await live.post("/api/alerts", alertWebhook("Boom"), token: "nope-nope").status == 401)
            #expect(try await live.post("/api/handle", podUpdate("a")).status == 200)
            await live.log.waitForNotes(1)
            #expect(live.log.all == ["pod"])
        }
    }

    @Test func bodiesOverTheLimitAreAnswered413() async throws {
        try await LiveRunner.with(config: Self.podConfig, options: LiveRunner.options { $0.maxBodyBytes = 64 }) { live in
            let answer = try await live.post("/api/handle", podUpdate("a-pod-with-a-long-name"), token: nil)
            #expect(answer.status == 413)
            #expect(answer.json == ["success": false, "msg": "the request body is larger than the limit of 64 bytes"])
            #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="handle",reason="too_large"}"#) == 1)
        }
    }

    @Test func unknownPathsAndMethodsAreAnswered404And405() async throws {
        try await LiveRunner.with(config: Self.podConfig) { live in
            let missing = try await live.get("/api/nothing")
            #expect(missing.status == 404)
            #expect(
                missing.json
                    == [
                        "success": false,
                        "msg":
                            "no endpoint at /api/nothing; the runner serves POST /api/handle, /api/alerts, /api/trigger, /api/playbooks/reload and GET /healthz, /readyz, /metrics",
                    ])
            let wrongMethod = try await live.get("/api/handle")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "POST")
            #expect(wrongMethod.json == ["success": false, "msg": "GET is not allowed on /api/handle; use POST"])
            #expect(try await live.get("/healthz").json == [:])
        }
    }

    @Test func aBadNewConfigIsRejectedAndTheRunningOneStays() async throws {
        try await LiveRunner.with(config: Self.podConfig) { live in
            try "- triggers: [{on_pod_updat: {}}]\n  actions: [{record: {tag: new}}]\n".write(
                toFile: live.configPath, atomically: true, encoding: .utf8)
            let rejected = try await live.post("/api/playbooks/reload", "")
            #expect(rejected.status == 422)
            #expect(
                rejected.json
                    == [
                        "success": false, "msg": .string("\(live.configPath): the new config has 1 error; still running the previous one"),
                        "diagnostics": [
                            .string(
                                "\(live.configPath):1:15: error: unknown trigger 'on_pod_updat' in the playbook at line 1; "
                                    + "did you mean 'on_pod_update'?")
                        ],
                    ])
            #expect(try await live.post("/api/handle", podUpdate("a"), token: nil).status == 200)
            await live.log.waitForNotes(1)
            #expect(live.log.all == ["pod"])
            #expect(try await live.metric(#"triggerfish_reloads_total{result="failure"}"#) == 1)

            try "- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: new}}]\n".write(
                toFile: live.configPath, atomically: true, encoding: .utf8)
            let reloaded = try await live.post("/api/playbooks/reload", "")
            #expect(reloaded.status == 200)
            #expect(
                reloaded.json == ["success": true, "msg": .string("reloaded \(live.configPath): 1 playbook(s)"), "warnings": []])
            #expect(try await live.post("/api/handle", podUpdate("a", version: 2), token: nil).status == 200)
            await live.log.waitForNotes(2)
            #expect(live.log.all == ["pod", "new"])
            #expect(try await live.metric(#"triggerfish_reloads_total{result="success"}"#) == 1)
            #expect(try await live.metric("triggerfish_config_playbooks") == 1)
        }
    }

    @Test func aChangedConfigFileIsReloaded() async throws {
        try await LiveRunner.with(config: Self.podConfig, options: LiveRunner.options { $0.watchInterval = .milliseconds(20) }) {
            live in
            try "- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: watched}}]\n".write(
                toFile: live.configPath, atomically: true, encoding: .utf8)
            while try await live.metric(#"triggerfish_reloads_total{result="success"}"#) != 1 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(try await live.post("/api/handle", podUpdate("a"), token: nil).status == 200)
            await live.log.waitForNotes(1)
            #expect(live.log.all == ["watched"])
        }
    }

    /// Graceful shutdown with inputs held in the queue: new requests get 503, every accepted
    /// input is handled before the runner returns.
    @Test func shutdownDrainsEveryAcceptedInput() async throws {
        let config = "- triggers: [{on_pod_update: {}}]\n  actions: [{gate: {tag: held}}]\n"
        let live = try await LiveRunner.start(config: config, options: LiveRunner.options { $0.lanes = 2 })
        var accepted = 0
        for index in 0..<6 where try await live.post("/api/handle", podUpdate("pod-\(index)"), token: nil).status == 200 {
            accepted += 1
        }
        #expect(accepted == 6)
        await live.log.waitForWaiting(2)
        let stopping = Task { try await live.stop() }
        // Draining: requests still reaching the server are refused with 503, or the port is
        // closed; one that slipped in before is accepted, and then handled like the others.
        var refused = false
        while !refused {
            do {
                let answer = try await live.post("/api/handle", podUpdate("late-\(accepted)"), token: nil)
                if answer.status == 503 {
                    #expect(
                        answer.json == [
                            "success": false, "msg": "the runner is shutting down; retry against another replica or after it restarts",
                        ])
                    refused = true
                } else {
                    #expect(answer.status == 200)
                    accepted += 1
                }
            } catch {
                refused = true
            }
        }
        #expect(live.log.all.isEmpty)
        live.log.open()
        try await stopping.value
        #expect(live.log.all.count == accepted)
    }
}

/// Clients that stop sending: what a raw socket shows.
@Suite struct SlowClientTests {
    /// A client that sends the headers and part of the body, then nothing: answered 408 once the
    /// body deadline passes, and the connection closed.
    @Test func aStalledBodyIsAnswered408() async throws {
        let options = LiveRunner.options { $0.bodyTimeout = .milliseconds(200) }
        try await LiveRunner.with(config: RunnerTests.podConfig, options: options) { live in
            let answer = try RawConnection.exchange(
                port: live.port,
                sending:
                    "POST /api/handle HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\":"
            )
            #expect(answer.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(answer)")
            #expect(answer.hasSuffix(#"{"msg":"the request body did not arrive within 0.2 seconds","success":false}"# + "\n"), "\(answer)")
            #expect(try await live.metric(#"triggerfish_requests_rejected_total{endpoint="handle",reason="timeout"}"#) == 1)
        }
    }
}

/// One HTTP exchange over a plain TCP socket, for requests no HTTP client sends.
enum RawConnection {
    /// Sends `text`, then reads until the server closes the connection.
    static func exchange(port: Int, sending text: String) throws -> String {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket: \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect: \(errno)") }
        let bytes = Array(text.utf8)
        guard send(descriptor, bytes, bytes.count, 0) == bytes.count else { throw TestFailure("send: \(errno)") }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}
