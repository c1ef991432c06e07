import AsyncHTTPClient
import Foundation
import Testing
import Triggerfish

@testable import TriggerfishTesting

@Suite("Fake Kubernetes API server: patches, logs and evictions")
struct FakeKubernetesWriteTests {
    static let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "api", "namespace": "prod", "labels": ["app": "api", "team": "core"]],
        "spec": [
            "replicas": 2,
            "template": [
                "spec": [
                    "containers": [
                        ["name": "api", "image": "api:1", "env": [["name": "A", "value": "1"], ["name": "B", "value": "2"]]],
                        ["name": "proxy", "image": "proxy:1"],
                    ],
                    "tolerations": [["key": "a", "operator": "Exists"]],
                ]
            ],
        ],
    ]

    @Test func mergePatch() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        let stored = try cluster.add(Self.deployment)
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let patch: JSONValue = [
                "metadata": ["labels": ["team": nil, "tier": "back"]],
                "spec": ["replicas": 3, "template": ["spec": ["containers": [["name": "api", "image": "api:2"]]]]],
            ]
            let answer = try await api.send(
                .PATCH, "/apis/apps/v1/namespaces/prod/deployments/api", body: patch, contentType: "application/merge-patch+json")
            #expect(answer.status == 200)
            let expected =
                stored
                .setting(["metadata", "labels"], to: ["app": "api", "tier": "back"])
                .setting(["metadata", "resourceVersion"], to: "2")
                .setting(["spec", "replicas"], to: 3)
                .setting(["spec", "template", "spec", "containers"], to: [["name": "api", "image": "api:2"]])
            #expect(answer.json == expected)
            #expect(cluster.requests.last?.contentType == "application/merge-patch+json")
            #expect(cluster.requests.last?.attributes?.verb == "patch")
        }
    }

    @Test func strategicMergePatchMergesNamedItems() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        let stored = try cluster.add(Self.deployment)
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let patch: JSONValue = [
                "spec": [
                    "template": [
                        "spec": [
                            "containers": [
                                ["name": "api", "image": "api:2", "env": [["name": "B", "value": "3"], ["name": "C", "value": "4"]]],
                                ["name": "proxy", "$patch": "delete"], ["name": "sidecar", "image": "sidecar:1"],
                            ],
                            "tolerations": [["key": "b", "operator": "Exists"]],
                        ]
                    ]
                ]
            ]
            let answer = try await api.send(
                .PATCH, "/apis/apps/v1/namespaces/prod/deployments/api", body: patch,
                contentType: "application/strategic-merge-patch+json; charset=utf-8")
            #expect(answer.status == 200)
            let expected =
                stored
                .setting(["metadata", "resourceVersion"], to: "2")
                .setting(
                    ["spec", "template", "spec", "containers"],
                    to: [
                        [
                            "name": "api", "image": "api:2",
                            "env": [["name": "A", "value": "1"], ["name": "B", "value": "3"], ["name": "C", "value": "4"]],
                        ],
                        ["name": "sidecar", "image": "sidecar:1"],
                    ]
                )
                .setting(["spec", "template", "spec", "tolerations"], to: [["key": "b", "operator": "Exists"]])
            #expect(answer.json == expected)

            let unknown = try await api.send(
                .PATCH, "/apis/apps/v1/namespaces/prod/deployments/api", body: [:], contentType: "application/json")
            #expect(unknown.status == 415)
            #expect(unknown.json?["reason"] == "UnsupportedMediaType")
        }
    }

    @Test func jsonPatch() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        let stored = try cluster.add(Self.deployment)
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let path = "/apis/apps/v1/namespaces/prod/deployments/api"
            let patch: JSONValue = [
                ["op": "test", "path": "/spec/replicas", "value": 2], ["op": "replace", "path": "/spec/replicas", "value": 0],
                ["op": "add", "path": "/metadata/annotations", "value": ["a~b/c": "x"]],
                ["op": "remove", "path": "/spec/template/spec/containers/1"],
                ["op": "add", "path": "/spec/template/spec/tolerations/-", "value": ["key": "b"]],
            ]
            let answer = try await api.send(.PATCH, path, body: patch, contentType: "application/json-patch+json")
            #expect(answer.status == 200)
            let expected =
                stored
                .setting(["metadata", "resourceVersion"], to: "2")
                .setting(["metadata", "annotations"], to: ["a~b/c": "x"])
                .setting(["spec", "replicas"], to: 0)
                .setting(
                    ["spec", "template", "spec", "containers"], to: [Self.deployment.value(atPath: "spec.template.spec.containers[0]")!]
                )
                .setting(["spec", "template", "spec", "tolerations"], to: [["key": "a", "operator": "Exists"], ["key": "b"]])
            #expect(answer.json == expected)
            let failed = try await api.send(
                .PATCH, path, body: [["op": "test", "path": "/spec/replicas", "value": 2]], contentType: "application/json-patch+json")
            #expect(failed.status == 422)
            #expect(failed.json?["message"] == "testing value /spec/replicas failed")
        }
    }

    @Test func resourceVersionPreconditionsForLeaderElection() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        let lease = try cluster.add([
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": ["name": "triggerfish", "namespace": "ops"],
            "spec": ["holderIdentity": "a", "leaseDurationSeconds": 15],
        ])
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let path = "/apis/coordination.k8s.io/v1/namespaces/ops/leases/triggerfish"
            let takeOver: JSONValue = ["metadata": ["resourceVersion": "1"], "spec": ["holderIdentity": "b"]]
            let first = try await api.send(.PATCH, path, body: takeOver, contentType: "application/merge-patch+json")
            #expect(first.status == 200)
            #expect(first.json == lease.setting(["spec", "holderIdentity"], to: "b").setting(["metadata", "resourceVersion"], to: "2"))
            let second = try await api.send(
                .PATCH, path, body: takeOver.setting(["spec", "holderIdentity"], to: "c"), contentType: "application/merge-patch+json")
            #expect(second.status == 409)
            #expect(
                second.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message":
                        "Operation cannot be fulfilled on leases.coordination.k8s.io \"triggerfish\": the object has been modified; please apply your changes to the latest version and try again",
                    "reason": "Conflict", "details": ["name": "triggerfish", "group": "coordination.k8s.io", "kind": "leases"], "code": 409,
                ])
            let put = try await api.send(.PUT, path, body: lease.setting(["spec", "holderIdentity"], to: "d"))
            #expect(put.status == 409)
            let current = try #require(try await api.get(path).json)
            let renewed = try await api.send(.PUT, path, body: current.setting(["spec", "holderIdentity"], to: "d"))
            #expect(renewed.status == 200)
            #expect(cluster.changes(of: .lease).map { $0.object["spec"]?["holderIdentity"]?.stringValue ?? "" } == ["a", "b", "d"])
            let conflicting = try await api.send(.DELETE, path, body: ["preconditions": ["resourceVersion": "2"]])
            #expect(conflicting.status == 409)
            #expect(
                conflicting.json?["message"]
                    == "Operation cannot be fulfilled on leases.coordination.k8s.io \"triggerfish\": Precondition failed: ResourceVersion in precondition: 2, ResourceVersion in object meta: 3"
            )
        }
    }

    @Test func finalizersHoldADeletion() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add([
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "held", "namespace": "default", "finalizers": ["example.com/x"]],
        ])
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let deleted = try await api.send(.DELETE, "/api/v1/namespaces/default/configmaps/held")
            #expect(deleted.status == 200)
            #expect(deleted.json?["metadata"]?["deletionTimestamp"] == "2026-01-01T00:00:00Z")
            #expect(try await api.get("/api/v1/namespaces/default/configmaps/held").status == 200)
            let released = try await api.send(
                .PATCH, "/api/v1/namespaces/default/configmaps/held", body: ["metadata": ["finalizers": nil]],
                contentType: "application/merge-patch+json")
            #expect(released.status == 200)
            #expect(try await api.get("/api/v1/namespaces/default/configmaps/held").status == 404)
            #expect(cluster.changes.map(\.type.rawValue) == ["ADDED", "MODIFIED", "DELETED"])
        }
    }

    @Test func podLogs() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("web-1", containers: ["app", "proxy"]))
        try cluster.add(Objects.pod("single"))
        cluster.setLog("one\ntwo\nthree\n", namespace: "default", pod: "web-1", container: "app")
        cluster.setLog("crashed\n", namespace: "default", pod: "web-1", container: "app", previous: true)
        cluster.setLog("only\n", namespace: "default", pod: "single", container: "app")
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let whole = try await api.get("/api/v1/namespaces/default/pods/web-1/log?container=app")
            #expect(whole.status == 200)
            #expect(whole.text == "one\ntwo\nthree\n")
            #expect(whole.headers["content-type"] == ["text/plain"])
            #expect(try await api.get("/api/v1/namespaces/default/pods/web-1/log?container=app&tailLines=2").text == "two\nthree\n")
            #expect(try await api.get("/api/v1/namespaces/default/pods/web-1/log?container=app&previous=true").text == "crashed\n")
            #expect(try await api.get("/api/v1/namespaces/default/pods/web-1/log?container=proxy").text == "")
            #expect(try await api.get("/api/v1/namespaces/default/pods/single/log").text == "only\n")
            let invalid = try await api.get("/api/v1/namespaces/default/pods/web-1/log?container=nope")
            #expect(invalid.status == 400)
            #expect(
                invalid.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "container nope is not valid for pod web-1",
                    "reason": "BadRequest", "code": 400,
                ])
            let unnamed = try await api.get("/api/v1/namespaces/default/pods/web-1/log")
            #expect(unnamed.status == 400)
            #expect(unnamed.json?["message"] == "a container name must be specified for pod web-1, choose one of: [app proxy]")
            let noPrevious = try await api.get("/api/v1/namespaces/default/pods/web-1/log?container=proxy&previous=true")
            #expect(noPrevious.json?["message"] == "previous terminated container \"proxy\" in pod \"web-1\" not found")
            #expect(try await api.get("/api/v1/namespaces/default/pods/nope/log").status == 404)
            #expect(cluster.requests[1].attributes?.description == "get pods/log \"web-1\" in \"default\"")
            #expect(cluster.requests[1].queryItems == ["container": "app", "tailLines": "2"])
        }
    }

    @Test func evictionRespectsDisruptionBudgets() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("web-1", labels: ["app": "web"]))
        try cluster.add(Objects.pod("db-1", labels: ["app": "db"]))
        try cluster.add(Objects.pod("free", labels: ["app": "batch"]))
        try cluster.add(Objects.budget("web-pdb", app: "web", allowed: 0))
        try cluster.add(Objects.budget("db-pdb", app: "db", allowed: 1))
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            func evict(_ pod: String) async throws -> APIClient.Answer {
                try await api.send(
                    .POST, "/api/v1/namespaces/default/pods/\(pod)/eviction",
                    body: ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": .string(pod), "namespace": "default"]])
            }
            let blocked = try await evict("web-1")
            #expect(blocked.status == 429)
            #expect(
                blocked.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "Cannot evict pod as it would violate the pod's disruption budget.", "reason": "TooManyRequests",
                    "details": [
                        "causes": [
                            [
                                "reason": "DisruptionBudget",
                                "message": "The disruption budget web-pdb needs 2 healthy pods and has 2 currently",
                            ]
                        ]
                    ],
                    "code": 429,
                ])
            #expect(cluster.object(.pod, namespace: "default", name: "web-1") != nil)

            let allowed = try await evict("db-1")
            #expect(allowed.status == 201)
            #expect(allowed.json == ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "code": 201])
            #expect(cluster.object(.pod, namespace: "default", name: "db-1") == nil)
            #expect(cluster.object(.podDisruptionBudget, namespace: "default", name: "db-pdb")?["status"]?["disruptionsAllowed"] == 0)
            #expect(try await evict("free").status == 201)
            #expect(try await evict("free").status == 404)
            #expect(cluster.requests.map { $0.attributes?.description ?? "" }.first == "create pods/eviction \"web-1\" in \"default\"")
        }
    }
}
