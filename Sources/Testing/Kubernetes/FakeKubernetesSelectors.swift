import Triggerfish

/// A label selector in Kubernetes' string form: comma-separated requirements `k=v`, `k==v`,
/// `k!=v`, `k` (exists), `!k` (does not exist), `k in (a,b)` and `k notin (a,b)`, all of which
/// must hold. (The core's `LabelSelector` parses Robusta's equality-only form, so the fake has its own.)
struct FakeLabelSelector: Sendable, Hashable {
    enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case notExists(String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
    }

    var requirements: [Requirement]

    static let everything = FakeLabelSelector(requirements: [])

    /// Parses the string form; throws a 400 Status as the API server does for a selector it cannot read.
    init(parsing text: String) throws(FakeKubernetesStatus) {
        var requirements: [Requirement] = []
        for raw in Self.split(text) {
            let entry = raw.trimmed
            if entry.isEmpty {
                if text.trimmed.isEmpty { continue }
                throw .badRequest("unable to parse requirement: found '', expected: identifier")
            }
            requirements.append(try Self.requirement(entry))
        }
        self.requirements = requirements
    }

    init(requirements: [Requirement]) { self.requirements = requirements }

    /// A `LabelSelector` object (`matchLabels`, `matchExpressions`), as PodDisruptionBudgets and
    /// workloads hold it. `nil` selects nothing; an empty selector selects everything.
    init?(object: JSONValue?) {
        guard let object, case .object = object else { return nil }
        var requirements: [Requirement] = []
        for (key, value) in object["matchLabels"]?.objectValue ?? [:] {
            requirements.append(.equals(key, value.stringValue ?? ""))
        }
        for expression in object["matchExpressions"]?.arrayValue ?? [] {
            let key = expression["key"]?.stringValue ?? ""
            let values = Set((expression["values"]?.arrayValue ?? []).compactMap(\.stringValue))
            switch expression["operator"]?.stringValue {
            case "In": requirements.append(.isIn(key, values))
            case "NotIn": requirements.append(.notIn(key, values))
            case "Exists": requirements.append(.exists(key))
            case "DoesNotExist": requirements.append(.notExists(key))
            default: return nil
            }
        }
        self.requirements = requirements
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .exists(let key): labels[key] != nil
            case .notExists(let key): labels[key] == nil
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): labels[key].map { !values.contains($0) } ?? true
            }
        }
    }

    /// Splits at commas outside parentheses.
    static func split(_ text: String) -> [Substring] {
        var entries: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case "(": depth += 1
            case ")": depth = max(0, depth - 1)
            case "," where depth == 0:
                entries.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        entries.append(text[start...])
        return entries
    }

    static func requirement(_ entry: String) throws(FakeKubernetesStatus) -> Requirement {
        if entry.hasPrefix("!") {
            let key = String(entry.dropFirst()).trimmed
            try validate(key: key)
            return .notExists(key)
        }
        for (word, isIn) in [(" notin ", false), (" in ", true)] {
            if let range = entry.range(of: word) {
                let key = String(entry[..<range.lowerBound]).trimmed
                try validate(key: key)
                let rest = entry[range.upperBound...].trimmed
                guard rest.hasPrefix("("), rest.hasSuffix(")") else {
                    throw .badRequest("unable to parse requirement: found '\(rest)', expected: '('")
                }
                let values = Set(rest.dropFirst().dropLast().split(separator: ",").map { String($0).trimmed })
                return isIn ? .isIn(key, values) : .notIn(key, values)
            }
        }
        for (operation, kind) in [("!=", 0), ("==", 1), ("=", 1)] {
            if let range = entry.range(of: operation) {
                let key = String(entry[..<range.lowerBound]).trimmed
                let value = String(entry[range.upperBound...]).trimmed
                try validate(key: key)
                try validate(value: value, key: key)
                return kind == 0 ? .notEquals(key, value) : .equals(key, value)
            }
        }
        try validate(key: entry)
        return .exists(entry)
    }

    static func validate(key: String) throws(FakeKubernetesStatus) {
        let name = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).last.map(String.init) ?? key
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard allowed, !name.isEmpty, name.count <= 63 else {
            throw .badRequest("unable to parse requirement: invalid label key \"\(key)\"")
        }
    }

    static func validate(value: String, key: String) throws(FakeKubernetesStatus) {
        let allowed = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
        guard allowed, value.count <= 63 else {
            throw .badRequest("unable to parse requirement: invalid label value: \"\(value)\" for key \"\(key)\"")
        }
    }
}

