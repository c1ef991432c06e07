import AsyncHTTPClient
import Foundation
import Testing
import Triggerfish

@testable import TriggerfishTesting

@Suite("Fake Kubernetes API server: watches")
struct FakeKubernetesWatchTests {
    @Test func watchWithoutVersionStartsWithTheObjectsThenFollows() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("a", labels: ["app": "web"]))
        try cluster.add(Objects.pod("b", labels: ["app": "db"]))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            var lines = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=1&labelSelector=app%3Dweb")
            #expect(lines.status == 200)
            let first = try #require(try await lines.next())
            #expect(first == ["type": "ADDED", "object": try #require(cluster.object(.pod, namespace: "default", name: "a"))])
            await cluster.waitForWatches(1)
            try cluster.add(Objects.pod("c", labels: ["app": "web"]))
            try cluster.add(Objects.pod("d", labels: ["app": "db"]))
            // Leaving the selector is a deletion for the watch; entering it an addition.
            try cluster.patch(["metadata": ["labels": ["app": "db"]]], type: .merge, in: .pod, namespace: "default", name: "a")
            try cluster.patch(["metadata": ["labels": ["app": "web"]]], type: .merge, in: .pod, namespace: "default", name: "b")
            try cluster.delete(.pod, namespace: "default", name: "c")
            #expect(try await lines.summaries(4) == ["ADDED c 3", "DELETED a 5", "ADDED b 6", "DELETED c 7"])
        }
        #expect(cluster.watchCount == 0)
    }

    @Test func watchFromAVersionReplaysWhatHappenedAfterIt() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("a"))
        try cluster.add(Objects.pod("b"))
        try cluster.patch(["status": ["phase": "Failed"]], type: .merge, in: .pod, namespace: "default", name: "a", subresource: "status")
        try cluster.add(Objects.pod("x", namespace: "other"))
        try cluster.delete(.pod, namespace: "default", name: "b")
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            var lines = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=true&resourceVersion=1")
            #expect(try await lines.summaries(2) == ["ADDED b 2", "MODIFIED a 3"])
            let deletion = try #require(try await lines.next())
            #expect(deletion["type"] == "DELETED")
            #expect(deletion["object"]?["metadata"]?["resourceVersion"] == "5")
            #expect(deletion["object"]?["kind"] == "Pod")
            await cluster.waitForWatches(1)
            try cluster.add(Objects.pod("c"))
            #expect(try await lines.summaries(1) == ["ADDED c 6"])

            var all = try await APIClient(server).watch("/api/v1/pods?watch=1&resourceVersion=3")
            #expect(try await all.summaries(2) == ["ADDED x 4", "DELETED b 5"])
        }
    }

    @Test func tooOldVersionIsGone() async throws {
        let cluster = FakeKubernetesCluster.fixed(.init(historyLimit: 2))
        for name in ["a", "b", "c", "d"] { try cluster.add(Objects.pod(name)) }
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            // History holds versions 3 and 4: a watch from 2 still works, from 1 it is too old.
            var recent = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=1&resourceVersion=2")
            #expect(try await recent.summaries(2) == ["ADDED c 3", "ADDED d 4"])
            var old = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=1&resourceVersion=1")
            #expect(old.status == 200)
            let error = try #require(try await old.next())
            #expect(
                error == [
                    "type": "ERROR",
                    "object": [
                        "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                        "message": "too old resource version: 1 (2)",
                        "reason": "Expired", "code": 410,
                    ],
                ])
            #expect(try await old.next() == nil)
            cluster.compact()
            var compacted = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=1&resourceVersion=3")
            #expect(try await compacted.summaries(2) == ["ERROR 410 too old resource version: 3 (4)", "END"])
        }
    }

    @Test func bookmarksOnRequestAndOnSchedule() async throws {
        let clock = ManualClock()
        let cluster = FakeKubernetesCluster.fixed(.init(clock: clock, bookmarkInterval: .seconds(60)))
        try cluster.add(Objects.pod("a"))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            var lines = try await APIClient(server).watch(
                "/api/v1/namespaces/default/pods?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan")
            #expect(try await lines.summaries(1) == ["ADDED a 1"])
            let initialEnd = try #require(try await lines.next())
            #expect(
                initialEnd == [
                    "type": "BOOKMARK",
                    "object": [
                        "kind": "Pod", "apiVersion": "v1",
                        "metadata": ["resourceVersion": "1", "annotations": ["k8s.io/initial-events-end": "true"]],
                    ],
                ])
            await cluster.waitForWatches(1)
            try cluster.add(Objects.pod("b"))
            cluster.sendBookmarks()
            #expect(try await lines.summaries(2) == ["ADDED b 2", "BOOKMARK 2"])
            await clock.advanceWhenSleeping(.seconds(60))
            #expect(try await lines.summaries(1) == ["BOOKMARK 2"])

            // Without allowWatchBookmarks, no bookmarks.
            var plain = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=1&resourceVersion=2")
            await cluster.waitForWatches(2)
            cluster.sendBookmarks()
            try cluster.add(Objects.pod("c"))
            #expect(try await plain.summaries(1) == ["ADDED c 3"])
        }
    }

    @Test func timeoutSecondsEndsTheWatch() async throws {
        let clock = ManualClock()
        let cluster = FakeKubernetesCluster.fixed(.init(clock: clock))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            var lines = try await APIClient(server).watch("/api/v1/namespaces/default/pods?watch=1&resourceVersion=0&timeoutSeconds=30")
            await cluster.waitForWatches(1)
            try cluster.add(Objects.pod("a"))
            #expect(try await lines.summaries(1) == ["ADDED a 1"])
            await clock.advanceWhenSleeping(.seconds(30))
            #expect(try await lines.next() == nil)
            while cluster.watchCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
        }
    }

    @Test func serverSideEndAndReconnect() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            var lines = try await APIClient(server).watch("/api/v1/namespaces/default/configmaps?watch=1")
            await cluster.waitForWatches(1)
            cluster.endWatches()
            #expect(try await lines.next() == nil)
        }
    }
}
