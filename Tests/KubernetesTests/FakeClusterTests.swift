import Foundation
import Synchronization
import Testing
import Triggerfish
import TriggerfishKubernetes
import TriggerfishTesting

/// A sleeper that records every delay and holds the first one until ``release()``, so that a test
/// can change the cluster while the watcher waits to reconnect.
final class GatedSleeper: Sendable {
    let delays = Mutex<[Duration]>([])
    let gate: AsyncStream<Void>
    let opener: AsyncStream<Void>.Continuation

    init() {
        (gate, opener) = AsyncStream.makeStream(of: Void.self)
    }

    var recorded: [Duration] { delays.withLock { $0 } }

    func release() { opener.finish() }

    var sleeper: KubernetesClient.Sleeper {
        { duration in
            let first = self.delays.withLock { delays in
                delays.append(duration)
                return delays.count == 1
            }
            if first {
                for await _ in self.gate {}
            }
            try Task.checkCancellation()
            await Task.yield()
        }
    }

    func waitForSleeps(_ count: Int) async throws {
        while delays.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(5)) }
    }
}

@Suite("TriggerfishKubernetes against the fake API server", .timeLimit(.minutes(2)))
struct FakeClusterTests {
    static func pod(_ name: String, namespace: String = "default") -> JSONValue {
        [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace)],
            "spec": ["containers": [["name": "app", "image": "nginx"]]],
        ]
    }

    static func client(_ server: FakeKubernetesServer, sleeper: @escaping KubernetesClient.Sleeper) throws -> KubernetesClient {
        try KubernetesClient(
            configuration: KubernetesConfiguration(server: server.url.absoluteString, credentials: .token("t0ken")), sleeper: sleeper)
    }

    @Test("the watch through a dropped connection, a 500, a 429 and a 410: the exact changes, none lost, none repeated")
    func watchThroughFaults() async throws {
        let cluster = FakeKubernetesCluster()
        try cluster.add(Self.pod("a"))
        try cluster.add(Self.pod("b"))
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .dropWatch(afterEvents: 1)))
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .status(.internalError())))
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .status(.tooManyRequests(retryAfterSeconds: 2))))
        cluster.inject(FakeKubernetesFault(verb: "watch", resource: .pod, effect: .expireWatch(afterEvents: 2)))
        let log = ChangeLog()
        let sleeper = GatedSleeper()
        let task = try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tokens: ["t0ken": "triggerfish"])) {
            server in
            let client = try Self.client(server, sleeper: sleeper.sleeper)
            let watcher = ResourceWatcher(client: client, resources: [.pod], sleeper: sleeper.sleeper)
            let task = Task { await watcher.run(deliver: log.deliver) }
            await cluster.waitForWatches(1)
            // Seen by the first watch, which then drops.
            try cluster.create(Self.pod("c"), in: .pod, namespace: "default")
            try await sleeper.waitForSleeps(1)
            // Made while the watcher waits to reconnect: the fourth watch replays two and expires,
            // the list after it shows the rest.
            try cluster.patch(["metadata": ["labels": ["tier": "web"]]], type: .merge, in: .pod, namespace: "default", name: "a")
            try cluster.delete(.pod, namespace: "default", name: "b")
            try cluster.create(Self.pod("d"), in: .pod, namespace: "default")
            try cluster.patch(["metadata": ["labels": ["tier": "db"]]], type: .merge, in: .pod, namespace: "default", name: "c")
            sleeper.release()
            try await log.wait(for: 5)
            await cluster.waitForWatches(1)
            try cluster.patch(["metadata": ["labels": ["tier": "cache"]]], type: .merge, in: .pod, namespace: "default", name: "d")
            try await log.wait(for: 6)
            let cached = try await CachedKubernetesAPI(client: client, cache: watcher.cache).object(.pod, namespace: "default", name: "d")
            #expect(cached?.labels == ["tier": "cache"])
            task.cancel()
            try await client.shutdown()
            return task
        }
        await task.value
        #expect(
            log.lines == [
                "create Pod default/c 3",
                "update Pod default/a 4 <- 1",
                "delete Pod default/b 5",
                "update Pod default/c 7 <- 3",
                "create Pod default/d 6",
                "update Pod default/d 8 <- 6",
            ])
        #expect(log.all[1].object.labels == ["tier": "web"])
        #expect(sleeper.recorded == [.seconds(1), .milliseconds(500), .seconds(2)])
        let watches = cluster.requests.filter { $0.queryItems["watch"] == "true" }.map { $0.queryItems["resourceVersion"] ?? "" }
        #expect(watches == ["2", "3", "3", "3", "7"])
    }

    @Test("a watcher that continues a stopped one's cache emits what changed meanwhile; a resource new to it starts quiet")
    func continuingAfterARestart() async throws {
        let cluster = FakeKubernetesCluster()
        try cluster.add(Self.pod("a"))
        try cluster.add(Self.pod("b"))
        try cluster.add(["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1"]])
        let log = ChangeLog()
        try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tokens: ["t0ken": "triggerfish"])) { server in
            let client = try Self.client(server, sleeper: { try await Task.sleep(for: $0) })
            let first = ResourceWatcher(client: client, resources: [.pod])
            let running = Task { await first.run(deliver: log.deliver) }
            await cluster.waitForWatches(1)
            running.cancel()
            await running.value
            // The cancelled watch's connection is closed, and the server sees it go.
            while cluster.watchCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
            // While no watch runs (a reload restarting it with other kinds).
            try cluster.create(Self.pod("c"), in: .pod, namespace: "default")
            try cluster.patch(["metadata": ["labels": ["tier": "web"]]], type: .merge, in: .pod, namespace: "default", name: "a")
            try cluster.delete(.pod, namespace: "default", name: "b")
            let second = ResourceWatcher(client: client, resources: [.node, .pod], continuing: first.cache)
            let task = Task { await second.run(deliver: log.deliver) }
            // The three come from the pods' first list; a pod made after it comes through the watch.
            try await log.wait(for: 3)
            try cluster.create(Self.pod("d"), in: .pod, namespace: "default")
            try await log.wait(for: 4)
            task.cancel()
            await task.value
            try await client.shutdown()
        }
        #expect(log.lines == ["update Pod default/a 5 <- 1", "create Pod default/c 4", "delete Pod default/b 2", "create Pod default/d 7"])
    }

    @Test("the client's verbs against the fake: create, get, list pages, patch, logs, events, eviction, delete, refusals")
    func clientVerbs() async throws {
        let cluster = FakeKubernetesCluster()
        for name in ["p1", "p2", "p3"] { try cluster.add(Self.pod(name, namespace: "prod")) }
        cluster.setLog("one\ntwo\nthree\n", namespace: "prod", pod: "p1", container: "app")
        try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tokens: ["t0ken": "triggerfish"])) { server in
            let recorder = RecordingSleeper()
            var options = KubernetesClient.Options()
            options.pageSize = 2
            let client = try KubernetesClient(
                configuration: KubernetesConfiguration(server: server.url.absoluteString, credentials: .token("t0ken")), options: options,
                sleeper: recorder.sleeper)
            try await using(client) { client in
                let (items, version) = try await client.listAll(.pod, namespace: "prod")
                #expect(items.map(\.name) == ["p1", "p2", "p3"])
                #expect(version == "3")
                let created = try await client.create(KubernetesObject(json: Self.pod("p4", namespace: "prod")), in: .pod)
                #expect(created.json["metadata"]?["resourceVersion"] == "4")
                let patched = try await client.patch(
                    .pod, namespace: "prod", name: "p4", patch: ["metadata": ["labels": ["x": "y"]]], type: .strategicMerge)
                #expect(patched.labels == ["x": "y"])
                #expect(try await client.object(.pod, namespace: "prod", name: "p4")?.labels == ["x": "y"])
                #expect(
                    try await client.logs(namespace: "prod", pod: "p1", container: "app", previous: false, tailLines: 2) == "two\nthree\n")
                #expect(try await client.logs(namespace: "prod", pod: "zz", container: nil, previous: false, tailLines: nil) == nil)
                let duplicate = await #expect(throws: KubernetesAPIError.self) {
                    try await client.create(KubernetesObject(json: Self.pod("p4", namespace: "prod")), in: .pod)
                }
                #expect(duplicate?.code == 409)
                #expect(duplicate?.reason == "AlreadyExists")
                try await client.evict(namespace: "prod", pod: "p2")
                #expect(cluster.object(.pod, namespace: "prod", name: "p2") == nil)
                try await client.delete(.pod, namespace: "prod", name: "p4")
                #expect(try await client.object(.pod, namespace: "prod", name: "p4") == nil)
                _ = try await client.events(regardingKind: "Pod", name: "p1", namespace: "prod")
                _ = try await client.coreEvents(involvedKind: "Pod", name: "p1", namespace: "prod")

                cluster.forbid("delete", .pod, namespace: "prod")
                let forbidden = await #expect(throws: KubernetesAPIError.self) {
                    try await client.delete(.pod, namespace: "prod", name: "p1")
                }
                #expect(forbidden?.code == 403)
                #expect(forbidden?.verb == "delete")
                #expect(forbidden?.resource == "pods")
                #expect(
                    forbidden?.description.hasPrefix(
                        "the Kubernetes API refused to delete pods \"p1\" in namespace \"prod\" (403 Forbidden): ") == true)
            }
            #expect(recorder.recorded == [])
        }
    }

    @Test("TLS with a client certificate from a kubeconfig, against the fake server")
    func tls() async throws {
        let folder = try temporaryDirectory()
        let certificates = try FakeKubernetesCertificates.make(in: URL(fileURLWithPath: folder + "/pki"))
        let cluster = FakeKubernetesCluster()
        try cluster.add(Self.pod("a"))
        try await FakeKubernetesServer.withServer(cluster: cluster, options: .init(tls: certificates.tls())) { server in
            let base64 = { (text: String) in Data(text.utf8).base64EncodedString() }
            try write(
                """
                apiVersion: v1
                kind: Config
                current-context: fake
                clusters:
                - name: fake
                  cluster:
                    server: \(server.url.absoluteString)
                    certificate-authority-data: \(base64(certificates.caPEM))
                contexts:
                - name: fake
                  context: {cluster: fake, user: triggerfish}
                users:
                - name: triggerfish
                  user:
                    client-certificate-data: \(base64(certificates.clientCertificatePEM))
                    client-key-data: \(base64(certificates.clientKeyPEM))
                """, to: folder + "/config")
            let configuration = try KubernetesConfiguration.load(kubeconfig: folder + "/config", environment: [:])
            try await using(try KubernetesClient(configuration: configuration)) { client in
                let pod = try await client.object(.pod, namespace: "default", name: "a")
                #expect(pod?.name == "a")
            }
        }
        #expect(cluster.requests.count == 1)
    }
}
