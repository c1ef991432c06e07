import Foundation
import Synchronization
import Testing
import Triggerfish
import TriggerfishServer
import TriggerfishTesting

/// A watch the test drives: it records the kinds each start was asked for and hands the changes
/// the test pushes to the runner, noting which the runner took.
final class ScriptedWatch: Sendable {
    /// The kinds of each start, `+` appended when it continues the previous watch.
    let starts = Mutex<[[String]]>([])
    let delivered = Mutex<[String]>([])
    let pending = Mutex<[KubernetesChange]>([])

    var watch: RunnerCluster.Watch {
        { kinds, continuing, deliver in
            self.starts.withLock { $0.append(kinds.sorted() + (continuing ? ["+"] : [])) }
            while !Task.isCancelled {
                if let change = self.pending.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                    let taken = await deliver(change)
                    self.delivered.withLock { $0.append("\(change.object.name ?? "") \(taken ? "taken" : "refused")") }
                } else {
                    try await Task.sleep(for: .milliseconds(2))
                }
            }
            throw CancellationError()
        }
    }

    func push(_ changes: KubernetesChange...) { pending.withLock { $0 += changes } }

    func waitForStarts(_ count: Int) async {
        while starts.withLock({ $0.count }) < count && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    }

    func waitForDelivered(_ count: Int) async {
        while delivered.withLock({ $0.count }) < count && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    }
}

/// A cluster the runner is given but these tests never read.
struct UnusedCluster: KubernetesAPI {
    struct Unused: Error {}
    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? { throw Unused() }
    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    { throw Unused() }
    func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        throw Unused()
    }
    func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject { throw Unused() }
    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    { throw Unused() }
    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws { throw Unused() }
    func evict(namespace: String, pod: String) async throws { throw Unused() }
}

@Suite(.timeLimit(.minutes(2))) struct RunnerWatchTests {
    static func pod(_ name: String, image: String) -> KubernetesObject {
        .fixture("Pod", name, namespace: "shop", ["spec": ["containers": [["name": "app", "image": .string(image)]]]])
    }

    @Test func watchedChangesRunThePlaybooksAndAReloadWatchesTheNewKinds() async throws {
        let watch = ScriptedWatch()
        let options = LiveRunner.options { $0.cluster = RunnerCluster(kubernetes: UnusedCluster(), watch: watch.watch) }
        let config = """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod-updated}}]
            - triggers: [{on_pod_create: {}}]
              actions: [{record: {tag: pod-created}}]
            """
        try await LiveRunner.with(config: config, options: options) { live in
            await watch.waitForStarts(1)
            #expect(watch.starts.withLock { $0 } == [["Pod"]])
            watch.push(
                KubernetesChange(operation: .create, kind: "Pod", object: Self.pod("web-1", image: "web:1")),
                .updating(Self.pod("web-1", image: "web:1"), to: Self.pod("web-1", image: "web:2")))
            await live.log.waitForNotes(2)
            #expect(live.log.all == ["pod-created", "pod-updated"])
            #expect(try await live.metric("triggerfish_watch_changes_total") == 2)

            // A reload to playbooks on other kinds watches those instead.
            try """
            - triggers: [{on_deployment_create: {}}, {on_node_delete: {}}]
              actions: [{record: {tag: other}}]
            """.write(toFile: live.configPath, atomically: true, encoding: .utf8)
            #expect(try await live.post("/api/playbooks/reload", "").status == 200)
            await watch.waitForStarts(2)
            #expect(watch.starts.withLock { $0 } == [["Pod"], ["Deployment", "Node", "+"]])
        }
    }

    /// A full queue holds the watch back instead of refusing its changes: nothing is lost.
    @Test func aFullQueueHoldsTheWatchBack() async throws {
        let watch = ScriptedWatch()
        let options = LiveRunner.options {
            $0.cluster = RunnerCluster(kubernetes: UnusedCluster(), watch: watch.watch)
            $0.queueCapacity = 1
            $0.lanes = 1
        }
        try await LiveRunner.with(config: "- triggers: [{on_pod_create: {}}]\n  actions: [{gate: {tag: created}}]", options: options) {
            live in
            await watch.waitForStarts(1)
            watch.push(
                KubernetesChange(operation: .create, kind: "Pod", object: Self.pod("a", image: "x")),
                KubernetesChange(operation: .create, kind: "Pod", object: Self.pod("b", image: "x")),
                KubernetesChange(operation: .create, kind: "Pod", object: Self.pod("c", image: "x")))
            await live.log.waitForWaiting(1)
            await watch.waitForDelivered(1)
            // The first is being handled; the second waits for room.
            #expect(watch.delivered.withLock { $0 } == ["a taken"])
            live.log.open()
            await live.log.waitForNotes(3)
            #expect(watch.delivered.withLock { $0 } == ["a taken", "b taken", "c taken"])
            #expect(live.log.all == ["created", "created", "created"])
        }
    }
}