/// A field selector: comma-separated `field=value`, `field==value` or `field!=value` on the fields
/// the API server supports for the resource (`metadata.name` and `metadata.namespace` for all;
/// pods: `spec.nodeName`, `status.phase`, ...; core events: `involvedObject.*`, `reason`, `type`;
/// events.k8s.io: `regarding.*`, `reason`, `type`). Another field is a 400, as on a real server.
struct FakeFieldSelector: Sendable, Hashable {
    struct Requirement: Sendable, Hashable {
        var field: String
        var value: String
        var equal: Bool
    }

    var requirements: [Requirement]

    static let everything = FakeFieldSelector(requirements: [])

    init(requirements: [Requirement]) { self.requirements = requirements }

    init(parsing text: String, for resource: KubernetesResource) throws(FakeKubernetesStatus) {
        var requirements: [Requirement] = []
        for raw in text.split(separator: ",") {
            let entry = String(raw).trimmed
            guard !entry.isEmpty else { continue }
            var parsed: Requirement?
            for (operation, equal) in [("!=", false), ("==", true), ("=", true)] {
                if let range = entry.range(of: operation) {
                    parsed = Requirement(
                        field: String(entry[..<range.lowerBound]).trimmed, value: String(entry[range.upperBound...]).trimmed, equal: equal)
                    break
                }
            }
            guard let parsed else { throw .badRequest("invalid selector: '\(entry)'; can't understand '\(entry)'") }
            guard Self.supported(by: resource).contains(parsed.field) else {
                throw .badRequest("field label not supported: \(parsed.field)")
            }
            requirements.append(parsed)
        }
        self.requirements = requirements
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            // A core event's `source` field is its reporting component.
            let path = requirement.field == "source" ? "source.component" : requirement.field
            return (Self.text(object.value(atPath: path)) == requirement.value) == requirement.equal
        }
    }

    static func text(_ value: JSONValue?) -> String {
        switch value {
        case .string(let text): text
        case .int(let number): String(number)
        case .bool(let flag): flag ? "true" : "false"
        case .double(let number): String(number)
        default: ""
        }
    }

    /// The fields the API server accepts in a field selector for the resource.
    static func supported(by resource: KubernetesResource) -> Set<String> {
        var fields: Set<String> = ["metadata.name", "metadata.namespace"]
        switch (resource.group, resource.plural) {
        case ("", "pods"):
            fields.formUnion([
                "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                "status.phase", "status.podIP", "status.nominatedNodeName",
            ])
        case ("", "events"):
            fields.formUnion([
                "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                "reportingComponent", "source", "type",
            ])
        case ("events.k8s.io", "events"):
            fields.formUnion([
                "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "regarding.apiVersion",
                "regarding.resourceVersion", "regarding.fieldPath", "reason", "reportingController", "type",
            ])
        case ("", "nodes"): fields.insert("spec.unschedulable")
        case ("", "namespaces"): fields.insert("status.phase")
        case ("", "secrets"): fields.insert("type")
        case ("apps", "replicasets"), ("", "replicationcontrollers"): fields.insert("status.replicas")
        case ("batch", "jobs"): fields.insert("status.successful")
        default: break
        }
        return fields
    }
}

extension StringProtocol {
    var trimmed: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text = text.dropFirst() }
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}
