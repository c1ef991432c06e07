/// What a scope rule is evaluated against: a plain attribute (`name`, `title`, ...), a key/value
/// map (`labels`, `annotations`, `namespace_labels`) or a raw object (`attributes` of a Kubernetes
/// trigger).
public enum ScopeValue: Sendable {
    case text(String)
    case pairs([String: String])
    case object(JSONValue)
}

/// Robusta's scope (`include` / `exclude`), compiled once (regexes parsed) and evaluated many times.
///
/// - Any matching `exclude` entry rejects.
/// - Otherwise, when `include` is given, some `include` entry must match; without `include`
///   everything not excluded is accepted.
/// - An entry matches when all its attributes match (AND); an attribute matches when any of its
///   expressions matches (OR).
/// - Plain attributes fullmatch their regex against the value.
/// - `labels`, `annotations` and `namespace_labels` take `"k=regex, k2!=regex"`: every comma
///   separated item must hold; the value is trimmed and fullmatched; a missing key fails, even
///   for `!=`.
/// - `attributes` takes `"path=value, path2!=value"` with a path such as `spec.containers[0].name`
///   into the raw object; the leaf value is compared as a string, case-insensitively. A missing
///   path or a non-leaf value fails, even for `!=`.
/// - An attribute the subject does not have (the lookup answers `nil`), or has in another shape
///   than the rule needs, makes its entry not match.
///
/// Regexes use Swift's regex engine with Unicode scalar semantics, which reads the Python/PCRE
/// syntax configs use; the build-time validator checks them with the same engine.
public struct CompiledScope: Sendable {
    let include: [Entry]?
    let exclude: [Entry]?

    /// Compiles a scope.
    /// - Parameters:
    ///   - parameters: the scope as configured.
    ///   - path: where the scope is, for error messages (`on_pod_update.scope`).
    /// - Throws: ``ParameterError`` naming the entry and attribute of a bad regex or matcher.
    public init(_ parameters: ScopeParameters, path: String) throws(ParameterError) {
        if parameters.include == nil && parameters.exclude == nil {
            throw ParameterError(path: path, message: "a scope needs 'include' or 'exclude'")
        }
        include = try Self.compile(parameters.include, path: path + ".include")
        exclude = try Self.compile(parameters.exclude, path: path + ".exclude")
    }

    /// Whether the scope accepts a subject.
    /// - Parameter lookup: the subject's value for an attribute name, `nil` when it has none.
    public func accepts(_ lookup: (String) -> ScopeValue?) -> Bool {
        if let exclude, exclude.contains(where: { $0.matches(lookup) }) { return false }
        if let include { return include.contains { $0.matches(lookup) } }
        return true
    }

    static func compile(_ entries: [ScopeParameters.Entry]?, path: String) throws(ParameterError) -> [Entry]? {
        guard let entries else { return nil }
        if entries.isEmpty { throw ParameterError(path: path, message: "must not be an empty list; remove it instead") }
        var result: [Entry] = []
        for (index, entry) in entries.enumerated() {
            let entryPath = "\(path)[\(index)]"
            if entry.isEmpty { throw ParameterError(path: entryPath, message: "an entry needs at least one attribute") }
            var rules: [Rule] = []
            // Sorted so that evaluation order (and so cost) does not depend on dictionary order.
            for attribute in entry.keys.sorted() {
                let attributePath = entryPath + "." + attribute
                var matchers: [Matcher] = []
                for expression in entry[attribute] ?? [] {
                    matchers.append(try Matcher(attribute: attribute, expression: expression, path: attributePath))
                }
                rules.append(Rule(attribute: attribute, matchers: matchers))
            }
            result.append(Entry(rules: rules))
        }
        return result
    }

    struct Entry: Sendable {
        let rules: [Rule]

        func matches(_ lookup: (String) -> ScopeValue?) -> Bool {
            rules.allSatisfy { rule in
                guard let value = lookup(rule.attribute) else { return false }
                return rule.matchers.contains { $0.matches(value) }
            }
        }
    }

    struct Rule: Sendable {
        let attribute: String
        let matchers: [Matcher]
    }

    enum Matcher: Sendable {
        case regex(ScopeRegex)
        case pairs([PairRule])
        case attributes([AttributeRule])

        init(attribute: String, expression: String, path: String) throws(ParameterError) {
            switch attribute {
            case "labels", "annotations", "namespace_labels":
                var rules: [PairRule] = []
                for item in expression.split(separator: ",") {
                    let (key, negated, value) = try Self.split(item, expression: expression, what: "key", path: path)
                    rules.append(PairRule(key: key, negated: negated, regex: try ScopeRegex(value, path: path)))
                }
                self = .pairs(rules)
            case "attributes":
                var rules: [AttributeRule] = []
                for item in expression.split(separator: ",") {
                    let (key, negated, value) = try Self.split(item, expression: expression, what: "path", path: path)
                    rules.append(AttributeRule(path: key, negated: negated, value: value.lowercased()))
                }
                self = .attributes(rules)
            default:
                self = .regex(try ScopeRegex(expression, path: path))
            }
        }

