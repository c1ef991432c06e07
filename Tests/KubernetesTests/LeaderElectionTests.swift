import Foundation
import Logging
import Synchronization
import Testing
import Triggerfish
import TriggerfishKubernetes
import TriggerfishServer
import TriggerfishTesting

/// The Kubernetes API through a connection the test can cut, as a crashed or partitioned
/// replica's is: every call fails from then on.
final class SeverableAPI: KubernetesAPI {
    let client: KubernetesClient
    let severed = Atomic<Bool>(false)

    init(_ client: KubernetesClient) { self.client = client }

    struct Severed: Error, CustomStringConvertible {
        var description: String { "the connection to the API server is cut" }
    }

    func check() throws { if severed.load(ordering: .sequentiallyConsistent) { throw Severed() } }

    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? {
        try check()
        return try await client.object(resource, namespace: namespace, name: name)
    }
    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    {
        try check()
        return try await client.list(resource, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector)
    }
    func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        try check()
        return try await client.logs(namespace: namespace, pod: pod, container: container, previous: previous, tailLines: tailLines)
    }
    func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject {
        try check()
        return try await client.create(object, in: resource)
    }
    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    {
        try check()
        return try await client.patch(resource, namespace: namespace, name: name, patch: patch, type: type)
    }
    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws {
        try check()
        try await client.delete(resource, namespace: namespace, name: name)
    }
    func evict(namespace: String, pod: String) async throws {
        try check()
        try await client.evict(namespace: namespace, pod: pod)
    }
}

/// What the candidates' work noted, in order.
final class Notes: Sendable {
    let list = Mutex<[String]>([])
}

/// Two candidates against the fake API server over HTTP, on one hand-moved clock.
@Suite(.timeLimit(.minutes(2))) struct LeaderElectionTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Waits (in real time, briefly) until `condition` holds; the suite's time limit ends a wait that never ends.
    static func until(_ condition: () -> Bool) async {
        while !condition() && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(2)) }
    }

    @Test func theFollowerTakesOverOnlyAfterTheLeaderStoppedAndTheLeaseExpired() async throws {
        let cluster = FakeKubernetesCluster()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let clock = ManualClock()
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let now: @Sendable () -> Date = { start.addingTimeInterval(Double(clock.now.offset.components.seconds)) }
            let events = Notes()
            @Sendable func note(_ text: String) { events.list.withLock { $0.append("\(text) at \(clock.now.offset.components.seconds)s") } }
            let clientA = try KubernetesClient(configuration: KubernetesConfiguration(server: server.url.absoluteString))
            let clientB = try KubernetesClient(configuration: KubernetesConfiguration(server: server.url.absoluteString))
            let apiA = SeverableAPI(clientA)
            func elector(_ api: any KubernetesAPI, _ identity: String) -> LeaderElector {
                LeaderElector(
                    kubernetes: api, options: LeaderElector.Options(namespace: "triggerfish", identity: identity), clock: clock, now: now,
                    logger: Self.logger)
            }
            let a = elector(apiA, "a")
            let b = elector(clientB, "b")
            func lead(_ name: String) -> @Sendable () async -> Void {
                {
                    note("\(name) leads")
                    try? await Task.sleep(for: .seconds(3600))
                    note("\(name) stops")
                }
            }
            // a tries (and renews) at even seconds, b at odd ones, so their requests never race.
            let runA = Task { await a.run(lead: lead("a")) }
            await Self.until { a.isLeader && clock.pendingSleeps.count == 1 }
            clock.advance(by: .seconds(1))
            let runB = Task { await b.run(lead: lead("b")) }
            await Self.until { clock.pendingSleeps.count == 2 }
            /// Moves the clock a second at a time to `second`, letting each try finish.
            func run(to second: Int64) async {
                while clock.now.offset < .seconds(second) {
                    clock.advance(by: .seconds(1))
                    await Self.until { clock.pendingSleeps.count == 2 }
                }
            }
            await run(to: 6)
            #expect(a.isLeader && !b.isLeader)
            // a renewed last at 6 s; then its connection is cut.
            apiA.severed.store(true, ordering: .sequentiallyConsistent)
            await run(to: 14)
            #expect(a.isLeader)  // within the 10 s renew deadline
            await run(to: 16)
            await Self.until { events.list.withLock { $0.count } == 2 }
            #expect(!a.isLeader && !b.isLeader)  // a stopped; b saw the Lease last change at 7 s
            await run(to: 21)
            #expect(!b.isLeader)
            await run(to: 23)
            await Self.until { events.list.withLock { $0.count } == 3 }
            #expect(b.isLeader)  // the Lease unchanged for 15 s by b's clock
            #expect(events.list.withLock { $0 } == ["a leads at 0s", "a stops at 16s", "b leads at 23s"])

            // From the API server's own record: every write of the Lease, and who held it.
            func spec(_ change: FakeKubernetesChange) -> String {
                let spec = change.object["spec"]
                return
                    "\(change.type.rawValue) \(spec?["holderIdentity"]?.stringValue ?? "-") renewed \(spec?["renewTime"]?.stringValue ?? "-") transitions \(spec?["leaseTransitions"]?.intValue ?? -1)"
            }
            #expect(
                cluster.changes(of: .lease).map(spec) == [
                    "ADDED a renewed 2027-01-15T08:00:00.000000Z transitions 0",
                    "MODIFIED a renewed 2027-01-15T08:00:02.000000Z transitions 0",
                    "MODIFIED a renewed 2027-01-15T08:00:04.000000Z transitions 0",
                    "MODIFIED a renewed 2027-01-15T08:00:06.000000Z transitions 0",
                    "MODIFIED b renewed 2027-01-15T08:00:23.000000Z transitions 1",
                ])
            runB.cancel()
            await runB.value
            runA.cancel()
            await runA.value
            // b gave the Lease up on shutdown (an empty holder); a, cut off, could not write.
            #expect(cluster.changes(of: .lease).last.map(spec) == "MODIFIED  renewed 2027-01-15T08:00:23.000000Z transitions 1")
            #expect(events.list.withLock { $0.last } == "b stops at 23s")
            try await clientA.shutdown()
            try await clientB.shutdown()
        }
    }

    /// Of two candidates that find no Lease, one creates it; the other's create is refused.
    @Test func twoCandidatesNeverBothHoldTheLease() async throws {
        let cluster = FakeKubernetesCluster()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let client = try KubernetesClient(configuration: KubernetesConfiguration(server: server.url.absoluteString))
            let clock = ManualClock()
            let electors = ["a", "b"].map {
                LeaderElector(
                    kubernetes: client, options: LeaderElector.Options(namespace: "triggerfish", identity: $0), clock: clock,
                    logger: Self.logger)
            }
            let runs = electors.map { elector in Task { await elector.run(lead: { try? await Task.sleep(for: .seconds(3600)) }) } }
            await Self.until { clock.pendingSleeps.count == 2 }
            for _ in 0..<5 {
                clock.advance(by: .seconds(2))
                await Self.until { clock.pendingSleeps.count == 2 }
                #expect(electors.filter(\.isLeader).count == 1)
            }
            let holders = Set(cluster.changes(of: .lease).compactMap { $0.object["spec"]?["holderIdentity"]?.stringValue })
            #expect(holders.count == 1)
            for run in runs { run.cancel() }
            for run in runs { await run.value }
            try await client.shutdown()
        }
    }
}

