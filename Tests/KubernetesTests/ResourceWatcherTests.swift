import Foundation
import Synchronization
import Testing
import Triggerfish
import TriggerfishKubernetes
import TriggerfishTestSupport

/// Collects delivered changes as `operation name resourceVersion [<- old resourceVersion]`.
final class ChangeLog: Sendable {
    let changes = Mutex<[KubernetesChange]>([])
    /// How many offers to refuse before taking one.
    let refusals: Mutex<Int>

    init(refusing: Int = 0) { refusals = Mutex(refusing) }

    var lines: [String] {
        changes.withLock { $0.map(Self.line) }
    }

    var all: [KubernetesChange] { changes.withLock { $0 } }

    static func line(_ change: KubernetesChange) -> String {
        let version = { (object: KubernetesObject) in object.json["metadata"]?["resourceVersion"]?.stringValue ?? "?" }
        var line =
            "\(change.operation.rawValue) \(change.kind) \(change.object.namespace.map { "\($0)/" } ?? "")\(change.object.name ?? "?") \(version(change.object))"
        if let old = change.oldObject { line += " <- \(version(old))" }
        return line
    }

    var deliver: ResourceWatcher.Deliver {
        { change in
            if self.refusals.withLock({ count in
                if count > 0 {
                    count -= 1
                    return true
                }
                return false
            }) {
                return false
            }
            self.changes.withLock { $0.append(change) }
            return true
        }
    }

    /// Waits until `count` changes arrived (the test's time limit ends a wait that never does).
    func wait(for count: Int) async throws {
        while changes.withLock({ $0.count }) < count { try await Task.sleep(for: .milliseconds(10)) }
    }
}

@Suite("ResourceWatcher over HTTP", .timeLimit(.minutes(2)))
struct ResourceWatcherTests {
    typealias Server = ScriptedAPIServer

    static let hang: @Sendable (Server.Request) -> Server.Answer = { request in
        request.query["watch"] == "true"
            ? .watch([], end: .hang) : .json(200, Server.list([], resourceVersion: "999"))
    }