        /// `key=value` or `key!=value`, both sides trimmed.
        static func split(
            _ item: Substring, expression: String, what: String, path: String
        ) throws(ParameterError) -> (String, Bool, String) {
            guard let equals = item.firstIndex(of: "=") else {
                throw ParameterError(
                    path: path, message: "'\(item.trimmed)' in '\(expression)' is not '\(what)=value' or '\(what)!=value'")
            }
            var key = item[..<equals].trimmed
            let negated = key.hasSuffix("!")
            if negated { key = key.dropLast().trimmed }
            if key.isEmpty {
                throw ParameterError(path: path, message: "'\(item.trimmed)' in '\(expression)' has an empty \(what)")
            }
            return (key, negated, item[item.index(after: equals)...].trimmed)
        }

        func matches(_ value: ScopeValue) -> Bool {
            switch (self, value) {
            case (.regex(let regex), .text(let text)):
                return regex.fullMatches(text)
            case (.pairs(let rules), .pairs(let pairs)):
                return rules.allSatisfy { rule in
                    guard let actual = pairs[rule.key] else { return false }
                    return rule.regex.fullMatches(actual.trimmed) != rule.negated
                }
            case (.attributes(let rules), .object(let object)):
                return rules.allSatisfy { rule in
                    guard let leaf = object.value(atPath: rule.path)?.leafText else { return false }
                    return (leaf.lowercased() == rule.value) != rule.negated
                }
            default:
                return false
            }
        }
    }

    struct PairRule: Sendable {
        let key: String
        let negated: Bool
        let regex: ScopeRegex
    }

    struct AttributeRule: Sendable {
        let path: String
        let negated: Bool
        /// Lower-cased, compared with the lower-cased leaf.
        let value: String
    }
}

/// A regex compiled once, matched against whole values (Python's `re.fullmatch`).
struct ScopeRegex: @unchecked Sendable {
    // `Regex` is immutable once built; matching does not mutate it.
    let pattern: String
    let regex: Regex<AnyRegexOutput>

    init(_ pattern: String, path: String) throws(ParameterError) {
        do {
            regex = try Regex(pattern).matchingSemantics(.unicodeScalar)
        } catch {
            throw ParameterError(path: path, message: "invalid regex '\(pattern)': \(error)")
        }
        self.pattern = pattern
    }

    func fullMatches(_ text: String) -> Bool {
        (try? regex.wholeMatch(in: text)) != nil
    }

    /// Python's `re.match`: anchored at the start only.
    func prefixMatches(_ text: String) -> Bool {
        (try? regex.prefixMatch(in: text)) != nil
    }
}

extension JSONValue {
    /// The text of a leaf value as Robusta compares it; `nil` for null, lists and mappings.
    var leafText: String? {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        case .null, .array, .object: nil
        }
    }
}

extension StringProtocol {
    var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}

extension Finding {
    /// The value of a sink scope (and `match`) attribute, as Robusta names and spells it:
    /// `title`, `identifier` (the aggregation key), `severity` (`DEBUG`, `INFO`, `LOW`, `HIGH`),
    /// `source` (upper-cased: `KUBERNETES_API_SERVER`, `PROMETHEUS`, ...), `kind` (lower-cased:
    /// `pod`, `deployment`), `namespace`, `node`, `name`, `labels`, `annotations`.
    ///
    /// Absent, so a scope entry testing them does not match:
    /// - `namespace`, `node`, `name` and `kind` when the subject has none;
    /// - `type`, because ``Finding`` does not carry Robusta's finding type yet;
    /// - `namespace_labels`, which Robusta reads live from the cluster API: Triggerfish's sinks do
    ///   not call the API while routing, so a scope entry on `namespace_labels` never matches.
    public func scopeValue(_ attribute: String) -> ScopeValue? {
        switch attribute {
        case "title": .text(title)
        case "identifier": .text(aggregationKey)
        case "severity": .text(severity.robustaName)
        case "source": .text(source.uppercased())
        case "kind": subject.kind.map { .text($0.lowercased()) }
        case "namespace": subject.namespace.map(ScopeValue.text)
        case "node": subject.node.map(ScopeValue.text)
        case "name": subject.name.map(ScopeValue.text)
        case "labels": .pairs(subject.labels)
        case "annotations": .pairs(subject.annotations)
        default: nil
        }
    }
}

extension Finding.Severity {
    /// Robusta's name: `DEBUG`, `INFO`, `LOW`, `HIGH`.
    public var robustaName: String { rawValue.uppercased() }
}
