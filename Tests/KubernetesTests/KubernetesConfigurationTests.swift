import Foundation
import NIOSSL
import Synchronization
import Testing
import Triggerfish
import TriggerfishKubernetes

@Suite("KubernetesConfiguration", .timeLimit(.minutes(2)))
struct KubernetesConfigurationTests {
    @Test("in cluster: host and port from the environment, token, CA and namespace from the service account folder")
    func inCluster() throws {
        let folder = try temporaryDirectory()
        try write("token-1\n", to: folder + "/token")
        try write("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", to: folder + "/ca.crt")
        try write("monitoring", to: folder + "/namespace")
        let environment = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let configuration = try KubernetesConfiguration.load(environment: environment, serviceAccountDirectory: folder)
        #expect(configuration.server == "https://10.96.0.1:443")
        #expect(configuration.namespace == "monitoring")
        #expect(configuration.source == "in-cluster service account")
        #expect(configuration.certificateAuthority.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("-----BEGIN") == true)
        guard case .tokenFile(let path, let interval) = configuration.credentials else {
            Issue.record("expected a token file, got \(configuration.credentials)")
            return
        }
        #expect(path == folder + "/token")
        #expect(interval == .seconds(60))

        // An explicit kubeconfig wins over the service account, as in client-go.
        try write(
            "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a}\nclusters:\n- name: a\n  cluster: {server: https://a}\n",
            to: folder + "/config")
        let explicit = try KubernetesConfiguration.load(
            kubeconfig: folder + "/config", environment: environment, serviceAccountDirectory: folder)
        #expect(explicit.server == "https://a")

        let ipv6 = try KubernetesConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"], serviceAccountDirectory: folder)
        #expect(ipv6.server == "https://[fd00::1]:6443")

        let missing = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.inCluster(environment: environment, serviceAccountDirectory: folder + "/nothing")
        }
        #expect(
            missing?.description == "in-cluster configuration: cannot read the service account token \(folder)/nothing/token")
        let outside = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.inCluster(environment: [:], serviceAccountDirectory: folder)
        }
        #expect(
            outside?.description
                == "in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (not running in a pod?)")
    }

    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: dev-cluster
          cluster:
            server: https://dev.example:6443/
            certificate-authority: ca.pem
        - name: prod-cluster
          cluster:
            server: https://prod.example
            insecure-skip-tls-verify: true
        contexts:
        - name: dev
          context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
        - name: prod
          context: {cluster: prod-cluster, user: prod-user}
        users:
        - name: dev-user
          user: {token: dev-token}
        - name: prod-user
          user: {tokenFile: prod.token}
        """

    @Test("kubeconfig: the current context's cluster and user; a context override; paths relative to the file")
    func kubeconfigContexts() throws {
        let folder = try temporaryDirectory()
        try write(Self.kubeconfig, to: folder + "/config")
        try write("CA", to: folder + "/ca.pem")
        try write("prod-token", to: folder + "/prod.token")
        let dev = try KubernetesConfiguration.load(kubeconfig: folder + "/config", environment: [:])
        #expect(dev.server == "https://dev.example:6443")
        #expect(dev.namespace == "team-a")
        #expect(dev.certificateAuthority == Array("CA".utf8))
        #expect(dev.insecureSkipTLSVerify == false)
        #expect(dev.source == "kubeconfig \(folder)/config, context dev")
        guard case .token("dev-token") = dev.credentials else {
            Issue.record("expected the dev token, got \(dev.credentials)")
            return
        }
        let prod = try KubernetesConfiguration.load(kubeconfig: folder + "/config", context: "prod", environment: [:])
        #expect(prod.server == "https://prod.example")
        #expect(prod.namespace == "default")
        #expect(prod.insecureSkipTLSVerify)
        guard case .tokenFile(let path, _) = prod.credentials else {
            Issue.record("expected a token file, got \(prod.credentials)")
            return
        }
        #expect(path == folder + "/prod.token")

        let unknown = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.load(kubeconfig: folder + "/config", context: "foo", environment: [:])
        }
        #expect(unknown?.description == "kubeconfig \(folder)/config: context 'foo' not found; contexts: dev, prod")
    }

    @Test("KUBECONFIG: a colon-separated list merged first-wins, missing files skipped; else ~/.kube/config")
    func kubeconfigMerge() throws {
        let folder = try temporaryDirectory()
        try write(
            """
            current-context: second
            clusters:
            - name: c
              cluster: {server: "https://first.example"}
            users:
            - name: u
              user: {token: first-token}
            contexts: []
            """, to: folder + "/a")
        try write(
            """
            current-context: ignored
            clusters:
            - name: c
              cluster: {server: "https://second.example"}
            contexts:
            - name: second
              context: {cluster: c, user: u}
            users:
            - name: u
              user: {token: second-token}
            """, to: folder + "/b")
        let merged = try KubernetesConfiguration.load(
            environment: ["KUBECONFIG": "\(folder)/a:\(folder)/missing:\(folder)/b"], homeDirectory: folder)
        #expect(merged.server == "https://first.example")
        guard case .token("first-token") = merged.credentials else {
            Issue.record("expected the first file's user, got \(merged.credentials)")
            return
        }
        #expect(merged.source == "kubeconfig \(folder)/a:\(folder)/b, context second")

        try FileManager.default.createDirectory(atPath: folder + "/.kube", withIntermediateDirectories: true)
        try write(
            "current-context: second\n" + String(try String(contentsOfFile: folder + "/b", encoding: .utf8).drop { $0 != "\n" }),
            to: folder + "/.kube/config")
        let home = try KubernetesConfiguration.load(environment: [:], homeDirectory: folder)
        #expect(home.server == "https://second.example")

        let none = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.load(environment: [:], homeDirectory: folder + "/nobody")
        }
        #expect(none?.description == "kubeconfig \(folder)/nobody/.kube/config: cannot read the file")
    }

    @Test("kubeconfig errors name the file and what is wrong")
    func kubeconfigErrors() throws {
        let folder = try temporaryDirectory()
        let cases: [(String, String)] = [
            (
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: gone, user: u}\nclusters:\n- name: a\n  cluster: {server: https://a}\n",
                "kubeconfig \(folder)/config: context 'x': cluster 'gone' not found; clusters: a"
            ),
            (
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: nobody}\nclusters:\n- name: a\n  cluster: {server: https://a}\n",
                "kubeconfig \(folder)/config: context 'x': user 'nobody' not found; users: (none)"
            ),
            (
                "contexts:\n- name: x\n  context: {cluster: a}\n- name: y\n  context: {cluster: a}\n",
                "kubeconfig \(folder)/config: no current-context and no context given; contexts: x, y"
            ),
            (
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a}\nclusters:\n- name: a\n  cluster: {server: a.example}\n",
                "kubeconfig \(folder)/config: cluster 'a': server 'a.example' is not an http:// or https:// URL"
            ),
            (
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\nclusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: u\n  user: {client-certificate-data: \"!!\"}\n",
                "kubeconfig \(folder)/config: user 'u': client-certificate-data is not valid base64"
            ),
            (
                "current-context: x\ncontexts:\n- name: x\n  context: {cluster: a, user: u}\nclusters:\n- name: a\n  cluster: {server: https://a}\nusers:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: aws}\n",
                "kubeconfig \(folder)/config: user 'u': exec apiVersion 'client.authentication.k8s.io/v1alpha1' is not supported; use client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1"
            ),
            ("clusters: [a: b\n", "kubeconfig \(folder)/config: line 2: "),
        ]
        for (text, message) in cases {
            try write(text, to: folder + "/config")
            let error = #expect(throws: KubernetesConfigurationError.self) {
                try KubernetesConfiguration.load(kubeconfig: folder + "/config", environment: [:])
            }
            if message.hasSuffix(": ") {
                #expect(error?.description.hasPrefix(message) == true, "\(error?.description ?? "")")
            } else {
                #expect(error?.description == message)
            }
        }
    }

    @Test("a token file is read again after its interval and after a 401")
    func tokenRotation() async throws {
        let folder = try temporaryDirectory()
        try write("old\n", to: folder + "/token")
        let clock = Mutex(Date(timeIntervalSince1970: 1_000_000))
        let provider = KubernetesCredentialProvider(
            credentials: .tokenFile(path: folder + "/token", refreshInterval: .seconds(60)), now: { clock.withLock { $0 } })
        #expect(try await provider.authentication().authorization == "Bearer old")
        try write("new\n", to: folder + "/token")
        clock.withLock { $0 += 59 }
        #expect(try await provider.authentication().authorization == "Bearer old")
        clock.withLock { $0 += 2 }
        #expect(try await provider.authentication().authorization == "Bearer new")

        // Over HTTP: the server refuses the old token; the client reads the file again once.
        try write("old\n", to: folder + "/token")
        let handler: @Sendable (ScriptedAPIServer.Request) -> ScriptedAPIServer.Answer = { request in
            request.headers["authorization"] == "Bearer new"
                ? .json(200, ScriptedAPIServer.pod("p", resourceVersion: "1"))
                : .json(401, ScriptedAPIServer.status(401, "Unauthorized", "Unauthorized"))
        }
        try await ScriptedAPIServer.with(handler: handler) { server in
            let client = try KubernetesClient(
                configuration: KubernetesConfiguration(
                    server: server.url, credentials: .tokenFile(path: folder + "/token", refreshInterval: .seconds(3600))))
            try await using(client) { client in
                let refused = await #expect(throws: KubernetesAPIError.self) {
                    try await client.object(.pod, namespace: "default", name: "p")
                }
                #expect(refused?.code == 401)
                try write("new\n", to: folder + "/token")
                let pod = try await client.object(.pod, namespace: "default", name: "p")
                #expect(pod?.name == "p")
            }
            #expect(
                server.requests.map { $0.headers["authorization"] } == [
                    "Bearer old", "Bearer old", "Bearer old", "Bearer new",
                ])
        }
    }

    @Test("an exec plugin's ExecCredential: token cached until expirationTimestamp, run again after it and after a 401")
    func execPlugin() async throws {
        let folder = try temporaryDirectory()
        try write(
            """
            #!/bin/sh
            echo run >> "\(folder)/runs"
            n=$(wc -l < "\(folder)/runs" | tr -d ' ')
            case "$KUBERNETES_EXEC_INFO" in *'"interactive":false'*) ;; *) echo "no exec info" >&2; exit 3 ;; esac
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s-%s","expirationTimestamp":"2030-01-01T00:00:00Z"}}' "$TOKEN_PREFIX" "$1" "$n"
            """, to: folder + "/plugin.sh", executable: true)
        try write(
            """
            current-context: x
            contexts:
            - name: x
              context: {cluster: a, user: u}
            clusters:
            - name: a
              cluster: {server: "https://a.example"}
            users:
            - name: u
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: ./plugin.sh
                  args: [eks]
                  env:
                  - {name: TOKEN_PREFIX, value: tf}
            """, to: folder + "/config")
        let configuration = try KubernetesConfiguration.load(kubeconfig: folder + "/config", environment: [:])
        guard case .exec(let plugin) = configuration.credentials else {
            Issue.record("expected an exec plugin, got \(configuration.credentials)")
            return
        }
        #expect(plugin.command == folder + "/plugin.sh")
        #expect(plugin.args == ["eks"])
        let clock = Mutex(RFC3339.date("2029-12-31T23:00:00Z")!)
        let provider = KubernetesCredentialProvider(credentials: configuration.credentials, now: { clock.withLock { $0 } })
        #expect(try await provider.authentication().authorization == "Bearer tf-eks-1")
        #expect(try await provider.authentication().authorization == "Bearer tf-eks-1")
        clock.withLock { $0 = RFC3339.date("2030-01-01T00:00:01Z")! }
        #expect(try await provider.authentication().authorization == "Bearer tf-eks-2")
        await provider.invalidate()
        #expect(try await provider.authentication().authorization == "Bearer tf-eks-3")
    }

    @Test("an exec plugin that fails or prints something else gives a clear error")
    func execPluginErrors() async throws {
        let folder = try temporaryDirectory()
        try write("#!/bin/sh\necho 'token expired, run aws sso login' >&2\nexit 2\n", to: folder + "/fail.sh", executable: true)
        try write("#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"status\":{}}'\n", to: folder + "/empty.sh", executable: true)
        let cases = [
            (
                "fail.sh",
                "kubeconfig \(folder)/config: exec plugin \(folder)/fail.sh exited with status 2: token expired, run aws sso login"
            ),
            (
                "empty.sh",
                "kubeconfig \(folder)/config: exec plugin \(folder)/empty.sh printed an ExecCredential with neither status.token nor status.clientCertificateData and clientKeyData"
            ),
        ]
        for (script, message) in cases {
            let plugin = KubernetesConfiguration.ExecPlugin(
                apiVersion: "client.authentication.k8s.io/v1beta1", command: folder + "/" + script, kubeconfig: folder + "/config")
            let provider = KubernetesCredentialProvider(credentials: .exec(plugin))
            let error = await #expect(throws: KubernetesConfigurationError.self) { try await provider.authentication() }
            #expect(error?.description == message)
        }
    }

    @Test("TLS: the server's certificate checked against the kubeconfig's CA, with a client certificate")
    func tlsWithClientCertificate() async throws {
        let folder = try temporaryDirectory()
        try Certificates.make(in: folder)
        var serverTLS = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(folder + "/server.crt").map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: folder + "/server.key", format: .pem)))
        serverTLS.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(folder + "/ca.crt"))
        serverTLS.certificateVerification = .noHostnameVerification
        let handler: @Sendable (ScriptedAPIServer.Request) -> ScriptedAPIServer.Answer = { _ in
            .json(200, ScriptedAPIServer.pod("p", resourceVersion: "1"))
        }
        try await ScriptedAPIServer.with(tls: serverTLS, handler: handler) { server in
            let clientCertificate = try String(contentsOfFile: folder + "/client.crt", encoding: .utf8)
            try write(
                """
                current-context: x
                contexts:
                - name: x
                  context: {cluster: a, user: u}
                clusters:
                - name: a
                  cluster: {server: "\(server.url)", certificate-authority: ca.crt}
                users:
                - name: u
                  user:
                    client-certificate-data: \(Data(clientCertificate.utf8).base64EncodedString())
                    client-key: client.key
                """, to: folder + "/config")
            let configuration = try KubernetesConfiguration.load(kubeconfig: folder + "/config", environment: [:])
            try await using(try KubernetesClient(configuration: configuration)) { client in
                let pod = try await client.object(.pod, namespace: "default", name: "p")
                #expect(pod?.name == "p")
            }
            // An exec plugin's client certificate and key (ExecCredential status) serve as well.
            try write(
                """
                #!/bin/sh
                cd "\(folder)"
                cert=$(awk '{printf "%s\\\\n", $0}' client.crt)
                key=$(awk '{printf "%s\\\\n", $0}' client.key)
                printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"clientCertificateData":"%s","clientKeyData":"%s"}}' "$cert" "$key"
                """, to: folder + "/cert-plugin.sh", executable: true)
            var viaExec = configuration
            viaExec.clientCertificate = nil
            viaExec.clientKey = nil
            viaExec.credentials = .exec(
                .init(apiVersion: "client.authentication.k8s.io/v1beta1", command: folder + "/cert-plugin.sh", kubeconfig: "test"))
            try await using(try KubernetesClient(configuration: viaExec)) { client in
                let pod = try await client.object(.pod, namespace: "default", name: "p")
                #expect(pod?.name == "p")
            }
            // Without the client certificate the server refuses the handshake.
            var anonymous = configuration
            anonymous.clientCertificate = nil
            anonymous.clientKey = nil
            var options = KubernetesClient.Options()
            options.retry.maxRetries = 0
            try await using(try KubernetesClient(configuration: anonymous, options: options)) { client in
                await #expect(throws: (any Error).self) { try await client.object(.pod, namespace: "default", name: "p") }
            }
            #expect(server.requests.count == 2)
            #expect(server.requests.allSatisfy { $0.headers["authorization"] == nil })
        }
    }
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate, made with `openssl`.
enum Certificates {
    static func make(in folder: String) throws {
        try write("subjectAltName=IP:127.0.0.1\n", to: folder + "/server.ext")
        try write("extendedKeyUsage=clientAuth\n", to: folder + "/client.ext")
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        try run(
            """
            set -e
            cd "\(folder)"
            openssl req -x509 \(ec) -keyout ca.key -out ca.crt -days 2 -subj /CN=triggerfish-test-ca 2>/dev/null
            openssl req \(ec) -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext 2>/dev/null
            openssl req \(ec) -keyout client.key -out client.csr -subj /CN=triggerfish/O=system:masters 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 -extfile client.ext 2>/dev/null
            """)
    }

    static func run(_ script: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KubernetesConfigurationError("openssl failed with status \(process.terminationStatus)")
        }
    }
}
