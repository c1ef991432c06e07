import Foundation
import Testing
import Triggerfish
import TriggerfishKubernetes

@Suite("KubernetesClient over HTTP", .timeLimit(.minutes(2)))
struct KubernetesClientTests {
    typealias Server = ScriptedAPIServer

    @Test("a get answers the object with its kind, and nil for 404; the token goes in Authorization")
    func getAndNotFound() async throws {
        try await Server.with { server in
            server.script([
                .json(200, Server.pod("web-1", namespace: "prod", resourceVersion: "5")),
                .json(404, Server.status(404, "NotFound", "pods \"gone\" not found")),
            ])
            try await using(try makeClient(server)) { client in
                let pod = try await client.object(.pod, namespace: "prod", name: "web-1")
                #expect(pod?.kind == "Pod")
                #expect(pod?.apiVersion == "v1")
                #expect(pod?.name == "web-1")
                #expect(try await client.object(.pod, namespace: "prod", name: "gone") == nil)
            }
            #expect(server.requests.map(\.path) == ["/api/v1/namespaces/prod/pods/web-1", "/api/v1/namespaces/prod/pods/gone"])
            #expect(server.requests[0].headers["authorization"] == "Bearer secret")
            #expect(server.requests[0].headers["accept"] == "application/json")
        }
    }

    @Test("refusals decode the Status with the RBAC verb, resource, namespace and name")
    func statusErrors() async throws {
        try await Server.with { server in
            let forbidden =
                "deployments.apps \"web\" is forbidden: User \"system:serviceaccount:tf:runner\" cannot delete resource \"deployments\" in API group \"apps\" in the namespace \"prod\""
            server.script([
                .json(403, Server.status(403, "Forbidden", forbidden)),
                .json(409, Server.status(409, "AlreadyExists", "configmaps \"settings\" already exists")),
                .json(410, Server.status(410, "Expired", "too old resource version: 5 (10)")),
                .json(422, Server.status(422, "Invalid", "Pod \"web-1\" is invalid: spec: Forbidden: pod updates may not change fields")),
                .json(403, Server.status(403, "Forbidden", "cannot get pods/log")),
                .json(404, Server.status(404, "NotFound", "nodes \"n9\" not found")),
                .text(400, "<html>\nbad gateway in front of the API\n</html>"),
            ])
            try await using(try makeClient(server)) { client in
                let deployment = KubernetesResource(kind: "Deployment")!
                let delete = await #expect(throws: KubernetesAPIError.self) {
                    try await client.delete(deployment, namespace: "prod", name: "web")
                }
                #expect(
                    delete?.description
                        == "the Kubernetes API refused to delete deployments.apps \"web\" in namespace \"prod\" (403 Forbidden): \(forbidden)"
                )
                #expect(delete?.isForbidden == true)

                let create = await #expect(throws: KubernetesAPIError.self) {
                    try await client.create(
                        KubernetesObject(json: ["kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "tf"]]), in: .configMap)
                }
                #expect(
                    create?.description
                        == "the Kubernetes API refused to create configmaps \"settings\" in namespace \"tf\" (409 AlreadyExists): configmaps \"settings\" already exists"
                )

                let list = await #expect(throws: KubernetesAPIError.self) {
                    try await client.list(.pod, namespace: nil, labelSelector: nil, fieldSelector: nil)
                }
                #expect(list?.isGone == true)
                #expect(list?.description == "the Kubernetes API refused to list pods (410 Expired): too old resource version: 5 (10)")

                let patch = await #expect(throws: KubernetesAPIError.self) {
                    try await client.patch(.pod, namespace: "prod", name: "web-1", patch: ["spec": ["x": 1]], type: .strategicMerge)
                }
                #expect(patch?.code == 422)
                #expect(patch?.verb == "patch")
                #expect(patch?.resource == "pods")

