import Foundation
import Testing
import TriggerfishTesting

@testable import Triggerfish

/// Issue 12: the engine remembered every object it ever saw (~36 KB per pod, 3.6 GB for 100,000
/// pods). The store is bounded by count and by bytes, forgets the object updated least recently
/// first, and keeps objects without `metadata.managedFields`.
@Suite struct ObjectStoreTests {
    func created(_ name: String, _ extra: [String: JSONValue] = [:]) -> KubernetesChange {
        KubernetesChange(operation: .create, kind: "Pod", object: object("Pod", name, namespace: "shop", extra))
    }

    func names(_ store: ObjectStore, _ candidates: [String]) -> [String] {
        candidates.filter { store.object(kind: "Pod", namespace: "shop", name: $0) != nil }
    }

    @Test func theObjectUpdatedLeastRecentlyIsForgottenFirst() {
        let store = ObjectStore(limits: .init(maxObjects: 3))
        for name in ["a", "b", "c"] { store.apply(created(name)) }
        store.apply(created("a"))  // updated: now the most recent
        store.apply(created("d"))
        #expect(names(store, ["a", "b", "c", "d"]) == ["a", "c", "d"])
        store.apply(created("e"))
        #expect(names(store, ["a", "b", "c", "d", "e"]) == ["a", "d", "e"])
        #expect(store.usage.objects == 3)
        #expect(store.usage.forgotten == 2)
    }

    @Test func bytesAreBoundedAndDeletesFreeThem() throws {
        let one = ObjectStore()
        one.apply(created("p99"))  // as long a name as p15...p19
        let size = one.usage.bytes
        #expect(size > 0)
        let store = ObjectStore(limits: .init(maxObjects: 1000, maxBytes: size * 5 + size / 2))
        for index in 0..<20 { store.apply(created("p\(index)")) }  // same length names: same size
        #expect(store.usage.objects == 5)
        #expect(store.usage.bytes == size * 5)
        #expect(store.usage.forgotten == 15)
        #expect(names(store, (0..<20).map { "p\($0)" }) == ["p15", "p16", "p17", "p18", "p19"])
        store.apply(KubernetesChange(operation: .delete, kind: "Pod", object: object("Pod", "p17", namespace: "shop")))
        #expect(store.usage.objects == 4)
        #expect(store.usage.bytes == size * 4)
    }

    /// Many updates of the same objects leave stale entries in the eviction order; they are
    /// skipped, and the live objects stay.
    @Test func repeatedUpdatesKeepTheLiveObjects() {
        let store = ObjectStore(limits: .init(maxObjects: 2))
        for round in 0..<5_000 {
            store.apply(created("a", ["spec": ["round": .int(round)]]))
            store.apply(created("b", ["spec": ["round": .int(round)]]))
        }
        #expect(names(store, ["a", "b"]) == ["a", "b"])
        #expect(store.object(kind: "Pod", namespace: "shop", name: "b")?.json["spec"]?["round"] == 4_999)
        #expect(store.usage.forgotten == 0)
    }

    @Test func managedFieldsAreNotKept() throws {
        let managed: [String: JSONValue] = ["manager": "kubectl", "operation": "Update"]
        let expected = object("Pod", "web", namespace: "shop", labels: ["app": "web"], ["spec": ["nodeName": "n1"]]).json
        guard case .object(var members) = expected, case .object(var metadata)? = members["metadata"] else { return }
        metadata["managedFields"] = [.object(managed)]
        members["metadata"] = .object(metadata)
        let json = JSONValue.object(members)

        // Built, and read on demand from an input, as kubewatch bodies are.
        let body: JSONValue = ["data": ["operation": "create", "kind": "Pod", "obj": json]]
        guard case .kubernetes(let change) = try InputDecoder.decode(Array(body.serialized().utf8)) else {
            Issue.record("not a Kubernetes change")
            return
        }
        for change in [KubernetesChange(operation: .create, kind: "Pod", object: KubernetesObject(json: json)), change] {
            let store = ObjectStore()
            store.apply(change)
            let kept = try #require(store.object(kind: "Pod", namespace: "shop", name: "web"))
            #expect(kept.json == expected)
            #expect(kept.labels == ["app": "web"])
        }
    }

    /// With the Kubernetes API, alerts resolve from the cluster: nothing is remembered.
    @Test func nothingIsRememberedWithTheKubernetesAPI() async throws {
        let config = "- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: t}}]"
        let withAPI = try EngineHarness.engine(config, kubernetes: FakeCluster([]))
        let without = try EngineHarness.engine(config)
        for engine in [withAPI, without] { _ = await engine.handle(created("web")) }
        #expect(withAPI.objects.usage.objects == 0)
        #expect(without.objects.usage.objects == 1)
    }
}

