import Foundation
import Triggerfish

/// The credentials of the next request: a token read again from its file when it may have been
/// rotated, or an exec plugin's answer kept until it expires. One per client; ``invalidate()``
/// after a 401 makes the next request read the file or run the plugin again.
public actor KubernetesCredentialProvider {
    /// The exec credential API versions Triggerfish speaks.
    public static let execAPIVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    /// What a request carries.
    public struct Authentication: Sendable, Hashable {
        /// The `Authorization` header value: `Bearer ...` or `Basic ...`.
        public var authorization: String?
        /// A client certificate and key (PEM) from an exec plugin, overriding the configuration's.
        public var clientCertificate: [UInt8]?
        public var clientKey: [UInt8]?
    }

    let credentials: KubernetesConfiguration.Credentials
    let now: @Sendable () -> Date
    private var cached: Authentication?
    /// When the cached answer must be fetched again: the token file's next read, the plugin's expiry.
    private var validUntil: Date?
    private var execRun: Task<(Authentication, Date?), any Error>?

    /// `now` is the clock of token refreshes and exec expirations (tests pass their own).
    public init(credentials: KubernetesConfiguration.Credentials, now: @escaping @Sendable () -> Date = { Date() }) {
        self.credentials = credentials
        self.now = now
    }

    /// Forgets the cached credentials (after a 401): the next request reads them again.
    public func invalidate() {
        cached = nil
        validUntil = nil
    }

    /// The credentials for a request, fetched again when they expired or were invalidated.
    public func authentication() async throws -> Authentication {
        if let cached, validUntil.map({ now() < $0 }) ?? true { return cached }
        let fresh: Authentication
        switch credentials {
        case .none:
            fresh = Authentication()
            validUntil = nil
        case .token(let token):
            fresh = Authentication(authorization: "Bearer \(token)")
            validUntil = nil
        case .basic(let username, let password):
            fresh = Authentication(authorization: "Basic " + Data("\(username):\(password)".utf8).base64EncodedString())
            validUntil = nil
        case .tokenFile(let path, let interval):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KubernetesConfigurationError("cannot read the token file \(path)")
            }
            let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            fresh = Authentication(authorization: token.isEmpty ? nil : "Bearer \(token)")
            let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
            validUntil = now().addingTimeInterval(seconds)
        case .exec(let plugin):
            // Concurrent requests share one run of the plugin.
            let run = execRun ?? Task { try await Self.run(plugin) }
            execRun = run
            defer { execRun = nil }
            let (authentication, expiry) = try await run.value
            fresh = authentication
            // Without an expirationTimestamp the answer is kept until a 401 (client-go does the same).
            validUntil = expiry
        }
        cached = fresh
        return fresh
    }

    /// Runs an exec plugin and reads the ExecCredential it prints.
    static func run(_ plugin: KubernetesConfiguration.ExecPlugin) async throws -> (Authentication, Date?) {
        let output = try await ExecRunner.run(plugin)
        let what = "kubeconfig \(plugin.kubeconfig): exec plugin \(plugin.command)"
        guard output.status == 0 else {
            let stderr = output.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            throw KubernetesConfigurationError(
                "\(what) exited with status \(output.status)\(stderr.isEmpty ? "" : ": \(stderr)")")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(output.stdout)
        } catch {
            throw KubernetesConfigurationError("\(what) printed no ExecCredential: \(error)")
        }
        guard json["kind"]?.stringValue == "ExecCredential" else {
            throw KubernetesConfigurationError("\(what) printed no ExecCredential: its kind is not ExecCredential")
        }
        if let apiVersion = json["apiVersion"]?.stringValue, apiVersion != plugin.apiVersion {
            throw KubernetesConfigurationError(
                "\(what) printed an ExecCredential of apiVersion '\(apiVersion)', the kubeconfig asks for '\(plugin.apiVersion)'")
        }
        let status = json["status"] ?? .object([:])
        var authentication = Authentication()
        if let token = status["token"]?.stringValue, !token.isEmpty { authentication.authorization = "Bearer \(token)" }
        if let certificate = status["clientCertificateData"]?.stringValue, let key = status["clientKeyData"]?.stringValue {
            authentication.clientCertificate = Array(certificate.utf8)
            authentication.clientKey = Array(key.utf8)
        }
        guard authentication.authorization != nil || authentication.clientCertificate != nil else {
            throw KubernetesConfigurationError(
                "\(what) printed an ExecCredential with neither status.token nor status.clientCertificateData and clientKeyData")
        }
        var expiry: Date?
        if let text = status["expirationTimestamp"]?.stringValue {
            guard let date = RFC3339.date(text) else {
                throw KubernetesConfigurationError("\(what): expirationTimestamp '\(text)' is not an RFC 3339 time")
            }
            expiry = date
        }
        return (authentication, expiry)
    }
}

/// Runs a plugin process off the cooperative threads.
enum ExecRunner {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ plugin: KubernetesConfiguration.ExecPlugin) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    continuation.resume(returning: try runBlocking(plugin))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func runBlocking(_ plugin: KubernetesConfiguration.ExecPlugin) throws -> Output {
        let process = Process()
        if plugin.command.contains("/") {
            process.executableURL = URL(fileURLWithPath: plugin.command)
            process.arguments = plugin.args
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [plugin.command] + plugin.args
        }
        var environment = ProcessInfo.processInfo.environment
        for variable in plugin.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] =
            JSONValue.object([
                "apiVersion": .string(plugin.apiVersion), "kind": "ExecCredential", "spec": ["interactive": false],
            ]).serialized()
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw KubernetesConfigurationError(
                "kubeconfig \(plugin.kubeconfig): cannot run exec plugin \(plugin.command): \(error.localizedDescription)")
        }
        let errorData = LockedBox(Data())
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorData.set(stderr.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outputData, as: UTF8.self),
            stderr: String(decoding: errorData.get(), as: UTF8.self))
    }
}

/// A value shared between two threads of ``ExecRunner``.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func set(_ new: Value) { lock.withLock { value = new } }
    func get() -> Value { lock.withLock { value } }
}
