import Foundation
import Triggerfish
import _TriggerfishCore

/// Where the Kubernetes API is and how to authenticate to it, found as client-go finds it:
/// ``load(kubeconfig:context:environment:homeDirectory:serviceAccountDirectory:)`` takes an explicit
/// kubeconfig, else the in-cluster service account when `KUBERNETES_SERVICE_HOST` is set, else
/// `KUBECONFIG` (a colon-separated list merged first-wins, as kubectl does), else `~/.kube/config`.
public struct KubernetesConfiguration: Sendable {
    /// The API server's base URL: `https://10.0.0.1:443`.
    public var server: String
    /// PEM certificates the server's certificate must chain to; `nil`: the system's roots.
    public var certificateAuthority: [UInt8]?
    /// Accept any server certificate (kubeconfig's `insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool
    /// A client certificate and its key (PEM), when the user authenticates with one.
    public var clientCertificate: [UInt8]?
    public var clientKey: [UInt8]?
    /// How requests carry credentials besides a client certificate.
    public var credentials: Credentials
    /// The namespace of the context or of the service account; `default` otherwise.
    public var namespace: String
    /// Where the configuration came from, for logs and messages: `in-cluster service account`,
    /// `kubeconfig /home/me/.kube/config, context kind-kind`.
    public var source: String

    public init(
        server: String, certificateAuthority: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false,
        clientCertificate: [UInt8]? = nil, clientKey: [UInt8]? = nil, credentials: Credentials = .none,
        namespace: String = "default", source: String = "explicit"
    ) {
        self.server = server
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }

    /// How a request is authenticated (on top of a client certificate, if any).
    public enum Credentials: Sendable {
        case none
        /// A fixed bearer token.
        case token(String)
        /// A bearer token read from a file, read again when `refreshInterval` has passed since the
        /// last read or when the server answers 401 (service account tokens are rotated in place).
        case tokenFile(path: String, refreshInterval: Duration)
        /// An exec credential plugin: its token (and client certificate) are cached until their
        /// `expirationTimestamp`, and the plugin runs again after a 401.
        case exec(ExecPlugin)
        /// HTTP basic authentication (kubeconfig's `username`/`password`).
        case basic(username: String, password: String)
    }

    /// A kubeconfig `user.exec` entry.
    public struct ExecPlugin: Sendable, Hashable {
        /// `client.authentication.k8s.io/v1` or `client.authentication.k8s.io/v1beta1`.
        public var apiVersion: String
        /// The program; a relative path with a `/` is relative to the kubeconfig's folder.
        public var command: String
        public var args: [String]
        /// Variables added to the plugin's environment, in order.
        public var env: [EnvVar]
        /// The kubeconfig that named the plugin, for messages.
        public var kubeconfig: String

        public struct EnvVar: Sendable, Hashable {
            public var name: String
            public var value: String
            public init(name: String, value: String) {
                self.name = name
                self.value = value
            }
        }

        public init(apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [], kubeconfig: String = "") {
            self.apiVersion = apiVersion
            self.command = command
            self.args = args
            self.env = env
            self.kubeconfig = kubeconfig
        }
    }

    /// The service account folder pods have.
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
    /// How often the in-cluster token file is read again (client-go: every minute).
    public static let tokenRefreshInterval = Duration.seconds(60)

    /// client-go's order: an explicit kubeconfig; in cluster when `KUBERNETES_SERVICE_HOST` is set;
    /// `KUBECONFIG`; `~/.kube/config`. `context` overrides a kubeconfig's `current-context`.
    public static func load(
        kubeconfig: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory(), serviceAccountDirectory: String = Self.serviceAccountDirectory
    ) throws(KubernetesConfigurationError) -> KubernetesConfiguration {
        if kubeconfig == nil, context == nil, environment["KUBERNETES_SERVICE_HOST"].map({ !$0.isEmpty }) == true {
            return try inCluster(environment: environment, serviceAccountDirectory: serviceAccountDirectory)
        }
        return try fromKubeconfig(path: kubeconfig, context: context, environment: environment, homeDirectory: homeDirectory)
    }

