import Foundation
import Testing
import TriggerfishTestSupport
import Yams

/// docs/openapi.yaml, the contract of `triggerfish serve`'s HTTP API, is well-formed: every endpoint,
/// method and status code is there, references resolve, and auth and limits are described.
@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    static let url = repositoryRoot.appendingPathComponent("docs/openapi.yaml")

    /// Every operation with its documented status codes.
    static let expected: [String: [String: Set<String>]] = [
        "/api/handle": ["post": ["200", "400", "401", "403", "408", "413", "503"]],
        "/api/alerts": ["post": ["200", "400", "401", "403", "408", "413", "503"]],
        "/api/trigger": ["post": ["200", "400", "401", "403", "408", "413", "503"]],
        "/api/playbooks/reload": ["post": ["200", "401", "403", "422", "503"]],
        "/healthz": ["get": ["200"]],
        "/readyz": ["get": ["200", "503"]],
        "/metrics": ["get": ["200"]],
    ]

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    static func load() throws -> [String: Any] {
        let text = try String(contentsOf: url, encoding: .utf8)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    static func operations(_ document: [String: Any]) throws -> [(path: String, method: String, operation: [String: Any])] {
        let paths = try #require(document["paths"] as? [String: Any])
        var operations: [(String, String, [String: Any])] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            let item = try #require(item as? [String: Any], "\(path)")
            for (method, operation) in item.sorted(by: { $0.key < $1.key }) where methods.contains(method) {
                operations.append((path, method, try #require(operation as? [String: Any], "\(method) \(path)")))
            }
        }
        return operations
    }

    /// Follows a `$ref` within the document (`#/components/...`).
    static func resolve(_ value: Any?, in document: [String: Any]) throws -> [String: Any] {
        let object = try #require(value as? [String: Any])
        guard let reference = object["$ref"] as? String else { return object }
        #expect(reference.hasPrefix("#/"), "only local references: \(reference)")
        var node: Any = document
        for part in reference.dropFirst(2).split(separator: "/") {
            node = try #require((node as? [String: Any])?[String(part)], "\(reference) does not resolve")
        }
        return try resolve(node, in: document)
    }

    @Test("is OpenAPI 3.0.3 with every endpoint, method and status code")
    func endpoints() throws {
        let document = try Self.load()
        #expect(document["openapi"] as? String == "3.0.3")
        let info = try #require(document["info"] as? [String: Any])
        #expect(info["title"] as? String == "Triggerfish runner")
        var found: [String: [String: Set<String>]] = [:]
        for (path, method, operation) in try Self.operations(document) {
            let responses = try #require(operation["responses"] as? [String: Any], "\(method) \(path) has no responses")
            found[path, default: [:]][method] = Set(responses.keys)
        }
        #expect(found == Self.expected)
    }

    @Test("every reference resolves and every JSON response and request has a schema")
    func references() throws {
        let document = try Self.load()
        var references: [String] = []
        func collect(_ value: Any) {
            if let object = value as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append(reference) }
                object.values.forEach(collect)
            } else if let array = value as? [Any] {
                array.forEach(collect)
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in Set(references) {
            _ = try Self.resolve(["$ref": reference], in: document)
        }
        for (path, method, operation) in try Self.operations(document) {
            let responses = try #require(operation["responses"] as? [String: Any])
            for (status, response) in responses {
                let response = try Self.resolve(response, in: document)
                #expect(response["description"] is String, "\(method) \(path) \(status) has no description")
                let content = try #require(response["content"] as? [String: Any], "\(method) \(path) \(status) has no content")
                for (mediaType, media) in content {
                    let schema = (media as? [String: Any])?["schema"]
                    #expect(schema != nil, "\(method) \(path) \(status) \(mediaType) has no schema")
                }
            }
            if let body = operation["requestBody"] {
                let body = try Self.resolve(body, in: document)
                let media = (body["content"] as? [String: Any])?["application/json"] as? [String: Any]
                #expect(media?["schema"] != nil, "\(method) \(path): the request body has no JSON schema")
            }
        }
    }

    @Test("auth: a bearer scheme, required on the control endpoints, optional on inputs, none on operations; 503s say when to retry")
    func authentication() throws {
        let document = try Self.load()
        let schemes = try #require((document["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])
        let bearer = try #require(schemes["bearer"] as? [String: Any])
        #expect(bearer["type"] as? String == "http")
        #expect(bearer["scheme"] as? String == "bearer")
        let expected: [String: String] = [
            "/api/handle": "optional", "/api/alerts": "optional", "/api/trigger": "required", "/api/playbooks/reload": "required",
            "/healthz": "none", "/readyz": "none", "/metrics": "none",
        ]
        for (path, method, operation) in try Self.operations(document) {
            let security = try #require(operation["security"] as? [[String: Any]], "\(method) \(path) must say its security")
            let names = security.map { $0.keys.sorted() }
            let kind: String =
                switch names {
                case []: "none"
                case [["bearer"]]: "required"
                case [[], ["bearer"]]: "optional"
                default: "\(names)"
                }
            #expect(kind == expected[path], "\(method) \(path)")
            let responses = try #require(operation["responses"] as? [String: Any])
            #expect((responses["401"] != nil) == (kind != "none"), "\(method) \(path): 401 exactly where a token can be required")
            #expect((responses["403"] != nil) == (kind != "none"), "\(method) \(path): 403 exactly where a token can be required")
            if let unauthorized = responses["401"] {
                let headers = try Self.resolve(unauthorized, in: document)["headers"] as? [String: Any]
                #expect(headers?["WWW-Authenticate"] != nil, "\(method) \(path): 401 without WWW-Authenticate")
            }
            if path.hasPrefix("/api/"), let unavailable = responses["503"] {
                let headers = try Self.resolve(unavailable, in: document)["headers"] as? [String: Any]
                #expect(headers?["Retry-After"] != nil, "\(method) \(path): 503 without Retry-After")
            }
        }
    }

    @Test("the error answers of /api endpoints are {success: false, msg}")
    func failures() throws {
        let document = try Self.load()
        for (path, method, operation) in try Self.operations(document) where path.hasPrefix("/api/") {
            let responses = try #require(operation["responses"] as? [String: Any])
            for (status, response) in responses where status != "200" {
                let media = try #require(
                    (Self.resolve(response, in: document)["content"] as? [String: Any])?["application/json"] as? [String: Any])
                let schema = try Self.resolve(media["schema"], in: document)
                let required = Set(schema["required"] as? [String] ?? [])
                #expect(required.isSuperset(of: ["success", "msg"]), "\(method) \(path) \(status)")
                let success = try Self.resolve((schema["properties"] as? [String: Any])?["success"], in: document)
                #expect(success["enum"] as? [Bool] == [false], "\(method) \(path) \(status)")
            }
        }
    }
}
