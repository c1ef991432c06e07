/// Polls `condition` until it gives a value, and returns it. `timeout` only bounds the wait on a
/// busy machine (tests never assert how long something took); on timeout the error names `what`
/// and, when `log` is given, ends with that program's log.
@discardableResult
func poll<Value>(
    _ what: String, timeout: Duration = .seconds(120), every interval: Duration = .milliseconds(20), log: (any ProgramLog)? = nil,
    _ condition: () async throws -> Value?
) async throws -> Value {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await condition() { return value }
        guard ContinuousClock.now < deadline else {
            let message = "gave up after \(timeout) waiting for \(what)"
            throw log?.process.failure(message) ?? ExternalServerError(message)
        }
        try await Task.sleep(for: interval)
    }
}

/// A server run as a process, whose log goes into failure messages.
protocol ProgramLog: Sendable {
    var process: ExternalProcess { get }
}

extension Alertmanager: ProgramLog {}
extension Prometheus: ProgramLog {}