    /// The pod's service account: `KUBERNETES_SERVICE_HOST`/`PORT`, and `token`, `ca.crt` and
    /// `namespace` in `serviceAccountDirectory`.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = Self.serviceAccountDirectory,
        tokenRefreshInterval: Duration = Self.tokenRefreshInterval
    ) throws(KubernetesConfigurationError) -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw KubernetesConfigurationError(
                "in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod?)")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw KubernetesConfigurationError("in-cluster configuration: cannot read the service account token \(tokenPath)")
        }
        let caPath = serviceAccountDirectory + "/ca.crt"
        let ca = try readFile(caPath, what: "in-cluster configuration: the service account CA certificate")
        let namespace =
            (try? String(contentsOfFile: serviceAccountDirectory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubernetesConfiguration(
            server: "https://\(hostPart):\(port)", certificateAuthority: ca,
            credentials: .tokenFile(path: tokenPath, refreshInterval: tokenRefreshInterval),
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default", source: "in-cluster service account")
    }

    /// A kubeconfig: `path`, else `KUBECONFIG`'s files merged (the first file that sets a cluster,
    /// context, user or `current-context` wins), else `~/.kube/config`.
    public static func fromKubeconfig(
        path: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory()
    ) throws(KubernetesConfigurationError) -> KubernetesConfiguration {
        let paths: [String]
        if let path {
            paths = [path]
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        } else {
            paths = [homeDirectory + "/.kube/config"]
        }
        var merged = Kubeconfig()
        var read: [String] = []
        for file in paths {
            // kubectl skips KUBECONFIG entries that do not exist; an explicit path must exist.
            if path == nil, paths.count > 1, !FileManager.default.fileExists(atPath: file) { continue }
            merged.merge(try Kubeconfig.parse(file: file))
            read.append(file)
        }
        guard !read.isEmpty else {
            throw KubernetesConfigurationError("no kubeconfig: none of \(paths.joined(separator: ", ")) exists")
        }
        return try merged.configuration(context: context, files: read.joined(separator: ":"))
    }

    static func readFile(_ path: String, what: String) throws(KubernetesConfigurationError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubernetesConfigurationError("\(what): cannot read \(path)")
        }
        return Array(data)
    }
}

/// A configuration that cannot be used; the message names the file and what is wrong.
public struct KubernetesConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The parts of kubeconfig files Triggerfish reads, merged as kubectl merges them.
struct Kubeconfig {
    struct Entry {
        var value: JSONValue
        /// The file that defined it: relative paths in it are relative to its folder.
        var file: String
    }

    var clusters: [(name: String, entry: Entry)] = []
    var contexts: [(name: String, entry: Entry)] = []
    var users: [(name: String, entry: Entry)] = []
    var currentContext: String?

