import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Triggerfish

/// A fake Kubernetes API server on 127.0.0.1 with an ephemeral port (Hummingbird), plain HTTP or
/// TLS, serving a ``FakeKubernetesCluster`` as the API server does: `/api/v1/...` and
/// `/apis/{group}/{version}/...`, namespaced and cluster-scoped, get, list (`labelSelector`,
/// `fieldSelector`, `limit`, `continue`), watch (`watch=1`, `resourceVersion`,
/// `allowWatchBookmarks`, `sendInitialEvents`, `timeoutSeconds`), create, update (`PUT`), patch
/// (merge and strategic merge), delete, `pods/{name}/log`, `pods/{name}/eviction`, `.../status`,
/// discovery (`/api`, `/apis`, `/api/v1`, `/apis/{group}/{version}`) and `/version`. Refusals are
/// `Status` objects worded as the API server words them.
///
/// ```swift
/// let cluster = FakeKubernetesCluster()
/// try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tokens: ["t0ken": "system:serviceaccount:ops:triggerfish"])) { server in
///     // GET \(server.url)/api/v1/namespaces/default/pods with "Authorization: Bearer t0ken"
/// }
/// ```
public final class FakeKubernetesServer: Sendable {
    /// The server's certificate and key (PEM), and optionally the CA that client certificates
    /// must chain to.
    public struct TLS: Sendable {
        public var certificatePEM: String
        public var privateKeyPEM: String
        /// With it, a client certificate is verified against it; the user is then its common name.
        public var clientCertificateAuthorityPEM: String?
        /// With a client CA: refuse connections without a client certificate (otherwise one is optional).
        public var requireClientCertificate: Bool

        public init(
            certificatePEM: String, privateKeyPEM: String, clientCertificateAuthorityPEM: String? = nil,
            requireClientCertificate: Bool = true
        ) {
            self.certificatePEM = certificatePEM
            self.privateKeyPEM = privateKeyPEM
            self.clientCertificateAuthorityPEM = clientCertificateAuthorityPEM
            self.requireClientCertificate = requireClientCertificate
        }

        func configuration() throws -> TLSConfiguration {
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)))
            if let clientCertificateAuthorityPEM {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCertificateAuthorityPEM.utf8)))
                configuration.certificateVerification = requireClientCertificate ? .noHostnameVerification : .optionalVerification
            }
            return configuration
        }
    }

    public struct Options: Sendable {
        /// Serve HTTPS with these.
        public var tls: TLS?
        /// Bearer tokens and their users. When set, a request needs one of them (or a verified
        /// client certificate), else 401 Unauthorized.
        public var tokens: [String: String]?
        /// The user of requests without a token or client certificate (when ``tokens`` is `nil`).
        public var user: String

        public init(tls: TLS? = nil, tokens: [String: String]? = nil, user: String = "system:anonymous") {
            self.tls = tls
            self.tokens = tokens
            self.user = user
        }
    }

    /// The largest request body read; larger ones end the request with HTTP 500.
    public static let bodyLimit = 16 << 20

    public let cluster: FakeKubernetesCluster
    public let options: Options
    /// The port the server listens on.
    public let port: Int
    let server: Task<Void, any Error>

    init(cluster: FakeKubernetesCluster, options: Options, port: Int, server: Task<Void, any Error>) {
        self.cluster = cluster
        self.options = options
        self.port = port
        self.server = server
    }

    /// `http://127.0.0.1:PORT` (`https` with TLS): the cluster's server URL, as a kubeconfig's `server`.
    public var url: URL { URL(string: "\(options.tls == nil ? "http" : "https")://127.0.0.1:\(port)")! }

    /// The server started, listening. Call ``stop()`` when done (or use ``withServer(cluster:options:_:)``).
    public static func start(cluster: FakeKubernetesCluster, options: Options = Options()) async throws -> FakeKubernetesServer {
        let handler = FakeKubernetesHandler(cluster: cluster, options: options)
        let builder: HTTPServerBuilder = try options.tls.map { try .tls(.http1(), tlsConfiguration: try $0.configuration()) } ?? .http1()
        let (port, server) = try await LoopbackApplication.start("the fake Kubernetes API server") { configuration, onServerRunning in
            Application(
                responder: CallbackResponder<FakeKubernetesRequestContext> { request, context in
                    try await handler.respond(to: request, context: context)
                },
                server: builder, configuration: configuration, onServerRunning: onServerRunning,
                logger: Logger(label: "TriggerfishTesting.FakeKubernetesServer", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
        return FakeKubernetesServer(cluster: cluster, options: options, port: port, server: server)
    }

    /// Runs `body` with a started server and stops the server after it, whether it throws or not.
    public static func withServer<Result>(
        cluster: FakeKubernetesCluster, options: Options = Options(), _ body: (FakeKubernetesServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(cluster: cluster, options: options)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Stops listening and ends every open request and watch: once it returns the port refuses
    /// connections. Stopping twice is harmless.
    public func stop() async {
        server.cancel()
        _ = try? await server.value
    }
}

/// The request context: Hummingbird's, with the connection (to drop it, and to read a client
/// certificate).
struct FakeKubernetesRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

extension FakeKubernetesServer {
    /// A kubeconfig (YAML) for this server: context `fake`, namespace `namespace`, with the bearer
    /// token and/or the client certificate and the CA of `certificates` (base64 `-data` fields).
    public func kubeconfig(token: String? = nil, certificates: FakeKubernetesCertificates? = nil, namespace: String = "default") -> String {
        func data(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        var cluster = "    server: \(url.absoluteString)\n"
        if let certificates { cluster += "    certificate-authority-data: \(data(certificates.caPEM))\n" }
        var user = ""
        if let token { user += "    token: \(token)\n" }
        if let certificates {
            user += "    client-certificate-data: \(data(certificates.clientCertificatePEM))\n"
            user += "    client-key-data: \(data(certificates.clientKeyPEM))\n"
        }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
            \(cluster)contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
                namespace: \(namespace)
            current-context: fake
            users:
            - name: fake
              user:
            \(user.isEmpty ? "    {}\n" : user)
            """
    }
}
