import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing
import Triggerfish
import TriggerfishTestSupport

@testable import TriggerfishTesting

@Suite("Fake Kubernetes API server: authentication, authorization, faults, TLS, fixtures")
struct FakeKubernetesAccessTests {
    @Test func bearerTokensAndRBACRefusals() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("p1"))
        cluster.forbid("delete", .pod)
        cluster.forbid("create", .pod, subresource: "eviction", namespace: "default")
        cluster.forbid("list", .node)
        let options = FakeKubernetesServer.Options(tokens: ["t0ken": "system:serviceaccount:ns:sa"])
        try await FakeKubernetesServer.withServer(cluster: cluster, options: options) { server in
            let anonymous = try await APIClient(server).get("/api/v1/namespaces/default/pods/p1")
            #expect(anonymous.status == 401)
            #expect(
                anonymous.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": "Unauthorized",
                    "reason": "Unauthorized",
                    "code": 401,
                ])
            #expect(try await APIClient(server, token: "wrong").get("/api/v1/namespaces/default/pods/p1").status == 401)
            let api = APIClient(server, token: "t0ken")
            #expect(try await api.get("/api/v1/namespaces/default/pods/p1").status == 200)
            let refused = try await api.send(.DELETE, "/api/v1/namespaces/default/pods/p1")
            #expect(refused.status == 403)
            #expect(
                refused.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message":
                        "pods \"p1\" is forbidden: User \"system:serviceaccount:ns:sa\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\"",
                    "reason": "Forbidden", "details": ["name": "p1", "kind": "pods"], "code": 403,
                ])
            let eviction = try await api.send(
                .POST, "/api/v1/namespaces/default/pods/p1/eviction", body: ["apiVersion": "policy/v1", "kind": "Eviction"])
            #expect(
                eviction.json?["message"]
                    == "pods \"p1\" is forbidden: User \"system:serviceaccount:ns:sa\" cannot create resource \"pods/eviction\" in API group \"\" in the namespace \"default\""
            )
            let nodes = try await api.get("/api/v1/nodes")
            #expect(
                nodes.json?["message"]
                    == "nodes is forbidden: User \"system:serviceaccount:ns:sa\" cannot list resource \"nodes\" in API group \"\" at the cluster scope"
            )
            #expect(cluster.object(.pod, namespace: "default", name: "p1") != nil)
            #expect(cluster.requests.map(\.status) == [401, 401, 200, 403, 403, 403])
            #expect(cluster.requests[2].attributes?.user == "system:serviceaccount:ns:sa")
            #expect(cluster.requests[2].headers["authorization"] == "Bearer t0ken")
        }
    }

    @Test func scriptedFaults() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("a"))
        cluster.inject(FakeKubernetesFault(verb: "list", resource: .pod, effect: .status(.tooManyRequests(retryAfterSeconds: 3))))
        cluster.inject(
            FakeKubernetesFault(method: "GET", path: "/api/v1/namespaces/default/pods*", effect: .status(.internalError("etcd is down"))))
        cluster.inject(FakeKubernetesFault(verb: "get", name: "a", effect: .dropConnection))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let throttled = try await api.get("/api/v1/namespaces/default/pods")
            #expect(throttled.status == 429)
            #expect(throttled.headers["retry-after"] == ["3"])
            #expect(
                throttled.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "Too many requests, please try again later.",
                    "reason": "TooManyRequests", "details": ["retryAfterSeconds": 3], "code": 429,
                ])
            let failed = try await api.get("/api/v1/namespaces/default/pods/a")
            #expect(failed.status == 500)
            #expect(
                failed.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "Internal error occurred: etcd is down",
                    "reason": "InternalError", "details": ["causes": [["message": "etcd is down"]]], "code": 500,
                ])
            await #expect(throws: (any Error).self) { try await api.get("/api/v1/namespaces/default/pods/a") }
            #expect(try await api.get("/api/v1/namespaces/default/pods/a").status == 200)
            #expect(cluster.pendingFaults.isEmpty)
            #expect(cluster.requests.map(\.status) == [429, 500, 0, 200])
        }
    }

    @Test func watchFaultsMidStream() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        for name in ["a", "b", "c"] { try cluster.add(Objects.pod(name)) }
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .dropWatch(afterEvents: 1)))
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .expireWatch(afterEvents: 2)))
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .endWatch(afterEvents: 1)))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let path = "/api/v1/namespaces/default/pods?watch=1&resourceVersion=0"
            var dropped = try await api.watch(path)
            #expect(try await dropped.summaries(1) == ["ADDED a 1"])
            await #expect(throws: (any Error).self) { _ = try await dropped.next() }
            var expired = try await api.watch(path)
            #expect(try await expired.summaries(4) == ["ADDED a 1", "ADDED b 2", "ERROR 410 too old resource version: 2 (3)", "END"])
            var ended = try await api.watch(path)
            // The fake closes the connection after a watch and says so, so that no client sends
            // its next request on a connection that is closing.
            #expect(ended.headers["Connection"] == ["close"])
            #expect(try await ended.summaries(2) == ["ADDED a 1", "END"])
            var normal = try await api.watch(path)
            #expect(try await normal.summaries(3) == ["ADDED a 1", "ADDED b 2", "ADDED c 3"])
        }
    }

    @Test func tlsWithClientCertificates() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fake-kubernetes-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificates = try FakeKubernetesCertificates.make(in: directory, user: "system:node:node-1", groups: ["system:nodes"])
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("p1"))
        cluster.forbid("delete", .pod)
        try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tls: certificates.tls(), tokens: [:])) { server in
            #expect(server.url.absoluteString == "https://127.0.0.1:\(server.port)")
            let kubeconfig = server.kubeconfig(certificates: certificates, namespace: "ops")
            #expect(kubeconfig.contains("\n    server: https://127.0.0.1:\(server.port)\n"))
            #expect(kubeconfig.contains("\n    client-key-data: \(Data(certificates.clientKeyPEM.utf8).base64EncodedString())\n"))
            #expect(kubeconfig.contains("\n    namespace: ops\n"))
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificates.caPEM.utf8)))
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificates.clientCertificatePEM.utf8)).map {
                .certificate($0)
            }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.clientKeyPEM.utf8), format: .pem))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            do {
                let api = APIClient(server, client: client)
                #expect(try await api.get("/api/v1/namespaces/default/pods/p1").status == 200)
                let refused = try await api.send(.DELETE, "/api/v1/namespaces/default/pods/p1")
                #expect(
                    refused.json?["message"]
                        == "pods \"p1\" is forbidden: User \"system:node:node-1\" cannot delete resource \"pods\" in API group \"\" in the namespace \"default\""
                )

                var anonymousTLS = TLSConfiguration.makeClientConfiguration()
                anonymousTLS.trustRoots = tls.trustRoots
                let anonymous = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: anonymousTLS))
                await #expect(throws: (any Error).self) {
                    _ = try await APIClient(server, client: anonymous).get("/api/v1/namespaces/default/pods/p1")
                }
                try await anonymous.shutdown()
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    @Test func discoveryAndVersion() async throws {
        try await FakeKubernetesServer.withServer(cluster: FakeKubernetesCluster()) { server in
            let api = APIClient(server)
            #expect(try await api.get("/api").json == ["kind": "APIVersions", "versions": ["v1"]])
            let core = try #require(try await api.get("/api/v1").json)
            #expect(core["groupVersion"] == "v1")
            let podEntries = (core["resources"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.filter { $0.hasPrefix("pods") }
            #expect(podEntries == ["pods", "pods/status", "pods/eviction", "pods/log"])
            let groups = try #require(try await api.get("/apis").json?["groups"]?.arrayValue)
            #expect(groups.contains { $0["name"] == "coordination.k8s.io" })
            let policy = try #require(try await api.get("/apis/policy/v1").json)
            #expect(policy["resources"]?[0]?["name"] == "poddisruptionbudgets")
            #expect(try await api.get("/version").json?["gitVersion"] == "v1.33.0")
        }
    }

    @Test(.enabled(if: KubernetesFixtures.isPresent, Comment(rawValue: KubernetesFixtures.absent)))
    func everyFixtureIsServedBack() async throws {
        let directory = KubernetesFixtures.folder.url
        let cluster = FakeKubernetesCluster.fixed()
        let stored = try cluster.load(directory: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        #expect(stored.count == files.count)
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            for object in stored {
                let apiVersion = object["apiVersion"]?.stringValue ?? ""
                let kind = object["kind"]?.stringValue ?? ""
                let resource = try #require(cluster.resource(apiVersion: apiVersion, kind: kind), "\(apiVersion) \(kind)")
                let name = object["metadata"]?["name"]?.stringValue ?? ""
                let answer = try await api.get(resource.path(namespace: object["metadata"]?["namespace"]?.stringValue, name: name))
                #expect(answer.status == 200, "\(apiVersion) \(kind)")
                #expect(answer.json == object, "\(apiVersion) \(kind)")
                let list = try await api.get(resource.path(namespace: nil))
                #expect(list.json?["items"]?.arrayValue?.count == 1, "\(apiVersion) \(kind)")
            }
        }
    }
}