    @Test(
        "list then watch: nothing for objects present at start; a dropped connection, a 500, a 429 and a 410 lose nothing and repeat nothing"
    )
    func watchThroughFailures() async throws {
        let log = ChangeLog()
        let sleeper = RecordingSleeper()
        let (task, watcher, requests) = try await Server.with(handler: Self.hang) { server in
            server.script([
                .json(
                    200, Server.list([Server.pod("a", resourceVersion: "1"), Server.pod("b", resourceVersion: "2")], resourceVersion: "10")),
                .watch(
                    [
                        Server.event("ADDED", Server.pod("c", resourceVersion: "11")),
                        // Seen again (as after a reconnect): not a change.
                        Server.event("ADDED", Server.pod("c", resourceVersion: "11")),
                        Server.event("MODIFIED", Server.pod("a", resourceVersion: "13")),
                    ],
                    // Dropped once both changes are delivered, so the client has read them all.
                    end: .drop(after: { try await log.wait(for: 2) })),
                .json(500, Server.status(500, "InternalError", "etcdserver: leader changed")),
                .json(429, Server.status(429, "TooManyRequests", "slow down"), headers: ["Retry-After": "2"]),
                .watch(
                    [
                        Server.event("DELETED", Server.pod("b", resourceVersion: "14")),
                        Server.event("ERROR", Server.status(410, "Expired", "too old resource version: 13 (18)")),
                    ]),
                .json(
                    200,
                    Server.list(
                        [Server.pod("c", resourceVersion: "15"), Server.pod("d", resourceVersion: "16")], resourceVersion: "20")),
                // Ends after a bookmark: the next watch starts from it.
                .watch([Server.event("MODIFIED", Server.pod("d", resourceVersion: "21")), Server.bookmark("22")]),
            ])
            let client = try makeClient(server, sleeper: sleeper)
            let watcher = ResourceWatcher(client: client, resources: [.pod, .pod], sleeper: sleeper.sleeper)
            let task = Task { await watcher.run(deliver: log.deliver) }
            try await log.wait(for: 7)
            // The next watch is open (and hangs): everything before it was answered.
            while server.requests.count < 8 { try await Task.sleep(for: .milliseconds(10)) }

            // The cache answers for watched kinds; other kinds go to the API.
            let api = CachedKubernetesAPI(client: client, cache: watcher.cache)
            let cached = try await api.object(.pod, namespace: "default", name: "c")
            #expect(cached?.json["metadata"]?["resourceVersion"] == "15")
            #expect(try await api.object(.pod, namespace: "default", name: "a") == nil)
            #expect(watcher.cache.objects(.pod).map(\.name) == ["c", "d"])
            let requestsBefore = server.requests.count
            _ = try await api.object(.node, namespace: nil, name: "n1")
            #expect(server.requests.count == requestsBefore + 1)
            task.cancel()
            try await client.shutdown()
            return (task, watcher, server.requests)
        }
        await task.value
        #expect(
            log.lines == [
                "create Pod default/c 11",
                "update Pod default/a 13 <- 1",
                "delete Pod default/b 14",
                "update Pod default/c 15 <- 11",
                "create Pod default/d 16",
                "delete Pod default/a 13",
                "update Pod default/d 21 <- 16",
            ])
        #expect(log.all.allSatisfy { $0.apiVersion == "v1" && $0.object.kind == "Pod" })
        #expect(log.all.allSatisfy { $0.object.json["metadata"]?["managedFields"] == nil })
        #expect(log.all.compactMap(\.oldObject).allSatisfy { $0.json["metadata"]?["managedFields"] == nil })
        // The watcher's backoff after the drop (1s), then the client's for the 500 (0.5s) and the 429 (Retry-After).
        #expect(sleeper.recorded == [.seconds(1), .milliseconds(500), .seconds(2)])
        let described = requests.prefix(8).map { request in
            request.query["watch"] == "true"
                ? "watch from \(request.query["resourceVersion"] ?? "now")" : "list \(request.query["limit"] ?? "")"
        }
        #expect(
            described == [
                "list 500", "watch from 10", "watch from 13", "watch from 13", "watch from 13", "list 500", "watch from 20",
                "watch from 22",
            ])
        #expect(requests[1].query["allowWatchBookmarks"] == "true")
        #expect(watcher.resources == [.pod])
    }

    @Test("a list refused (even with 410) is tried again after a backoff, and its objects still emit nothing")
    func listFailures() async throws {
        let log = ChangeLog()
        let sleeper = RecordingSleeper()
        let task = try await Server.with(handler: Self.hang) { server in
            server.script([
                .json(410, Server.status(410, "Expired", "The provided continue parameter is too old")),
                .json(403, Server.status(403, "Forbidden", "pods is forbidden")),
                .json(200, Server.list([Server.pod("a", resourceVersion: "1")], resourceVersion: "3")),
                .watch([Server.event("MODIFIED", Server.pod("a", resourceVersion: "4"))], end: .hang),
            ])
            let client = try makeClient(server, sleeper: sleeper)
            let watcher = ResourceWatcher(client: client, resources: [.pod], sleeper: sleeper.sleeper)
            let task = Task { await watcher.run(deliver: log.deliver) }
            try await log.wait(for: 1)
            task.cancel()
            try await client.shutdown()
            return task
        }
        await task.value
        #expect(log.lines == ["update Pod default/a 4 <- 1"])
        #expect(sleeper.recorded == [.seconds(1), .seconds(2)])
    }

    @Test("a refused change is offered again until taken, and the stream waits for it")
    func backpressure() async throws {
        let log = ChangeLog(refusing: 2)
        let sleeper = RecordingSleeper()
        let task = try await Server.with(handler: Self.hang) { server in
            server.script([
                .json(200, Server.list([], resourceVersion: "1")),
                .watch(
                    [
                        Server.event("ADDED", Server.pod("a", resourceVersion: "2")),
                        Server.event("ADDED", Server.pod("b", resourceVersion: "3")),
                    ], end: .hang),
            ])
            let client = try makeClient(server, sleeper: sleeper)
            var options = ResourceWatcher.Options()
            options.refusedDelay = .milliseconds(250)
            let watcher = ResourceWatcher(client: client, resources: [.pod], options: options, sleeper: sleeper.sleeper)
            let task = Task { await watcher.run(deliver: log.deliver) }
            try await log.wait(for: 2)
            task.cancel()
            try await client.shutdown()
            return task
        }
        await task.value
        #expect(log.lines == ["create Pod default/a 2", "create Pod default/b 3"])
        #expect(sleeper.recorded == [.milliseconds(250), .milliseconds(250)])
    }

    @Test("namespace include lists watch each namespace; exclude lists drop objects; cluster-scoped kinds ignore both")
    func namespaces() async throws {
        let log = ChangeLog()
        let handler: @Sendable (Server.Request) -> Server.Answer = { request in
            if request.query["watch"] != "true" { return .json(200, Server.list([], resourceVersion: "1")) }
            switch request.path {
            case "/api/v1/namespaces/prod/pods":
                return .watch([Server.event("ADDED", Server.pod("p", namespace: "prod", resourceVersion: "2"))], end: .hang)
            case "/api/v1/nodes":
                return .watch(
                    [Server.event("ADDED", ["metadata": ["name": "n1", "resourceVersion": "3"]])], end: .hang)
            default:
                return .watch([], end: .hang)
            }
        }
        let task = try await Server.with(handler: handler) { server in
            let client = try makeClient(server)
            let watcher = ResourceWatcher(
                client: client, resources: [.pod, .node],
                namespaces: NamespaceFilter(include: ["prod", "staging", "kube-system"], exclude: ["kube-system"]))
            let task = Task { await watcher.run(deliver: log.deliver) }
            try await log.wait(for: 2)
            while server.requests.count < 6 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(
                Set(server.requests.map(\.path)) == [
                    "/api/v1/namespaces/prod/pods", "/api/v1/namespaces/staging/pods", "/api/v1/nodes",
                ])
            #expect(watcher.cache.lookup(.pod, namespace: "kube-system", name: "x") == .notCovered)
            #expect(watcher.cache.lookup(.pod, namespace: "staging", name: "x") == .cached(nil))
            #expect(watcher.cache.lookup(.deployment, namespace: "prod", name: "x") == .notCovered)
            task.cancel()
            try await client.shutdown()
            return task
        }
        await task.value
        #expect(Set(log.lines) == ["create Pod prod/p 2", "create Node n1 3"])
    }

    @Test("in all namespaces, excluded namespaces' objects are neither cached nor emitted")
    func excludedNamespaces() async throws {
        let log = ChangeLog()
        let task = try await Server.with(handler: Self.hang) { server in
            server.script([
                .json(200, Server.list([Server.pod("sys", namespace: "kube-system", resourceVersion: "1")], resourceVersion: "5")),
                .watch(
                    [
                        Server.event("MODIFIED", Server.pod("sys", namespace: "kube-system", resourceVersion: "6")),
                        Server.event("ADDED", Server.pod("web", namespace: "prod", resourceVersion: "7")),
                    ], end: .hang),
            ])
            let client = try makeClient(server)
            let watcher = ResourceWatcher(client: client, resources: [.pod], namespaces: NamespaceFilter(exclude: ["kube-system"]))
            let task = Task { await watcher.run(deliver: log.deliver) }
            try await log.wait(for: 1)
            #expect(watcher.cache.objects(.pod).map(\.name) == ["web"])
            task.cancel()
            try await client.shutdown()
            return task
        }
        await task.value
        #expect(log.lines == ["create Pod prod/web 7"])
    }
}