/// Issue 12: the rate limiter kept every key whose window had not passed, and once it held
/// 50,000 it scanned the whole table on every firing. It holds at most `capacity` keys.
@Suite struct RateLimiterTests {
    let start = Date(timeIntervalSince1970: 1_000_000)

    @Test func aKeyIsHeldBackForItsWindow() {
        let limiter = RateLimiter()
        #expect(limiter.markAndTest("a", seconds: 60, now: start))
        #expect(!limiter.markAndTest("a", seconds: 60, now: start.addingTimeInterval(59)))
        #expect(limiter.markAndTest("a", seconds: 60, now: start.addingTimeInterval(60)))
        #expect(limiter.markAndTest("b", seconds: 0, now: start))
        #expect(limiter.markAndTest("b", seconds: 0, now: start))
    }

    @Test func pastCapacityTheOldestAreForgottenEarly() {
        let limiter = RateLimiter(capacity: 100)
        for index in 0..<1_000 { #expect(limiter.markAndTest("k\(index)", seconds: 3600, now: start)) }
        #expect(limiter.usage.entries == 100)
        #expect(limiter.usage.forgotten == 900)
        // The newest 100 are still held back; the oldest fire again.
        #expect(!limiter.markAndTest("k999", seconds: 3600, now: start))
        #expect(!limiter.markAndTest("k900", seconds: 3600, now: start))
        #expect(limiter.markAndTest("k0", seconds: 3600, now: start))
    }

    @Test func expiredWindowsAreDroppedWithoutForgetting() {
        let limiter = RateLimiter(capacity: 100)
        for index in 0..<1_000 {
            #expect(limiter.markAndTest("k\(index)", seconds: 10, now: start.addingTimeInterval(Double(index))))
        }
        #expect(limiter.usage.entries <= 11)
        #expect(limiter.usage.forgotten == 0)
    }

    /// A key with a long window at the front, and another that fires again and again behind it.
    @Test func repeatedFiringsBehindALongWindowStayBounded() {
        let limiter = RateLimiter(capacity: 100)
        #expect(limiter.markAndTest("long", seconds: 86_400, now: start))
        for round in 0..<20_000 {
            #expect(limiter.markAndTest("short", seconds: 1, now: start.addingTimeInterval(Double(round * 2))))
        }
        #expect(!limiter.markAndTest("long", seconds: 86_400, now: start.addingTimeInterval(40_000)))
        #expect(limiter.usage.entries == 2)
        #expect(limiter.usage.forgotten == 0)
    }
}

/// The de-duplicator holds at most `capacity` alerts; past it the oldest is forgotten, and a
/// repeat of that alert is handled again.
@Suite struct AlertDeduplicatorLimitTests {
    @Test func pastCapacityTheOldestAlertIsForgotten() {
        let deduplicator = AlertDeduplicator(ttl: 7200, capacity: 3)
        let now = Date(timeIntervalSince1970: 1_000_000)
        for index in 0..<5 { #expect(deduplicator.isFirst(alert("A", fingerprint: "f\(index)"), now: now)) }
        #expect(!deduplicator.isFirst(alert("A", fingerprint: "f4"), now: now))
        #expect(!deduplicator.isFirst(alert("A", fingerprint: "f2"), now: now))
        #expect(deduplicator.isFirst(alert("A", fingerprint: "f0"), now: now))
    }

    /// The table grows (and rehashes its keys) many times on the way to 5,000 alerts; each is
    /// still known afterwards, and an alert differing only in its end is not the same alert.
    @Test func alertsAreKnownAfterTheTableGrowsAndTheEndIsPartOfTheKey() {
        let deduplicator = AlertDeduplicator(ttl: 7200, capacity: 10_000)
        let now = Date(timeIntervalSince1970: 1_000_000)
        for index in 0..<5_000 { #expect(deduplicator.isFirst(alert("A", fingerprint: "fingerprint-\(index)"), now: now)) }
        for index in stride(from: 0, to: 5_000, by: 7) {
            #expect(!deduplicator.isFirst(alert("A", fingerprint: "fingerprint-\(index)"), now: now))
        }
        var ended = alert("A", fingerprint: "fingerprint-1")
        ended.endsAt = "2026-11-26T12:00:00Z"
        #expect(deduplicator.isFirst(ended, now: now))
        #expect(!deduplicator.isFirst(ended, now: now))
    }
}
