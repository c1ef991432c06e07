import Foundation
import TriggerfishTestSupport

/// `triggerfish serve` run as a process, as a user runs it: the binary SwiftPM built, on a free
/// loopback port, with a token file and a state folder in a scratch folder of its own, ready once
/// `GET /readyz` answers 200.
///
/// ```swift
/// let serve = try await ServeProcess.start(config: FixtureFolder.repository.url("playbooks.yaml"))
/// let response = try await LoopbackHTTP.post(serve.url.appendingPathComponent("api/alerts"), json: body)
/// #expect(await serve.terminate() == .success)
/// ```
final class ServeProcess: Sendable {
    let process: ExternalProcess
    let port: Int
    /// The bearer token the server requires, also in `tokenFile`.
    let token: String
    let tokenFile: URL
    /// `--state-dir`.
    let stateDirectory: URL

    private init(process: ExternalProcess, port: Int, token: String, tokenFile: URL, stateDirectory: URL) {
        self.process = process
        self.port = port
        self.token = token
        self.tokenFile = tokenFile
        self.stateDirectory = stateDirectory
    }

    /// `http://127.0.0.1:PORT`.
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// `Authorization: Bearer TOKEN`, for ``LoopbackHTTP``'s `headers`.
    var authorization: (String, String) { ("Authorization", "Bearer \(token)") }

    /// What the server logged so far (standard output and error).
    var log: String { process.log }

    /// Starts `triggerfish serve --config CONFIG --port P --token-file F --state-dir D ARGUMENTS...`
    /// and waits until it is ready. `binary` replaces the built `triggerfish` (a stand-in, say).
    static func start(
        config: URL, arguments: [String] = [], token: String = "serve-token-\(UUID().uuidString)", binary: URL? = nil,
        timeout: Duration = .seconds(90)
    ) async throws -> ServeProcess {
        let executable = try binary ?? TriggerfishProcess.binary()
        let directory = try ExternalProcess.scratchDirectory(for: "serve")
        let tokenFile = directory.appendingPathComponent("token")
        let stateDirectory = directory.appendingPathComponent("state")
        do {
            try Data(token.utf8).write(to: tokenFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: tokenFile.path)
            try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        let (process, port) = try await ExternalProcess.startListening(
            executable.path, name: "triggerfish serve", in: directory, readyPath: "/readyz", timeout: timeout
        ) { port in
            [
                "serve", "--config", config.path, "--port", String(port), "--token-file", tokenFile.path,
                "--state-dir", stateDirectory.path,
            ] + arguments
        }
        return ServeProcess(process: process, port: port, token: token, tokenFile: tokenFile, stateDirectory: stateDirectory)
    }

    /// Sends SIGTERM and waits for the exit, up to `grace` (then SIGKILL), and says how it ended;
    /// a clean shutdown is `.success`. Removes the scratch folder unless `keepDirectory`.
    @discardableResult
    func terminate(grace: Duration = .seconds(60), keepDirectory: Bool = false) async -> ExternalProcess.Termination {
        await process.stop(grace: grace, keepDirectory: keepDirectory)
    }
}

extension ServeProcess: ProgramLog {}