                let logs = await #expect(throws: KubernetesAPIError.self) {
                    try await client.logs(namespace: "prod", pod: "web-1", container: nil, previous: false, tailLines: nil)
                }
                #expect(
                    logs?.description
                        == "the Kubernetes API refused to get pods/log \"web-1\" in namespace \"prod\" (403 Forbidden): cannot get pods/log"
                )

                // A cluster-scoped resource has no namespace, even when one is passed.
                let node = try await client.object(.node, namespace: "prod", name: "n9")
                #expect(node == nil)

                let plain = await #expect(throws: KubernetesAPIError.self) {
                    try await client.object(.pod, namespace: "prod", name: "web-2")
                }
                #expect(plain?.description == "the Kubernetes API refused to get pods \"web-2\" in namespace \"prod\" (400): <html>")
            }
            #expect(server.requests[1].method == "POST")
            #expect(server.requests[1].path == "/api/v1/namespaces/tf/configmaps")
            #expect(server.requests[1].json == ["kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "tf"]])
            #expect(server.requests[3].headers["content-type"] == "application/strategic-merge-patch+json")
            #expect(server.requests[3].method == "PATCH")
            #expect(server.requests[5].path == "/api/v1/nodes/n9")
        }
    }

    @Test("429 and 5xx are retried with exponential backoff, honouring Retry-After")
    func retries() async throws {
        try await Server.with { server in
            server.script([
                .json(429, Server.status(429, "TooManyRequests", "slow down"), headers: ["Retry-After": "3"]),
                .text(503, "unavailable"),
                .json(500, Server.status(500, "InternalError", "etcd"), headers: ["Retry-After": "7"]),
                .text(502, "bad gateway"),
                .json(200, Server.pod("web-1", resourceVersion: "1")),
            ])
            let sleeper = RecordingSleeper()
            try await using(try makeClient(server, sleeper: sleeper)) { client in
                let pod = try await client.object(.pod, namespace: "default", name: "web-1")
                #expect(pod?.name == "web-1")
            }
            #expect(sleeper.recorded == [.seconds(3), .seconds(1), .seconds(7), .seconds(4)])
            #expect(server.requests.count == 5)
        }
    }

    @Test("retries end after maxRetries with the last refusal; an eviction's 429 is not retried")
    func retriesExhaustedAndEviction() async throws {
        try await Server.with { server in
            let budget = "Cannot evict pod as it would violate the pod's disruption budget."
            server.script(
                Array(repeating: .json(503, Server.status(503, "ServiceUnavailable", "apiserver is shutting down")), count: 3) + [
                    .json(429, Server.status(429, "TooManyRequests", budget))
                ])
            let sleeper = RecordingSleeper()
            try await using(
                try makeClient(server, sleeper: sleeper) { options in
                    options.retry.maxRetries = 2
                    options.retry.initialBackoff = .milliseconds(100)
                }
            ) { client in
                let error = await #expect(throws: KubernetesAPIError.self) {
                    try await client.list(.pod, namespace: "prod", labelSelector: "app=web", fieldSelector: nil)
                }
                #expect(error?.code == 503)
                let evict = await #expect(throws: KubernetesAPIError.self) {
                    try await client.evict(namespace: "prod", pod: "web-1")
                }
                #expect(
                    evict?.description
                        == "the Kubernetes API refused to create pods/eviction \"web-1\" in namespace \"prod\" (429 TooManyRequests): \(budget)"
                )
            }
            #expect(sleeper.recorded == [.milliseconds(100), .milliseconds(200)])
            #expect(server.requests.count == 4)
            #expect(server.requests[0].query["labelSelector"] == "app=web")
            let eviction = server.requests[3]
            #expect(eviction.method == "POST")
            #expect(eviction.path == "/api/v1/namespaces/prod/pods/web-1/eviction")
            #expect(
                eviction.json
                    == ["apiVersion": "policy/v1", "kind": "Eviction", "metadata": ["name": "web-1", "namespace": "prod"]])
        }
    }

    @Test("connection failures are retried for get, not for create")
    func connectionFailures() async throws {
        // A port nothing listens on: take one from a server that has stopped.
        let port = try await Server.with { $0.port }
        let sleeper = RecordingSleeper()
        var options = KubernetesClient.Options()
        options.retry.maxRetries = 2
        // AsyncHTTPClient itself tries to connect again until its connect timeout.
        options.connectTimeout = .milliseconds(200)
        let client = try KubernetesClient(
            configuration: KubernetesConfiguration(server: "http://127.0.0.1:\(port)"), options: options, sleeper: sleeper.sleeper)
        try await using(client) { client in
            await #expect(throws: (any Error).self) { try await client.object(.pod, namespace: "a", name: "b") }
            #expect(sleeper.recorded == [.milliseconds(500), .seconds(1)])
            await #expect(throws: (any Error).self) {
                try await client.create(KubernetesObject(json: ["metadata": ["name": "c", "namespace": "a"]]), in: .configMap)
            }
            #expect(sleeper.recorded.count == 2)
        }
    }

    @Test("lists read every page with limit and continue, and report the list's resourceVersion")
    func pagination() async throws {
        try await Server.with { server in
            server.script([
                .json(
                    200,
                    Server.list(
                        [Server.pod("a", resourceVersion: "1"), Server.pod("b", resourceVersion: "2")], resourceVersion: "100",
                        continue: "tok1")),
                .json(200, Server.list([Server.pod("c", resourceVersion: "3")], resourceVersion: "100", continue: "tok2")),
                .json(200, Server.list([], resourceVersion: "100")),
            ])
            try await using(try makeClient(server) { $0.pageSize = 2 }) { client in
                let (items, resourceVersion) = try await client.listAll(.pod, namespace: nil, fieldSelector: "status.phase=Running")
                #expect(items.map(\.name) == ["a", "b", "c"])
                #expect(items.allSatisfy { $0.kind == "Pod" && $0.apiVersion == "v1" })
                #expect(resourceVersion == "100")
            }
            #expect(server.requests.map(\.path) == Array(repeating: "/api/v1/pods", count: 3))
            #expect(server.requests.map { $0.query["limit"] } == ["2", "2", "2"])
            #expect(server.requests.map { $0.query["continue"] } == [nil, "tok1", "tok2"])
            #expect(server.requests.allSatisfy { $0.query["fieldSelector"] == "status.phase=Running" })
        }
    }

    @Test("logs, patch, events of an object for both Event APIs")
    func logsPatchEvents() async throws {
        try await Server.with { server in
            server.script([
                .text(200, "line 1\nline 2\n"),
                .json(400, Server.status(400, "BadRequest", "previous terminated container \"app\" in pod \"web-1\" not found")),
                .json(200, Server.pod("web-1", resourceVersion: "9")),
                .json(200, Server.list([["metadata": ["name": "e1"], "note": "Back-off"]], resourceVersion: "5")),
                .json(200, Server.list([["metadata": ["name": "e2"], "message": "Pulled"]], resourceVersion: "5")),
            ])
            try await using(try makeClient(server)) { client in
                #expect(
                    try await client.logs(namespace: "prod", pod: "web-1", container: "app", previous: false, tailLines: 50)
                        == "line 1\nline 2\n")
                #expect(try await client.logs(namespace: "prod", pod: "web-1", container: "app", previous: true, tailLines: nil) == nil)
                _ = try await client.patch(
                    .pod, namespace: "prod", name: "web-1", patch: ["metadata": ["labels": ["a": "b"]]], type: .merge)
                let events = try await client.events(regardingKind: "Pod", name: "web-1", namespace: "prod")
                #expect(events.map(\.kind) == ["Event"])
                #expect(events.map(\.apiVersion) == ["events.k8s.io/v1"])
                let core = try await client.coreEvents(involvedKind: "Pod", name: "web-1", namespace: "prod")
                #expect(core.map(\.apiVersion) == ["v1"])
            }
            let requests = server.requests
            #expect(requests[0].path == "/api/v1/namespaces/prod/pods/web-1/log")
            #expect(requests[0].query == ["container": "app", "tailLines": "50"])
            #expect(requests[1].query == ["container": "app", "previous": "true"])
            #expect(requests[2].headers["content-type"] == "application/merge-patch+json")
            #expect(requests[2].json == ["metadata": ["labels": ["a": "b"]]])
            #expect(requests[3].path == "/apis/events.k8s.io/v1/namespaces/prod/events")
            #expect(requests[3].query["fieldSelector"] == "regarding.kind=Pod,regarding.name=web-1,regarding.namespace=prod")
            #expect(requests[4].path == "/api/v1/namespaces/prod/events")
            #expect(
                requests[4].query["fieldSelector"] == "involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.namespace=prod")
        }
    }

    @Test("a watch decodes events line by line across chunks, with bookmarks and an ERROR Status")
    func watchDecoding() async throws {
        try await Server.with { server in
            server.script([
                .watch(
                    [
                        Server.event("ADDED", Server.pod("a", resourceVersion: "11")),
                        Server.bookmark("12"),
                        Server.event("MODIFIED", Server.pod("a", resourceVersion: "13")),
                        Server.event("DELETED", Server.pod("a", resourceVersion: "14")),
                        Server.event("ERROR", Server.status(410, "Expired", "too old resource version: 10 (14)")),
                    ], chunked: true)
            ])
            try await using(try makeClient(server)) { client in
                var events: [KubernetesWatchEvent] = []
                for try await event in client.watch(.pod, namespace: "prod", resourceVersion: "10", timeoutSeconds: 30) {
                    events.append(event)
                }
                let typed = { (json: JSONValue) -> KubernetesObject in
                    guard case .object(var members) = json else { return KubernetesObject(json: json) }
                    members["kind"] = "Pod"
                    members["apiVersion"] = "v1"
                    return KubernetesObject(json: .object(members))
                }
                #expect(
                    events == [
                        .added(typed(Server.pod("a", resourceVersion: "11"))), .bookmark(resourceVersion: "12"),
                        .modified(typed(Server.pod("a", resourceVersion: "13"))),
                        .deleted(typed(Server.pod("a", resourceVersion: "14"))),
                        .error(
                            KubernetesAPIError(
                                code: 410, reason: "Expired", message: "too old resource version: 10 (14)", verb: "watch", resource: "pods",
                                namespace: "prod")),
                    ])
            }
            let query = server.requests[0].query
            #expect(server.requests[0].path == "/api/v1/namespaces/prod/pods")
            #expect(
                query == ["watch": "true", "resourceVersion": "10", "allowWatchBookmarks": "true", "timeoutSeconds": "30"])
        }
    }

    @Test("a watch line longer than the bound ends the watch with an error")
    func watchLineBound() async throws {
        try await Server.with { server in
            server.script([.watch([Server.event("ADDED", Server.pod(String(repeating: "x", count: 3000), resourceVersion: "1"))])])
            try await using(try makeClient(server) { $0.maxWatchLineBytes = 1024 }) { client in
                let error = await #expect(throws: KubernetesWatchError.self) {
                    for try await _ in client.watch(.pod, namespace: nil, resourceVersion: nil) {}
                }
                #expect(error?.description == "a watch of pods sent a line longer than 1024 bytes")
            }
        }
    }

    /// A dropped watch ends with an error after what it sent. (The idle timeout, a real read timeout
    /// of AsyncHTTPClient that takes no injected clock, is not tested: on a busy machine any short
    /// timeout would fire early.)
    @Test("a dropped watch ends with an error after the events it sent")
    func watchDrop() async throws {
        try await Server.with { server in
            let (read, reader) = AsyncStream.makeStream(of: Void.self)
            server.script([
                .watch(
                    [Server.event("ADDED", Server.pod("b", resourceVersion: "2"))],
                    end: .drop(after: { for await _ in read {} }))
            ])
            try await using(try makeClient(server)) { client in
                var names: [String?] = []
                await #expect(throws: (any Error).self) {
                    for try await event in client.watch(.pod, namespace: nil, resourceVersion: "0") {
                        if case .added(let object) = event { names.append(object.name) }
                        reader.finish()
                    }
                }
                #expect(names == ["b"])
            }
        }
    }
}
