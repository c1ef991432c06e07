/// A sink's legacy `match`, compiled by the validator: each attribute's regex must match at the
/// start of the finding's value (Python's `re.match`); a list means any of its regexes. `labels`
/// and `annotations` take `"k=v,k2=v2"`, a subset the finding's labels must contain with equal
/// values. An unknown attribute rejects every finding, as in Robusta (the validator warns). A
/// value the finding does not have (a subject without namespace, the finding `type`) is the
/// empty string.
public struct FindingMatch: Sendable {
    public static let attributes = [
        "title", "identifier", "severity", "source", "type", "kind", "namespace", "node", "name", "labels", "annotations",
    ]

    enum Rule: Sendable {
        case regexes(attribute: String, [ScopeRegex])
        case subsets(attribute: String, [[String: String]])
    }

    let rules: [Rule]
    let unknownAttributes: [String]

    /// Matches every finding (no `match` configured).
    public static let all = FindingMatch(rules: [], unknownAttributes: [])

    /// Whether a finding passes.
    /// - Parameter lookup: the finding's value of a scope attribute, `nil` when it has none.
    public func accepts(_ lookup: (String) -> ScopeValue?) -> Bool {
        guard unknownAttributes.isEmpty else { return false }
        return rules.allSatisfy { rule in
            switch rule {
            case .regexes(let attribute, let regexes):
                let text: String
                if case .text(let value)? = lookup(attribute) { text = value } else { text = "" }
                return regexes.contains { $0.prefixMatches(text) }
            case .subsets(let attribute, let subsets):
                guard case .pairs(let pairs)? = lookup(attribute) else { return false }
                return subsets.contains { subset in subset.allSatisfy { pairs[$0.key] == $0.value } }
            }
        }
    }

    /// Compiles `match` (`what` names it: "'match' of sink 'alerts'"), reporting every problem
    /// at its position; `nil` when there are errors.
    static func compile(_ node: YAMLNode, what: String, into diagnostics: inout DiagnosticList) -> FindingMatch? {
        if node.scalar?.value == .null { return .all }
        guard let pairs = node.mapping else {
            diagnostics.error(node.location, "\(what) must be a mapping of finding attributes to regexes, found \(node.foundDescription)")
            return nil
        }
        var rules: [Rule] = []
        var unknown: [String] = []
        var failed = false
        // Sorted so that evaluation order (and so cost) does not depend on the config's order.
        for pair in pairs.sorted(by: { $0.key < $1.key }) {
            guard attributes.contains(pair.key) else {
                diagnostics.warning(
                    pair.keyLocation,
                    "unknown attribute '\(pair.key)' in \(what): as in Robusta, this sink then accepts no findings; attributes: "
                        + attributes.joined(separator: ", ") + Suggestions.didYouMean(pair.key, in: attributes))
                unknown.append(pair.key)
                continue
            }
            let attributeWhat = "'\(pair.key)' in \(what)"
            let items = pair.value.sequence ?? [pair.value]
            var expressions: [(String, YAMLNode)] = []
            for item in items {
                guard case .string(let text)? = item.scalar?.value else {
                    diagnostics.error(
                        item.location, "\(attributeWhat) must be a string or a list of strings, found \(item.foundDescription)")
                    failed = true
                    continue
                }
                expressions.append((text, item))
            }
            if pair.key == "labels" || pair.key == "annotations" {
                var subsets: [[String: String]] = []
                for (expression, item) in expressions {
                    var subset: [String: String] = [:]
                    for part in expression.split(separator: ",") {
                        guard let equals = part.firstIndex(of: "=") else {
                            diagnostics.error(
                                item.location,
                                "invalid \(pair.key) matcher '\(expression)' in \(what): '\(part.trimmed)' is not 'key=value'")
                            failed = true
                            continue
                        }
                        subset[part[..<equals].trimmed] = part[part.index(after: equals)...].trimmed
                    }
                    subsets.append(subset)
                }
                rules.append(.subsets(attribute: pair.key, subsets))
            } else {
                var regexes: [ScopeRegex] = []
                for (expression, item) in expressions {
                    switch ScopeRegex.compile(expression) {
                    case .success(let regex):
                        regexes.append(regex)
                        diagnostics.warnAboutNestedQuantifiers(regex, at: item.location, what: attributeWhat)
                    case .failure(let problem):
                        diagnostics.error(item.location, "invalid regex '\(expression)' in \(attributeWhat): \(problem.message)")
                        failed = true
                    }
                }
                rules.append(.regexes(attribute: pair.key, regexes))
            }
        }
        return failed ? nil : FindingMatch(rules: rules, unknownAttributes: unknown)
    }
}
