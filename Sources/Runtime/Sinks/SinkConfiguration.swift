/// One entry of `sinks_config`: the sink type, its name, and the parameters every sink shares.
///
/// `activity`, `mute_intervals` and `grouping` are kept in ``parameters`` but not applied yet:
/// a sink with them receives findings at all times, ungrouped.
public struct SinkConfiguration: Sendable {
    /// The sink type key: `console_sink`, `file_sink`, `webhook_sink`, `slack_sink`, ...
    public var type: String
    /// The unique name playbooks list sinks by.
    public var name: String
    /// `default`: whether findings of playbooks that list no sinks go here (true when absent).
    public var isDefault: Bool
    /// `stop`: once this sink accepted a finding, routing ends for the event.
    public var stop: Bool
    /// The sink's whole parameter mapping, as configured.
    public var parameters: JSONValue
    let scope: CompiledScope?
    let match: LegacyMatch

    /// Reads `name`, `default`, `scope`, `match` and `stop` from a sink's parameters.
    /// - Throws: ``ParameterError`` for a missing name, a value of the wrong type, or a bad regex
    ///   or matcher in `scope` or `match` (the path names it: `webhook_sink.scope.include[0].name`).
    public init(type: String, parameters: JSONValue) throws(ParameterError) {
        let reader = try ParameterReader(parameters, path: type)
        self.type = type
        self.name = try reader.required("name")
        self.isDefault = try reader.value("default", default: true)
        self.stop = try reader.value("stop", default: false)
        self.parameters = parameters
        let scopeParameters: ScopeParameters? = try reader.optional("scope")
        self.scope = try scopeParameters.map { (parameters) throws(ParameterError) in
            try CompiledScope(parameters, path: type + ".scope")
        }
        self.match = try LegacyMatch(reader.optional("match"), path: type + ".match")
    }

    /// Whether the sink takes a finding: its `scope`, then its legacy `match`.
    public func accepts(_ finding: Finding) -> Bool {
        if let scope, !scope.accepts(finding.scopeValue) { return false }
        return match.accepts(finding)
    }
}

/// The legacy sink `match`: each attribute's regex must match at the start of the finding's value
/// (Python's `re.match`); a list means any of its regexes. `labels` and `annotations` take
/// `"k=v,k2=v2"`, a subset the finding's labels must contain with equal values. An unknown
/// attribute rejects every finding, as in Robusta. A value the finding does not have (a subject
/// without namespace, the finding `type`) is the empty string.
struct LegacyMatch: Sendable {
    static let attributes: Set<String> = [
        "title", "identifier", "severity", "source", "type", "kind", "namespace", "node", "name", "labels", "annotations",
    ]

    enum Rule: Sendable {
        case regexes(attribute: String, [ScopeRegex])
        case subsets(attribute: String, [[String: String]])
    }

    let rules: [Rule]
    let unknownAttributes: [String]

    init(_ value: JSONValue?, path: String) throws(ParameterError) {
        guard let value else {
            rules = []
            unknownAttributes = []
            return
        }
        guard case .object(let members) = value else {
            throw ParameterError(path: path, message: "expected a mapping of finding attributes to regexes, found \(value.kindDescription)")
        }
        var rules: [Rule] = []
        var unknown: [String] = []
        for attribute in members.keys.sorted() {
            let attributePath = path + "." + attribute
            guard Self.attributes.contains(attribute) else {
                unknown.append(attribute)
                continue
            }
            let expressions: [String]
            switch members[attribute] {
            case .string(let one)?: expressions = [one]
            case let other?: expressions = try [String](parameterValue: other, path: attributePath)
            case nil: expressions = []
            }
            if attribute == "labels" || attribute == "annotations" {
                var subsets: [[String: String]] = []
                for expression in expressions {
                    var subset: [String: String] = [:]
                    for item in expression.split(separator: ",") {
                        guard let equals = item.firstIndex(of: "=") else {
                            throw ParameterError(path: attributePath, message: "'\(item.trimmed)' in '\(expression)' is not 'key=value'")
                        }
                        subset[item[..<equals].trimmed] = item[item.index(after: equals)...].trimmed
                    }
                    subsets.append(subset)
                }
                rules.append(.subsets(attribute: attribute, subsets))
            } else {
                var regexes: [ScopeRegex] = []
                for expression in expressions { regexes.append(try ScopeRegex(expression, path: attributePath)) }
                rules.append(.regexes(attribute: attribute, regexes))
            }
        }
        self.rules = rules
        self.unknownAttributes = unknown
    }

    func accepts(_ finding: Finding) -> Bool {
        guard unknownAttributes.isEmpty else { return false }
        return rules.allSatisfy { rule in
            switch rule {
            case .regexes(let attribute, let regexes):
                let text: String
                if case .text(let value)? = finding.scopeValue(attribute) { text = value } else { text = "" }
                return regexes.contains { $0.prefixMatches(text) }
            case .subsets(let attribute, let subsets):
                guard case .pairs(let pairs)? = finding.scopeValue(attribute) else { return false }
                return subsets.contains { subset in subset.allSatisfy { pairs[$0.key] == $0.value } }
            }
        }
    }
}
