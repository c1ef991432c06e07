import Hummingbird
import NIOCore

/// Starts a Hummingbird application on 127.0.0.1 at a port the system picks, for servers that
/// tests run in-process (``HTTPReceiver``, ``FakeKubernetesServer``, a test's own stand-ins).
public enum LoopbackApplication {
    /// Why a server did not start.
    public struct NotListening: Error, CustomStringConvertible {
        public var description: String
    }

    /// The configuration every loopback server listens with: 127.0.0.1, port 0, no server name.
    public static let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: nil)

    /// Builds the application with `make` (given the configuration and the `onServerRunning`
    /// callback to pass on), runs it in a task and returns once it listens, with its port; the
    /// server stops when the task is cancelled. Throws ``NotListening`` (saying `name` stopped
    /// before it listened) when it stops first.
    public static func start<App: ApplicationProtocol>(
        _ name: String,
        _ make: (_ configuration: ApplicationConfiguration, _ onServerRunning: @escaping @Sendable (any Channel) async -> Void) throws ->
            App
    ) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let application = try make(configuration) { channel in
            portContinuation.yield(channel.localAddress?.port ?? 0)
            portContinuation.finish()
        }
        let task = Task {
            defer { portContinuation.finish() }
            try await application.run()
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            task.cancel()
            _ = try? await task.value
            throw NotListening(description: "\(name) stopped before it listened")
        }
        return (port, task)
    }
}