/// The scheduler's state in a ConfigMap, over HTTP against the fake API server.
@Suite(.timeLimit(.minutes(2))) struct ConfigMapScheduleStateTests {
    @Test func theStateIsCreatedThenPatchedAndReadBack() async throws {
        let cluster = FakeKubernetesCluster()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let client = try KubernetesClient(configuration: KubernetesConfiguration(server: server.url.absoluteString))
            let store = ConfigMapScheduleStateStore(kubernetes: client, namespace: "triggerfish")
            #expect(store.location == "ConfigMap triggerfish/triggerfish-scheduled-jobs")
            #expect(try await store.load() == [:])
            var state = ScheduledJobState()
            state.execCount = 2
            state.lastExecTimeSec = 1_800_000_120
            state.playbook = "nightly"
            try await store.save(["job-1": state])
            state.execCount = 3
            try await store.save(["job-1": state])
            #expect(try await store.load() == ["job-1": state])
            #expect(
                cluster.requests.map { "\($0.method) \($0.path) \($0.status)" } == [
                    "GET /api/v1/namespaces/triggerfish/configmaps/triggerfish-scheduled-jobs 404",
                    "PATCH /api/v1/namespaces/triggerfish/configmaps/triggerfish-scheduled-jobs 404",
                    "POST /api/v1/namespaces/triggerfish/configmaps 201",
                    "PATCH /api/v1/namespaces/triggerfish/configmaps/triggerfish-scheduled-jobs 200",
                    "GET /api/v1/namespaces/triggerfish/configmaps/triggerfish-scheduled-jobs 200",
                ])
            // Something else in the key is reported, not taken as no state.
            _ = try cluster.patch(
                ["data": ["scheduled-jobs.json": "{oops"]], type: .merge, in: .configMap, namespace: "triggerfish",
                name: "triggerfish-scheduled-jobs")
            await #expect(throws: ScheduleStateError.self) { try await store.load() }
            try await client.shutdown()
        }
    }
}
