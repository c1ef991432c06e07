import Foundation
import Synchronization

@testable import Triggerfish

/// An in-process Kubernetes API for action tests: objects by resource, namespace and name; lists
/// filtered by label selectors (`k=v`, `k!=v`, `k`, `!k`, `k in (a,b)`) and field selectors
/// (`path=v`, `path!=v`, read from the object's JSON); pod logs; every request recorded in order;
/// and refusals (``KubernetesAPIError``) injected per verb and resource.
final class FakeKubernetesAPI: KubernetesAPI {
    struct State {
        var objects: [KubernetesObject] = []
        var logs: [String: String] = [:]
        var requests: [String] = []
        var refusals: [String: KubernetesAPIError] = [:]
        var evictionRefusals: [String: KubernetesAPIError] = [:]
    }

    let state = Mutex(State())

    init(_ objects: [KubernetesObject] = []) {
        state.withLock { $0.objects = objects }
    }

    /// The requests so far: `get pods default/web-1`, `list events.events.k8s.io default fieldSelector=...`,
    /// `patch nodes n1 application/strategic-merge-patch+json {...}`, `create pods/eviction default/web-1`.
    var requests: [String] { state.withLock { $0.requests } }

    func add(_ object: KubernetesObject) { state.withLock { $0.objects.append(object) } }

    /// The log of `pod`'s `container` (its previous run with `previous`).
    func setLog(_ text: String, namespace: String, pod: String, container: String, previous: Bool = false) {
        state.withLock { $0.logs["\(namespace)/\(pod)/\(container)/\(previous)"] = text }
    }

    /// Refuses every `verb` on `resource` (`pods`, `nodes`, `events.events.k8s.io`, `pods/log`, `pods/eviction`).
    func refuse(_ verb: String, _ resource: String, code: Int = 403, reason: String = "Forbidden", message: String? = nil) {
        let message =
            message
            ?? "\(resource) is forbidden: User \"system:serviceaccount:triggerfish:runner\" cannot \(verb) resource \"\(resource)\""
        state.withLock {
            $0.refusals["\(verb) \(resource)"] = KubernetesAPIError(
                code: code, reason: reason, message: message, verb: verb, resource: resource)
        }
    }

    /// Refuses the eviction of one pod (429 when a PodDisruptionBudget does not allow it).
    func refuseEviction(namespace: String, pod: String, error: KubernetesAPIError) {
        state.withLock { $0.evictionRefusals["\(namespace)/\(pod)"] = error }
    }

    func record(_ verb: String, _ resource: String, _ detail: String, namespace: String? = nil, name: String? = nil) throws {
        let refusal = state.withLock { state -> KubernetesAPIError? in
            state.requests.append([verb, resource, detail].filter { !$0.isEmpty }.joined(separator: " "))
            return state.refusals["\(verb) \(resource)"]
        }
        if var refusal {
            refusal.namespace = namespace
            refusal.name = name
            throw refusal
        }
    }

    static func matches(_ object: KubernetesObject, _ resource: KubernetesResource) -> Bool {
        object.kind == resource.kind && (object.apiVersion ?? resource.apiVersion) == resource.apiVersion
    }

    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? {
        try record(
            "get", resource.description, [namespace, name].compactMap { $0 }.joined(separator: "/"), namespace: namespace, name: name)
        return state.withLock { state in
            state.objects.first { Self.matches($0, resource) && $0.name == name && (namespace == nil || $0.namespace == namespace) }
        }
    }

    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    {
        var detail = [namespace ?? "all-namespaces"]
        if let labelSelector { detail.append("labelSelector=\(labelSelector)") }
        if let fieldSelector { detail.append("fieldSelector=\(fieldSelector)") }
        try record("list", resource.description, detail.joined(separator: " "), namespace: namespace)
        return state.withLock { state in
            state.objects.filter { object in
                Self.matches(object, resource) && (namespace == nil || object.namespace == namespace)
                    && Self.labels(labelSelector ?? "", match: object) && Self.fields(fieldSelector ?? "", match: object)
            }
        }
    }

    static func split(_ selector: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for character in selector {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { parts.append(current) }
        return parts.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func labels(_ selector: String, match object: KubernetesObject) -> Bool {
        let labels = object.labels
        return split(selector).allSatisfy { term in
            if let range = term.range(of: "!=") { return labels[String(term[..<range.lowerBound])] != String(term[range.upperBound...]) }
            if let range = term.range(of: "=") { return labels[String(term[..<range.lowerBound])] == String(term[range.upperBound...]) }
            let words = term.split(separator: " ", maxSplits: 2).map(String.init)
            if words.count == 3 {
                let values = words[2].trimmingCharacters(in: CharacterSet(charactersIn: "()")).split(separator: ",").map(String.init)
                let value = labels[words[0]]
                return words[1].lowercased() == "in" ? value.map(values.contains) ?? false : !(value.map(values.contains) ?? false)
            }
            if term.hasPrefix("!") { return labels[String(term.dropFirst())] == nil }
            return labels[term] != nil
        }
    }

    static func fields(_ selector: String, match object: KubernetesObject) -> Bool {
        split(selector).allSatisfy { term in
            let negated = term.contains("!=")
            let parts = term.components(separatedBy: negated ? "!=" : "=")
            guard parts.count == 2 else { return false }
            let value = object.json.value(atPath: parts[0])?.stringValue ?? ""
            return negated ? value != parts[1] : value == parts[1]
        }
    }

    func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        try record(
            "get", "pods/log", "\(namespace)/\(pod) container=\(container ?? "-") previous=\(previous)", namespace: namespace, name: pod)
        return state.withLock { $0.logs["\(namespace)/\(pod)/\(container ?? "")/\(previous)"] }
    }

    func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject {
        try record("create", resource.description, [object.namespace, object.name].compactMap { $0 }.joined(separator: "/"))
        add(object)
        return object
    }

    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    {
        let target = [namespace, name].compactMap { $0 }.joined(separator: "/")
        try record("patch", resource.description, "\(target) \(type.rawValue) \(patch.yamlText)", namespace: namespace, name: name)
        guard let object = state.withLock({ $0.objects.first { Self.matches($0, resource) && $0.name == name } }) else {
            throw KubernetesAPIError(
                code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found", verb: "patch", resource: resource.description,
                namespace: namespace, name: name)
        }
        return object
    }

    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws {
        try record(
            "delete", resource.description, [namespace, name].compactMap { $0 }.joined(separator: "/"), namespace: namespace, name: name)
        let removed = state.withLock { state in
            let before = state.objects.count
            state.objects.removeAll { Self.matches($0, resource) && $0.name == name && $0.namespace == namespace }
            return before != state.objects.count
        }
        if !removed {
            throw KubernetesAPIError(
                code: 404, reason: "NotFound", message: "\(resource) \"\(name)\" not found", verb: "delete", resource: resource.description,
                namespace: namespace, name: name)
        }
    }

    func evict(namespace: String, pod: String) async throws {
        try record("create", "pods/eviction", "\(namespace)/\(pod)", namespace: namespace, name: pod)
        if let refusal = state.withLock({ $0.evictionRefusals["\(namespace)/\(pod)"] }) { throw refusal }
    }
}
