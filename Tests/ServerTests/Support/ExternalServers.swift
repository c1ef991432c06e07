import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A program from outside the package that tests run: Debian's `prometheus-alertmanager` and
/// `prometheus` (`.ci/run` installs them).
///
/// Where one is missing its tests are skipped, with one line saying so, unless the environment has
/// `TRIGGERFISH_REQUIRE_EXTERNAL=1` (CI sets it): then they run and fail, naming what is missing.
///
/// ```swift
/// @Test(.enabled(if: ExternalProgram.alertmanager.runsTests, ExternalProgram.alertmanager.skipComment))
/// ```
enum ExternalProgram: String, Sendable, CaseIterable {
    case alertmanager = "prometheus-alertmanager"
    case prometheus = "prometheus"

    /// The environment variable that turns a missing program from a skip into a failure.
    static let requiredVariable = "TRIGGERFISH_REQUIRE_EXTERNAL"

    /// Whether missing programs fail tests instead of skipping them.
    static var required: Bool { ProcessInfo.processInfo.environment[requiredVariable] == "1" }

    /// The executable's path: the first on `PATH`, then `/usr/bin`; `nil` when there is none.
    var path: String? {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/" + rawValue
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether a test that needs the program runs: it is installed, or it is required (and the test
    /// fails saying it is missing).
    var runsTests: Bool { path != nil || Self.required }

    /// The reason printed for a skipped test.
    var skipComment: Comment {
        "\(rawValue) is not installed (apt-get install \(rawValue)); \(Self.requiredVariable)=1 makes this a failure"
    }

    /// The executable's path, or an error saying it is missing.
    func executable() throws -> String {
        guard let path else {
            throw ExternalServerError(
                "\(rawValue) not found on PATH or in /usr/bin, and \(Self.requiredVariable)=1 requires it: "
                    + "apt-get install --no-install-recommends \(rawValue) (.ci/run does)")
        }
        return path
    }
}

/// A failure of an external server or of waiting for it; the message includes the program's log
/// where it helps.
struct ExternalServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Processes

/// A program started for a test in a scratch folder of its own, its standard output and error
/// captured in `output.log` there. ``stop(grace:keepDirectory:)`` ends it (SIGTERM, then SIGKILL)
/// and removes the folder.
final class ExternalProcess: Sendable {
    /// The program's name in failure messages.
    let name: String
    let process: Process
    /// The scratch folder: the program's storage, config and log.
    let directory: URL
    let logFile: URL

    private init(name: String, process: Process, directory: URL, logFile: URL) {
        self.name = name
        self.process = process
        self.directory = directory
        self.logFile = logFile
    }

    /// A new empty scratch folder under the temporary directory.
    static func scratchDirectory(for name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// Starts the executable at `path` with `arguments` in `directory`, logging to
    /// `directory/output.log` (appended to, so the log of an earlier attempt in the same folder is kept).
    static func start(_ path: String, name: String, arguments: [String], in directory: URL) throws -> ExternalProcess {
        let logFile = directory.appendingPathComponent("output.log")
        if !FileManager.default.fileExists(atPath: logFile.path) {
            try Data().write(to: logFile)
        }
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }
        try log.seekToEnd()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        // Swift concurrency runs this on a libdispatch worker thread, which blocks most signals, and
        // a child inherits its parent thread's mask: a program that does not unblock them itself
        // (Go programs do; `triggerfish serve` need not) would never see SIGTERM. Spawn with none
        // blocked; Process.run() spawns on the calling thread.
        var none = sigset_t()
        var previous = sigset_t()
        sigemptyset(&none)
        pthread_sigmask(SIG_SETMASK, &none, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
        return ExternalProcess(name: name, process: process, directory: directory, logFile: logFile)
    }

    var isRunning: Bool { process.isRunning }

    /// Everything the program wrote so far.
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    /// The last `count` lines of the log, for failure messages.
    func logTail(_ count: Int = 30) -> String {
        let lines = log.split(separator: "\n", omittingEmptySubsequences: false)
        return lines.suffix(count).joined(separator: "\n")
    }

    /// A failure about this program, with the end of its log.
    func failure(_ message: String) -> ExternalServerError {
        ExternalServerError("\(name): \(message)\n--- its log (last lines) ---\n\(logTail())")
    }

    /// How the process ended: `exited 0`, `killed by signal 9`.
    struct Termination: Sendable, Equatable, CustomStringConvertible {
        var signaled: Bool
        var status: Int32
        static let success = Termination(signaled: false, status: 0)
        var description: String { signaled ? "killed by signal \(status)" : "exited \(status)" }
    }

    /// Sends SIGTERM, waits for the exit up to `grace`, then sends SIGKILL; removes the scratch
    /// folder unless `keepDirectory`. Returns how the process ended. Stopping twice is harmless.
    @discardableResult
    func stop(grace: Duration = .seconds(10), keepDirectory: Bool = false) async -> Termination {
        if process.isRunning {
            process.terminate()
            let deadline = ContinuousClock.now + grace
            while process.isRunning && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
            }
            while process.isRunning {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        if !keepDirectory {
            try? FileManager.default.removeItem(at: directory)
        }
        return Termination(signaled: process.terminationReason == .uncaughtSignal, status: process.terminationStatus)
    }

    /// Starts the program on a free loopback port and waits until `GET readyPath` answers 200.
    /// `arguments` gets the port. A port is free when chosen but may be taken before the program
    /// binds it: when the program exits before it is ready and its log says the address is in use,
    /// another port is tried.
    ///
    /// `timeout` bounds the wait for readiness on a busy machine; it is not a speed expectation.
    static func startListening(
        _ path: String, name: String, in directory: URL, readyPath: String = "/-/ready", timeout: Duration = .seconds(90),
        arguments: (_ port: Int) -> [String]
    ) async throws -> (process: ExternalProcess, port: Int) {
        var attempt = 0
        while true {
            attempt += 1
            let port = try LoopbackPort.free()
            let started = try start(path, name: name, arguments: arguments(port), in: directory)
            do {
                try await started.waitUntilReady(URL(string: "http://127.0.0.1:\(port)\(readyPath)")!, timeout: timeout)
                return (started, port)
            } catch {
                let portTaken = !started.isRunning && started.log.lowercased().contains("address already in use")
                await started.stop(keepDirectory: true)
                if portTaken && attempt < 3 { continue }
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
        }
    }

    /// ``startListening(_:name:in:readyPath:timeout:arguments:)`` for an external program.
    static func startListening(
        _ program: ExternalProgram, in directory: URL, timeout: Duration = .seconds(90), arguments: (_ port: Int) -> [String]
    ) async throws -> (process: ExternalProcess, port: Int) {
        let path: String
        do {
            path = try program.executable()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        return try await startListening(path, name: program.rawValue, in: directory, timeout: timeout, arguments: arguments)
    }

    /// Polls `url` until it answers 200; fails when the program exits first or `timeout` passes.
    func waitUntilReady(_ url: URL, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        var last = "no answer yet"
        while true {
            guard isRunning else {
                throw failure("exited (status \(process.terminationStatus)) before \(url.path) answered 200")
            }
            do {
                let response = try await LoopbackHTTP.get(url, timeout: .seconds(5))
                if response.status == 200 { return }
                last = "status \(response.status)"
            } catch {
                last = "\(error)"
            }
            guard ContinuousClock.now < deadline else {
                throw failure("\(url) did not answer 200 within \(timeout) (last: \(last))")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

// MARK: - Alertmanager

/// A real Alertmanager (Debian's `prometheus-alertmanager`) on 127.0.0.1 with a free port,
/// clustering off, its storage in a scratch folder, routing every alert to one webhook receiver.
///
/// ```swift
/// try await Alertmanager.withAlertmanager(webhook: .init(url: receiver.url, bearerToken: "s3cret")) { alertmanager in
///     try await alertmanager.post([PostableAlert(labels: ["alertname": "KubePodCrashLooping"])])
///     ...
/// }
/// ```
///
/// How it retries (measured with 0.25, Debian 12): a notification is one "flush" of an alert
/// group, which has a deadline of `max(group_interval, 10s)`. Within a flush, a `5xx` answer or a
/// refused connection is retried with exponential backoff (built in, not configurable: about 1 s,
/// 1 s, 2 s, 3 s, 3 s apart with jitter), so about 6 attempts until the deadline. A `4xx` ends the
/// flush at once ("unrecoverable"). Either way the alert is not recorded as sent, so the next flush,
/// `group_interval` after the last one started (at once when the last one used up its deadline),
/// tries again, for as long as the alert fires. Nothing is dropped: a small `group_interval` makes
/// retries come quickly, `group_wait` delays only the first notification of a group, and
/// `repeat_interval` must be long so that a delivered alert is not sent again during a test.
final class Alertmanager: Sendable {
    /// Where notifications go.
    struct Webhook: Sendable {
        /// The receiver's URL, e.g. `http://127.0.0.1:PORT/api/alerts`.
        var url: URL
        /// Sent as `Authorization: Bearer TOKEN` (`http_config.authorization`, from a credentials
        /// file as a deployment would); none when `nil`.
        var bearerToken: String?
        var sendResolved = true
        /// At most this many alerts in one notification; 0 for all.
        var maxAlerts = 0
    }

    /// The route's grouping and timing; the defaults make notifications and retries quick.
    struct Routing: Sendable {
        /// `["..."]`: every alert is a group of its own, notified and retried on its own.
        var groupBy = ["..."]
        var groupWait = Duration.zero
        var groupInterval = Duration.seconds(1)
        var repeatInterval = Duration.seconds(3600)
    }

    let process: ExternalProcess
    let port: Int

    private init(process: ExternalProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// `http://127.0.0.1:PORT`.
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// What Alertmanager logged so far.
    var log: String { process.log }

    /// The configuration file's text; the token is read from `tokenFile`.
    static func configuration(webhook: Webhook, routing: Routing, tokenFile: URL?) -> String {
        var lines = [
            "route:",
            "  receiver: webhook",
            "  group_by: [\(routing.groupBy.map(yamlString).joined(separator: ", "))]",
            "  group_wait: \(prometheusDuration(routing.groupWait))",
            "  group_interval: \(prometheusDuration(routing.groupInterval))",
            "  repeat_interval: \(prometheusDuration(routing.repeatInterval))",
            "receivers:",
            "  - name: webhook",
            "    webhook_configs:",
            "      - url: \(yamlString(webhook.url.absoluteString))",
            "        send_resolved: \(webhook.sendResolved)",
            "        max_alerts: \(webhook.maxAlerts)",
        ]
        if let tokenFile {
            lines += [
                "        http_config:",
                "          authorization:",
                "            type: Bearer",
                "            credentials_file: \(yamlString(tokenFile.path))",
            ]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Starts Alertmanager and waits until it is ready.
    static func start(webhook: Webhook, routing: Routing = Routing()) async throws -> Alertmanager {
        let directory = try ExternalProcess.scratchDirectory(for: ExternalProgram.alertmanager.rawValue)
        var tokenFile: URL?
        if let token = webhook.bearerToken {
            let file = directory.appendingPathComponent("token")
            try Data(token.utf8).write(to: file)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            tokenFile = file
        }
        let config = directory.appendingPathComponent("alertmanager.yml")
        try Data(configuration(webhook: webhook, routing: routing, tokenFile: tokenFile).utf8).write(to: config)
        let (process, port) = try await ExternalProcess.startListening(.alertmanager, in: directory) { port in
            [
                "--config.file=\(config.path)",
                "--storage.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
                "--cluster.listen-address=",
                "--log.level=debug",
            ]
        }
        return Alertmanager(process: process, port: port)
    }

    /// Runs `body` with a started Alertmanager and stops it after, whether `body` throws or not.
    static func withAlertmanager<Result>(
        webhook: Webhook, routing: Routing = Routing(), _ body: (Alertmanager) async throws -> Result
    ) async throws -> Result {
        let alertmanager = try await start(webhook: webhook, routing: routing)
        do {
            let result = try await body(alertmanager)
            await alertmanager.stop()
            return result
        } catch {
            await alertmanager.stop()
            throw error
        }
    }

    /// Posts alerts as Prometheus does (`POST /api/v2/alerts`).
    func post(_ alerts: [PostableAlert]) async throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        let response = try await LoopbackHTTP.post(url.appendingPathComponent("api/v2/alerts"), json: try encoder.encode(alerts))
        guard response.status == 200 else {
            throw process.failure("POST /api/v2/alerts answered \(response.status): \(response.text)")
        }
    }

    /// Stops Alertmanager (SIGTERM, then SIGKILL) and removes its scratch folder.
    func stop() async { await process.stop() }
}

/// An alert as posted to Alertmanager's API v2.
struct PostableAlert: Sendable, Encodable {
    var labels: [String: String]
    var annotations: [String: String] = [:]
    /// Now when `nil`.
    var startsAt: Date?
    /// `startsAt` plus Alertmanager's `resolve_timeout` (5 minutes) when `nil`; in the past to resolve.
    var endsAt: Date?
    var generatorURL: String?
}

// MARK: - Prometheus

/// A real Prometheus (Debian's `prometheus`) on 127.0.0.1 with a free port, its storage in a
/// scratch folder, scraping one target often.
///
/// ```swift
/// try await Prometheus.withPrometheus(scraping: URL(string: "http://127.0.0.1:\(port)/metrics")!) { prometheus in
///     let samples = try await prometheus.waitForSamples("triggerfish_inputs_received_total")
/// }
/// ```
final class Prometheus: Sendable {
    /// One element of an instant vector.
    struct Sample: Sendable, Equatable, CustomStringConvertible {
        var labels: [String: String]
        var value: Double
        var description: String {
            "\(labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")) \(value)"
        }
    }

    let process: ExternalProcess
    let port: Int

    private init(process: ExternalProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// `http://127.0.0.1:PORT`.
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// What Prometheus logged so far.
    var log: String { process.log }

    /// The configuration file's text: one job, `triggerfish`, scraping `target` (its host, port and
    /// path) every `interval`, with a bearer token when given.
    static func configuration(target: URL, interval: Duration, bearerToken: String?) -> String {
        let host = target.host ?? "127.0.0.1"
        let port = target.port ?? 80
        let path = target.path.isEmpty ? "/metrics" : target.path
        var lines = [
            "global:",
            "  scrape_interval: \(prometheusDuration(interval))",
            "  scrape_timeout: \(prometheusDuration(interval))",
            "  evaluation_interval: \(prometheusDuration(interval))",
            "scrape_configs:",
            "  - job_name: triggerfish",
            "    metrics_path: \(yamlString(path))",
            "    static_configs:",
            "      - targets: [\(yamlString("\(host):\(port)"))]",
        ]
        if let bearerToken {
            lines += ["    authorization:", "      type: Bearer", "      credentials: \(yamlString(bearerToken))"]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Starts Prometheus and waits until it is ready.
    static func start(scraping target: URL, interval: Duration = .seconds(1), bearerToken: String? = nil) async throws -> Prometheus {
        let directory = try ExternalProcess.scratchDirectory(for: ExternalProgram.prometheus.rawValue)
        let config = directory.appendingPathComponent("prometheus.yml")
        try Data(configuration(target: target, interval: interval, bearerToken: bearerToken).utf8).write(to: config)
        let (process, port) = try await ExternalProcess.startListening(.prometheus, in: directory) { port in
            [
                "--config.file=\(config.path)",
                "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ]
        }
        return Prometheus(process: process, port: port)
    }

    /// Runs `body` with a started Prometheus and stops it after, whether `body` throws or not.
    static func withPrometheus<Result>(
        scraping target: URL, interval: Duration = .seconds(1), bearerToken: String? = nil,
        _ body: (Prometheus) async throws -> Result
    ) async throws -> Result {
        let prometheus = try await start(scraping: target, interval: interval, bearerToken: bearerToken)
        do {
            let result = try await body(prometheus)
            await prometheus.stop()
            return result
        } catch {
            await prometheus.stop()
            throw error
        }
    }

    /// Evaluates a PromQL expression now (`GET /api/v1/query`); it must give an instant vector.
    func query(_ expression: String) async throws -> [Sample] {
        let json = try await getJSON("api/v1/query?query=\(Self.queryEncoded(expression))")
        guard let data = json["data"] as? [String: Any], data["resultType"] as? String == "vector",
            let result = data["result"] as? [[String: Any]]
        else {
            throw process.failure("query \(expression): not an instant vector: \(json)")
        }
        return try result.map { element in
            guard let metric = element["metric"] as? [String: String], let value = element["value"] as? [Any], value.count == 2,
                let text = value[1] as? String, let number = Double(text)
            else {
                throw process.failure("query \(expression): unexpected sample \(element)")
            }
            return Sample(labels: metric, value: number)
        }
    }

    /// Queries until the samples satisfy `condition` (by default: there is at least one) and
    /// returns them. `timeout` bounds the wait on a busy machine; on timeout the error says what
    /// the last query gave and what Prometheus reports about its scrapes.
    @discardableResult
    func waitForSamples(
        _ expression: String, timeout: Duration = .seconds(120), until condition: ([Sample]) -> Bool = { !$0.isEmpty }
    ) async throws -> [Sample] {
        let deadline = ContinuousClock.now + timeout
        var last: [Sample] = []
        while true {
            last = try await query(expression)
            if condition(last) { return last }
            guard ContinuousClock.now < deadline else {
                let targets = (try? await scrapeTargets()) ?? "unknown"
                throw process.failure("gave up after \(timeout) waiting for \(expression); last result \(last); targets: \(targets)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The targets' health and last scrape error, as `GET /api/v1/targets` reports them.
    func scrapeTargets() async throws -> String {
        let json = try await getJSON("api/v1/targets")
        let active = ((json["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]) ?? []
        return active.map { target in
            "\(target["scrapeUrl"] ?? "?") health=\(target["health"] ?? "?") lastError=\(target["lastError"] ?? "")"
        }.joined(separator: "; ")
    }

    /// Stops Prometheus (SIGTERM, then SIGKILL) and removes its scratch folder.
    func stop() async { await process.stop() }

    func getJSON(_ pathAndQuery: String) async throws -> [String: Any] {
        let target = URL(string: "\(url.absoluteString)/\(pathAndQuery)")!
        let response = try await LoopbackHTTP.get(target)
        guard response.status == 200, let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
            json["status"] as? String == "success"
        else {
            throw process.failure("GET /\(pathAndQuery) answered \(response.status): \(response.text)")
        }
        return json
    }

    /// Percent-encodes everything but unreserved characters (`+` would otherwise read as a space).
    static func queryEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

// MARK: - HTTP and ports

/// Requests to servers on loopback with AsyncHTTPClient's shared client.
enum LoopbackHTTP {
    struct Response: Sendable {
        var status: Int
        var headers: [(name: String, value: String)]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func get(_ url: URL, headers: [(String, String)] = [], timeout: Duration = .seconds(30)) async throws -> Response {
        try await send(url, method: .GET, headers: headers, body: nil, timeout: timeout)
    }

    /// POSTs `json` with `Content-Type: application/json`.
    static func post(_ url: URL, json: Data, headers: [(String, String)] = [], timeout: Duration = .seconds(30)) async throws -> Response {
        try await send(url, method: .POST, headers: [("Content-Type", "application/json")] + headers, body: json, timeout: timeout)
    }

    static func send(_ url: URL, method: HTTPMethod, headers: [(String, String)], body: Data?, timeout: Duration) async throws -> Response {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(nanoseconds))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Response(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(bytes.readableBytesView))
    }
}

/// Free TCP ports on 127.0.0.1, for programs that must be told their port.
enum LoopbackPort {
    /// A port that was free when asked: the kernel picks it for a socket bound to port 0, which is
    /// then closed. Another process may take it before the caller binds it, rarely.
    static func free() throws -> Int {
        #if canImport(Glibc)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw ExternalServerError("socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw ExternalServerError("bind(127.0.0.1:0) failed: errno \(errno)") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw ExternalServerError("getsockname failed: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

// MARK: - Config text

/// A duration as Prometheus and Alertmanager write them: `0s`, `1s`, `250ms`, `1h` is `3600s`.
func prometheusDuration(_ duration: Duration) -> String {
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
    return "\(milliseconds)ms"
}

/// A YAML double-quoted scalar (JSON's string syntax, which YAML reads the same).
func yamlString(_ text: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    let data = try! encoder.encode(text)
    return String(decoding: data, as: UTF8.self)
}
