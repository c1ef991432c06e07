import Foundation
import Triggerfish
import _TriggerfishCore

/// A YAML node as the JSON value the runtime reads parameters from.
public func jsonValue(_ node: YAMLNode) -> JSONValue {
    switch node.content {
    case .scalar(let scalar):
        switch scalar.value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        }
    case .sequence(let items): return .array(items.map(jsonValue))
    case .mapping(let pairs):
        return .object(Dictionary(pairs.map { ($0.key, jsonValue($0.value)) }, uniquingKeysWith: { first, _ in first }))
    }
}

/// A table of sink-scope cases in the format of Robusta's `tests/scope_test_config.yaml`: tests,
/// each a `scope` and `checks`, each check a `finding` (Robusta's field names), optional
/// `namespace_labels` and whether the scope accepts the finding (`expected`).
public struct ScopeTable: Sendable {
    /// One check.
    public struct Case: Sendable, CustomStringConvertible {
        public var number: Int
        public var scope: JSONValue
        public var message: String
        public var finding: JSONValue
        public var namespaceLabels: [String: String]?
        public var expected: Bool

        public var description: String { "case \(number): \(message)" }
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    public var cases: [Case]

    /// Reads a table; throws when the text is not one.
    public init(text: String, file: String) throws {
        let parsed = YAMLDocument.parse(text, file: file)
        guard let root = parsed.root, parsed.diagnostics.isEmpty else {
            throw FormatError(description: "\(file) is not YAML: \(parsed.diagnostics.map(\.description))")
        }
        var cases: [Case] = []
        for test in root["tests"]?.sequence ?? [] {
            guard let scope = test["scope"] else { throw FormatError(description: "\(file):\(test.location.line): a test without 'scope'") }
            for check in test["checks"]?.sequence ?? [] {
                guard let finding = check["finding"], let expected = check["expected"]?.scalar?.value else {
                    throw FormatError(description: "\(file):\(check.location.line): a check needs 'finding' and 'expected'")
                }
                let namespaceLabels = check["namespace_labels"].map(jsonValue)?.objectValue?.compactMapValues(\.stringValue)
                cases.append(
                    Case(
                        number: cases.count + 1, scope: jsonValue(scope), message: check["message"]?.scalar?.string ?? "",
                        finding: jsonValue(finding), namespaceLabels: namespaceLabels, expected: expected == .bool(true)))
            }
        }
        self.cases = cases
    }

    /// A ``Finding`` built from a table's finding (Robusta's field names; labels on the finding).
    public static func finding(_ json: JSONValue) -> Finding {
        let subject = json["subject"]
        func strings(_ value: JSONValue?) -> [String: String] { value?.objectValue?.compactMapValues(\.stringValue) ?? [:] }
        return Finding(
            title: json["title"]?.stringValue ?? "",
            severity: json["severity"]?.stringValue.flatMap(Finding.Severity.init(configName:)) ?? .info,
            aggregationKey: json["aggregation_key"]?.stringValue ?? "",
            source: json["source"]?.stringValue?.lowercased() ?? "none",
            subject: FindingSubject(
                kind: subject?["kind"]?.stringValue, name: subject?["name"]?.stringValue, namespace: subject?["namespace"]?.stringValue,
                node: subject?["node"]?.stringValue, labels: strings(json["labels"]), annotations: strings(json["annotations"])))
    }

    /// Whether the case's scope accepts its finding, as a sink scope decides it. What ``Finding``
    /// does not model comes from the case: the finding type, and the namespace labels Robusta
    /// reads from the cluster.
    public static func accepts(_ check: Case) throws -> Bool {
        let scope = try CompiledScope(check.scope)
        let finding = finding(check.finding)
        return scope.accepts { attribute in
            switch attribute {
            case "type": check.finding["finding_type"]?.stringValue.map(ScopeValue.text)
            case "namespace_labels": check.namespaceLabels.map(ScopeValue.pairs)
            default: finding.scopeValue(attribute)
            }
        }
    }

    /// The cases whose result differs from the expected one, as "case N: message: expected X, got Y".
    public func failures() throws -> [String] {
        try cases.compactMap { check in
            let accepted = try Self.accepts(check)
            return accepted == check.expected ? nil : "\(check): expected \(check.expected), got \(accepted)"
        }
    }
}