extension KubernetesResource {
    static let deployment = KubernetesResource(kind: "Deployment")!
}

@Suite(
    "ResourceWatcher with fully populated objects", .timeLimit(.minutes(2)),
    .enabled(if: KubernetesFixtures.isPresent, Comment(rawValue: KubernetesFixtures.absent)))
struct ResourceWatcherFixtureTests {
    static let folder = KubernetesFixtures.folder.url.path

    @Test("every field of every watched kind survives list, watch and cache; only managedFields is dropped")
    func fixtures() async throws {
        var objects: [String: JSONValue] = [:]
        var resources: [KubernetesResource] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.folder).sorted() where file.hasSuffix(".json") {
            let json = try JSONValue.parse(try String(contentsOfFile: Self.folder + "/" + file, encoding: .utf8))
            guard let kind = json["kind"]?.stringValue, let resource = KubernetesResource(kind: kind),
                resource.apiVersion == json["apiVersion"]?.stringValue
            else { continue }
            resources.append(resource)
            objects[resource.path(namespace: nil)] = json
        }
        #expect(resources.count >= 10)
        let served = objects
        let handler: @Sendable (ScriptedAPIServer.Request) -> ScriptedAPIServer.Answer = { request in
            guard let object = served[request.path] else { return .json(404, ScriptedAPIServer.status(404, "NotFound", "")) }
            if request.query["watch"] != "true" { return .json(200, ScriptedAPIServer.list([object], resourceVersion: "1")) }
            guard case .object(var members) = object, case .object(var metadata) = members["metadata"] else { return .watch([]) }
            metadata["resourceVersion"] = "changed"
            members["metadata"] = .object(metadata)
            return .watch([ScriptedAPIServer.event("MODIFIED", .object(members))], end: .hang)
        }
        let log = ChangeLog()
        let task = try await ScriptedAPIServer.with(handler: handler) { server in
            let client = try makeClient(server)
            let watcher = ResourceWatcher(client: client, resources: resources)
            let task = Task { await watcher.run(deliver: log.deliver) }
            try await log.wait(for: resources.count)
            task.cancel()
            try await client.shutdown()
            return task
        }
        await task.value
        for change in log.all {
            let resource = try #require(KubernetesResource(kind: change.kind))
            let original = try #require(objects[resource.path(namespace: nil)])
            guard case .object(var members) = original, case .object(var metadata) = members["metadata"] else { continue }
            metadata["managedFields"] = nil
            members["metadata"] = .object(metadata)
            #expect(change.oldObject?.json == .object(members), "\(change.kind)")
            metadata["resourceVersion"] = "changed"
            members["metadata"] = .object(metadata)
            #expect(change.object.json == .object(members), "\(change.kind)")
            #expect(change.operation == .update)
        }
        #expect(Set(log.all.map(\.kind)) == Set(resources.map(\.kind)))
    }
}