    static func parse(file: String) throws(KubernetesConfigurationError) -> Kubeconfig {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw KubernetesConfigurationError("kubeconfig \(file): cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let result = YAMLDocument.parse(text, file: file)
        if let error = result.diagnostics.first(where: { $0.severity == .error }) {
            throw KubernetesConfigurationError(
                "kubeconfig \(file): line \(error.location.line): \(error.message)")
        }
        var config = Kubeconfig()
        guard let root = result.root else { return config }
        let json = JSONValue(yaml: root)
        guard json.objectValue != nil else {
            throw KubernetesConfigurationError("kubeconfig \(file): expected a mapping, found \(root.kindDescription)")
        }
        func named(_ key: String, _ inner: String) throws(KubernetesConfigurationError) -> [(String, Entry)] {
            guard let value = json[key], !value.isNull else { return [] }
            guard let items = value.arrayValue else {
                throw KubernetesConfigurationError("kubeconfig \(file): '\(key)' must be a list")
            }
            var result: [(String, Entry)] = []
            for item in items {
                guard let name = item["name"]?.stringValue else {
                    throw KubernetesConfigurationError("kubeconfig \(file): an entry of '\(key)' has no name")
                }
                result.append((name, Entry(value: item[inner] ?? .object([:]), file: file)))
            }
            return result
        }
        config.clusters = try named("clusters", "cluster")
        config.contexts = try named("contexts", "context")
        config.users = try named("users", "user")
        config.currentContext = json["current-context"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return config
    }

    /// kubectl's merge: the first definition of a name wins, and the first `current-context`.
    mutating func merge(_ other: Kubeconfig) {
        func add(_ list: inout [(name: String, entry: Entry)], _ more: [(name: String, entry: Entry)]) {
            for item in more where !list.contains(where: { $0.name == item.name }) { list.append(item) }
        }
        add(&clusters, other.clusters)
        add(&contexts, other.contexts)
        add(&users, other.users)
        if currentContext == nil { currentContext = other.currentContext }
    }

    func configuration(context override: String?, files: String) throws(KubernetesConfigurationError) -> KubernetesConfiguration {
        let prefix = "kubeconfig \(files)"
        guard let contextName = override ?? currentContext else {
            throw KubernetesConfigurationError(
                "\(prefix): no current-context and no context given; contexts: \(Self.names(contexts))")
        }
        guard let context = contexts.first(where: { $0.name == contextName })?.entry else {
            throw KubernetesConfigurationError(
                "\(prefix): context '\(contextName)' not found; contexts: \(Self.names(contexts))")
        }
        let contextPrefix = "kubeconfig \(context.file): context '\(contextName)'"
        guard let clusterName = context.value["cluster"]?.stringValue else {
            throw KubernetesConfigurationError("\(contextPrefix) names no cluster")
        }
        guard let cluster = clusters.first(where: { $0.name == clusterName })?.entry else {
            throw KubernetesConfigurationError(
                "\(contextPrefix): cluster '\(clusterName)' not found; clusters: \(Self.names(clusters))")
        }
        let clusterPrefix = "kubeconfig \(cluster.file): cluster '\(clusterName)'"
        guard let server = cluster.value["server"]?.stringValue, !server.isEmpty else {
            throw KubernetesConfigurationError("\(clusterPrefix) has no server")
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw KubernetesConfigurationError("\(clusterPrefix): server '\(server)' is not an http:// or https:// URL")
        }
        var configuration = KubernetesConfiguration(
            server: server.hasSuffix("/") ? String(server.dropLast()) : server,
            namespace: context.value["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            source: "kubeconfig \(files), context \(contextName)")
        configuration.insecureSkipTLSVerify = cluster.value["insecure-skip-tls-verify"]?.boolValue ?? false
        configuration.certificateAuthority = try Self.pem(
            cluster, data: "certificate-authority-data", file: "certificate-authority", prefix: clusterPrefix)

        if let userName = context.value["user"]?.stringValue, !userName.isEmpty {
            guard let user = users.first(where: { $0.name == userName })?.entry else {
                throw KubernetesConfigurationError(
                    "\(contextPrefix): user '\(userName)' not found; users: \(Self.names(users))")
            }
            let userPrefix = "kubeconfig \(user.file): user '\(userName)'"
            configuration.clientCertificate = try Self.pem(
                user, data: "client-certificate-data", file: "client-certificate", prefix: userPrefix)
            configuration.clientKey = try Self.pem(user, data: "client-key-data", file: "client-key", prefix: userPrefix)
            if (configuration.clientCertificate == nil) != (configuration.clientKey == nil) {
                throw KubernetesConfigurationError(
                    "\(userPrefix): a client certificate needs both client-certificate(-data) and client-key(-data)")
            }
            configuration.credentials = try Self.credentials(user, prefix: userPrefix)
        }
        return configuration
    }

    static func credentials(_ user: Entry, prefix: String) throws(KubernetesConfigurationError) -> KubernetesConfiguration.Credentials {
        if let token = user.value["token"]?.stringValue, !token.isEmpty { return .token(token) }
        if let tokenFile = user.value["tokenFile"]?.stringValue, !tokenFile.isEmpty {
            let path = resolve(tokenFile, relativeTo: user.file)
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw KubernetesConfigurationError("\(prefix): cannot read tokenFile \(path)")
            }
            return .tokenFile(path: path, refreshInterval: KubernetesConfiguration.tokenRefreshInterval)
        }
        if let exec = user.value["exec"], exec.objectValue != nil {
            guard let command = exec["command"]?.stringValue, !command.isEmpty else {
                throw KubernetesConfigurationError("\(prefix): exec has no command")
            }
            let apiVersion = exec["apiVersion"]?.stringValue ?? ""
            guard KubernetesCredentialProvider.execAPIVersions.contains(apiVersion) else {
                throw KubernetesConfigurationError(
                    "\(prefix): exec apiVersion '\(apiVersion)' is not supported; use "
                        + KubernetesCredentialProvider.execAPIVersions.joined(separator: " or "))
            }
            var env: [KubernetesConfiguration.ExecPlugin.EnvVar] = []
            for item in exec["env"]?.arrayValue ?? [] {
                guard let name = item["name"]?.stringValue, let value = item["value"]?.stringValue else {
                    throw KubernetesConfigurationError("\(prefix): exec env entries need a name and a value")
                }
                env.append(.init(name: name, value: value))
            }
            let resolved = command.contains("/") ? resolve(command, relativeTo: user.file) : command
            return .exec(
                .init(
                    apiVersion: apiVersion, command: resolved, args: (exec["args"]?.arrayValue ?? []).compactMap(\.stringValue),
                    env: env, kubeconfig: user.file))
        }
        if user.value["auth-provider"] != nil {
            throw KubernetesConfigurationError("\(prefix): auth-provider is not supported (kubectl removed it); use an exec plugin")
        }
        if let username = user.value["username"]?.stringValue, let password = user.value["password"]?.stringValue {
            return .basic(username: username, password: password)
        }
        return .none
    }

    /// A PEM from `data` (base64) or from the file `file` names.
    static func pem(_ entry: Entry, data: String, file: String, prefix: String) throws(KubernetesConfigurationError) -> [UInt8]? {
        if let encoded = entry.value[data]?.stringValue, !encoded.isEmpty {
            guard let decoded = Data(base64Encoded: encoded.filter { !$0.isWhitespace }) else {
                throw KubernetesConfigurationError("\(prefix): \(data) is not valid base64")
            }
            return Array(decoded)
        }
        if let path = entry.value[file]?.stringValue, !path.isEmpty {
            let resolved = resolve(path, relativeTo: entry.file)
            guard let contents = FileManager.default.contents(atPath: resolved) else {
                throw KubernetesConfigurationError("\(prefix): cannot read \(file) \(resolved)")
            }
            return Array(contents)
        }
        return nil
    }

    /// kubectl resolves relative paths in a kubeconfig against the file's folder.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        if path.hasPrefix("~/") { return NSHomeDirectory() + path.dropFirst() }
        return URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: file).deletingLastPathComponent()).standardizedFileURL.path
    }

    static func names(_ list: [(name: String, entry: Entry)]) -> String {
        list.isEmpty ? "(none)" : list.map(\.name).joined(separator: ", ")
    }
}
