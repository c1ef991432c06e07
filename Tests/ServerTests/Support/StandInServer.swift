import Foundation
import Hummingbird
import Logging
import NIOCore
import TriggerfishTesting

/// A Hummingbird router served on 127.0.0.1 with an ephemeral port, for stand-ins of the server in
/// tests of the support code (a `/metrics` endpoint for Prometheus, say).
final class StandInServer: Sendable {
    let port: Int
    let server: Task<Void, any Error>

    private init(port: Int, server: Task<Void, any Error>) {
        self.port = port
        self.server = server
    }

    /// `http://127.0.0.1:PORT`.
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Serves `router` and returns once it listens.
    static func start(_ router: Router<BasicRequestContext>) async throws -> StandInServer {
        let (port, server) = try await LoopbackApplication.start("the stand-in server") { configuration, onServerRunning in
            Application(
                router: router, configuration: configuration, onServerRunning: onServerRunning,
                logger: Logger(label: "ServerTests.StandInServer", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        return StandInServer(port: port, server: server)
    }

    /// Runs `body` with `router` served, and stops serving after it, whether it throws or not.
    static func withServer<Result>(_ router: Router<BasicRequestContext>, _ body: (StandInServer) async throws -> Result) async throws
        -> Result
    {
        let server = try await start(router)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func stop() async {
        server.cancel()
        _ = try? await server.value
    }
}
