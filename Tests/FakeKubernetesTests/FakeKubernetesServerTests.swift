import AsyncHTTPClient
import Foundation
import Testing
import Triggerfish

@testable import TriggerfishTesting

@Suite("Fake Kubernetes API server: objects")
struct FakeKubernetesObjectTests {
    static func stored(_ object: JSONValue, uid: Int, version: Int) -> JSONValue {
        object.setting(["metadata", "uid"], to: .string("00000000-0000-4000-8000-00000000000\(uid)"))
            .setting(["metadata", "creationTimestamp"], to: "2026-01-01T00:00:00Z")
            .setting(["metadata", "resourceVersion"], to: .string(String(version)))
    }

    @Test func createGetReplaceDelete() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let pod = Objects.pod("web-1", namespace: "prod", labels: ["app": "web"])
            let created = try await api.send(.POST, "/api/v1/namespaces/prod/pods", body: pod)
            #expect(created.status == 201)
            #expect(created.json == Self.stored(pod, uid: 1, version: 1))
            #expect(created.text.hasSuffix("}\n"))

            let fetched = try await api.get("/api/v1/namespaces/prod/pods/web-1")
            #expect(fetched.status == 200)
            #expect(fetched.json == Self.stored(pod, uid: 1, version: 1))

            let again = try await api.send(.POST, "/api/v1/namespaces/prod/pods", body: pod)
            #expect(again.status == 409)
            #expect(
                again.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": "pods \"web-1\" already exists",
                    "reason": "AlreadyExists", "details": ["name": "web-1", "kind": "pods"], "code": 409,
                ])

            // PUT with the stored version replaces (the status stays: it is a subresource); with a stale one, 409.
            let changed = Self.stored(pod, uid: 1, version: 1).setting(["metadata", "labels", "tier"], to: "front")
                .setting(["status", "phase"], to: "Failed")
            let replaced = try await api.send(.PUT, "/api/v1/namespaces/prod/pods/web-1", body: changed)
            #expect(replaced.status == 200)
            #expect(replaced.json == Self.stored(pod, uid: 1, version: 2).setting(["metadata", "labels", "tier"], to: "front"))
            let stale = try await api.send(.PUT, "/api/v1/namespaces/prod/pods/web-1", body: changed)
            #expect(stale.status == 409)
            #expect(
                stale.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message":
                        "Operation cannot be fulfilled on pods \"web-1\": the object has been modified; please apply your changes to the latest version and try again",
                    "reason": "Conflict", "details": ["name": "web-1", "kind": "pods"], "code": 409,
                ])

            let deleted = try await api.send(.DELETE, "/api/v1/namespaces/prod/pods/web-1")
            #expect(deleted.status == 200)
            #expect(deleted.json == Self.stored(pod, uid: 1, version: 3).setting(["metadata", "labels", "tier"], to: "front"))
            let gone = try await api.get("/api/v1/namespaces/prod/pods/web-1")
            #expect(gone.status == 404)
            #expect(
                gone.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": "pods \"web-1\" not found",
                    "reason": "NotFound", "details": ["name": "web-1", "kind": "pods"], "code": 404,
                ])
            #expect(
                cluster.requests.map { "\($0.description) \($0.status)" } == [
                    "POST /api/v1/namespaces/prod/pods 201", "GET /api/v1/namespaces/prod/pods/web-1 200",
                    "POST /api/v1/namespaces/prod/pods 409",
                    "PUT /api/v1/namespaces/prod/pods/web-1 200", "PUT /api/v1/namespaces/prod/pods/web-1 409",
                    "DELETE /api/v1/namespaces/prod/pods/web-1 200", "GET /api/v1/namespaces/prod/pods/web-1 404",
                ])
            #expect(cluster.requests[0].attributes?.description == "create pods in \"prod\"")
            #expect(cluster.requests[0].contentType == "application/json")
            #expect(cluster.requests[0].json == pod)
            #expect(
                cluster.changes.map { "\($0.type.rawValue) \($0.name ?? "") \($0.resourceVersion)" } == [
                    "ADDED web-1 1", "MODIFIED web-1 2", "DELETED web-1 3",
                ])
        }
    }

    @Test func namedGroupsClusterScopeAndDeleteStatus() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let deployment: JSONValue = [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "api"], "spec": ["replicas": 2],
            ]
            let created = try await api.send(.POST, "/apis/apps/v1/namespaces/prod/deployments", body: deployment)
            #expect(created.status == 201)
            #expect(created.json == Self.stored(deployment.setting(["metadata", "namespace"], to: "prod"), uid: 1, version: 1))
            let node: JSONValue = ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "node-1", "labels": ["zone": "a"]]]
            #expect(try await api.send(.POST, "/api/v1/nodes", body: node).status == 201)
            #expect(try await api.get("/api/v1/nodes/node-1").json == Self.stored(node, uid: 2, version: 2))
            #expect(try await api.get("/api/v1/namespaces/prod/nodes/node-1").status == 404)

            let deleted = try await api.send(.DELETE, "/apis/apps/v1/namespaces/prod/deployments/api")
            #expect(
                deleted.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                    "details": ["name": "api", "group": "apps", "kind": "deployments", "uid": "00000000-0000-4000-8000-000000000001"],
                ])
            let missing = try await api.send(.DELETE, "/apis/apps/v1/namespaces/prod/deployments/api")
            #expect(missing.status == 404)
            #expect(missing.json?["message"] == "deployments.apps \"api\" not found")
            #expect(missing.json?["details"] == ["name": "api", "group": "apps", "kind": "deployments"])

            let unknown = try await api.get("/apis/example.com/v1/widgets")
            #expect(unknown.status == 404)
            #expect(
                unknown.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "the server could not find the requested resource", "reason": "NotFound", "details": [:], "code": 404,
                ])
            #expect(try await api.get("/healthz").status == 404)
        }
    }

    @Test func createSetsNamesAndRefusesWhatTheServerDoes() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let generated = try await api.send(
                .POST, "/api/v1/namespaces/default/configmaps",
                body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["generateName": "cfg-"], "data": ["a": "1"]])
            #expect(generated.status == 201)
            let name = generated.json?["metadata"]?["name"]?.stringValue ?? ""
            #expect(name.hasPrefix("cfg-") && name.count == 9)
            let wrongNamespace = try await api.send(
                .POST, "/api/v1/namespaces/default/configmaps", body: ["metadata": ["name": "x", "namespace": "other"]])
            #expect(wrongNamespace.status == 400)
            #expect(
                wrongNamespace.json?["message"] == "the namespace of the provided object does not match the namespace sent on the request")
            let withVersion = try await api.send(
                .POST, "/api/v1/namespaces/default/configmaps", body: ["metadata": ["name": "x", "resourceVersion": "3"]])
            #expect(withVersion.status == 500)
            #expect(withVersion.json?["message"] == "Internal error occurred: resourceVersion should not be set on objects to be created")
            let wrongKind = try await api.send(
                .POST, "/api/v1/namespaces/default/configmaps", body: ["kind": "Secret", "metadata": ["name": "x"]])
            #expect(wrongKind.json?["message"] == "the kind in the data (Secret) does not match the expected kind (ConfigMap)")
            let invalid = try await api.send(.POST, "/api/v1/namespaces/default/configmaps", body: ["metadata": [:]])
            #expect(invalid.status == 422)
            #expect(
                invalid.json?["message"] == "ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required")
        }
    }

    @Test func listsPagesAndAllNamespaces() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        for (namespace, name) in [("prod", "c"), ("prod", "a"), ("dev", "b"), ("prod", "b")] {
            try cluster.add(Objects.pod(name, namespace: namespace))
        }
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            let all = try await api.get("/api/v1/pods")
            #expect(all.status == 200)
            #expect(all.json?["kind"] == "PodList")
            #expect(all.json?["apiVersion"] == "v1")
            #expect(all.json?["metadata"] == ["resourceVersion": "4"])
            #expect(Self.names(all) == ["dev/b", "prod/a", "prod/b", "prod/c"])
            // Items of a list carry no kind and apiVersion, as the API server serves built-in types.
            #expect(all.json?["items"]?[0]?["kind"] == nil)
            #expect(all.json?["items"]?[0]?["apiVersion"] == nil)

            let first = try await api.get("/api/v1/namespaces/prod/pods?limit=2")
            #expect(Self.names(first) == ["prod/a", "prod/b"])
            #expect(first.json?["metadata"]?["remainingItemCount"] == 1)
            #expect(first.json?["metadata"]?["resourceVersion"] == "4")
            let token = try #require(first.json?["metadata"]?["continue"]?.stringValue)
            try cluster.add(Objects.pod("d", namespace: "prod"))
            let second = try await api.get("/api/v1/namespaces/prod/pods?limit=2&continue=\(Self.escaped(token))")
            #expect(Self.names(second) == ["prod/c", "prod/d"])
            #expect(second.json?["metadata"] == ["resourceVersion": "4"])
            let bad = try await api.get("/api/v1/namespaces/prod/pods?limit=2&continue=nonsense")
            #expect(bad.status == 400)
            #expect(bad.json?["message"] == "continue key is not valid: nonsense")

            // After a compaction the token is too old: 410 with a token to carry on inconsistently.
            cluster.compact()
            let expired = try await api.get("/api/v1/namespaces/prod/pods?limit=2&continue=\(Self.escaped(token))")
            #expect(expired.status == 410)
            #expect(expired.json?["reason"] == "Expired")
            #expect(expired.json?["message"]?.stringValue?.hasPrefix("The provided continue parameter is too old") == true)
            let fresh = try #require(expired.json?["metadata"]?["continue"]?.stringValue)
            #expect(
                Self.names(try await api.get("/api/v1/namespaces/prod/pods?limit=5&continue=\(Self.escaped(fresh))")) == [
                    "prod/c", "prod/d",
                ])
            let tooOld = try await api.get("/api/v1/pods?limit=1&resourceVersion=2&resourceVersionMatch=Exact")
            #expect(tooOld.status == 410)
            #expect(
                tooOld.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "too old resource version: 2 (5)",
                    "reason": "Expired", "code": 410,
                ])
        }
    }

    @Test func labelAndFieldSelectors() async throws {
        let cluster = FakeKubernetesCluster.fixed()
        try cluster.add(Objects.pod("web-1", labels: ["app": "web", "tier": "front"], node: "node-1"))
        try cluster.add(Objects.pod("web-2", labels: ["app": "web"], node: "node-2", phase: "Pending"))
        try cluster.add(Objects.pod("db-1", labels: ["app": "db", "tier": "back"], node: "node-1", phase: "Failed"))
        try cluster.add(Objects.pod("job-1", labels: [:], node: "node-2", phase: "Succeeded"))
        try cluster.add([
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e1", "namespace": "default"],
            "regarding": ["kind": "Pod", "name": "web-1", "namespace": "default"], "reason": "BackOff", "note": "Back-off restarting",
        ])
        try cluster.add([
            "apiVersion": "v1", "kind": "Event", "metadata": ["name": "e2", "namespace": "default"],
            "involvedObject": ["kind": "Pod", "name": "db-1", "namespace": "default"], "reason": "Killing", "message": "Stopping",
        ])
        try await FakeKubernetesServer.withServer(cluster: cluster) { server in
            let api = APIClient(server)
            func names(_ query: String, _ path: String = "/api/v1/namespaces/default/pods") async throws -> [String] {
                let answer = try await api.get(path + "?" + query)
                #expect(answer.status == 200, "\(query): \(answer.text)")
                return Self.names(answer).map { String($0.split(separator: "/").last ?? "") }
            }
            #expect(try await names("labelSelector=app%3Dweb") == ["web-1", "web-2"])
            #expect(try await names("labelSelector=app%3D%3Dweb,tier") == ["web-1"])
            #expect(try await names("labelSelector=app!%3Dweb") == ["db-1", "job-1"])
            #expect(try await names("labelSelector=!tier") == ["job-1", "web-2"])
            #expect(try await names("labelSelector=app+in+(db,web),tier+notin+(front)") == ["db-1", "web-2"])
            #expect(try await names("labelSelector=app%20notin%20(web)") == ["db-1", "job-1"])
            #expect(try await names("fieldSelector=spec.nodeName%3Dnode-1") == ["db-1", "web-1"])
            #expect(try await names("fieldSelector=status.phase!%3DRunning,spec.nodeName%3D%3Dnode-2") == ["job-1", "web-2"])
            #expect(try await names("fieldSelector=metadata.name%3Dweb-2&labelSelector=app%3Dweb") == ["web-2"])
            #expect(try await names("fieldSelector=metadata.namespace%3Dother") == [])
            #expect(
                try await names(
                    "fieldSelector=regarding.name%3Dweb-1,regarding.kind%3DPod", "/apis/events.k8s.io/v1/namespaces/default/events") == [
                        "e1"
                    ])
            #expect(try await names("fieldSelector=involvedObject.name%3Ddb-1", "/api/v1/events") == ["e2"])
            #expect(try await names("fieldSelector=involvedObject.name%3Dweb-1", "/api/v1/events") == [])

            let unsupported = try await api.get("/api/v1/pods?fieldSelector=spec.priority%3D3")
            #expect(unsupported.status == 400)
            #expect(
                unsupported.json == [
                    "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
                    "message": "field label not supported: spec.priority",
                    "reason": "BadRequest", "code": 400,
                ])
            let unreadable = try await api.get("/api/v1/pods?labelSelector=app%3D%3D%3Dweb")
            #expect(unreadable.status == 400)
            #expect(unreadable.json?["reason"] == "BadRequest")
        }
    }

    static func names(_ answer: APIClient.Answer) -> [String] {
        (answer.json?["items"]?.arrayValue ?? []).map {
            "\($0["metadata"]?["namespace"]?.stringValue ?? "")/\($0["metadata"]?["name"]?.stringValue ?? "")"
        }
    }

    static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
