/// What a scope rule is evaluated against: a plain attribute (`name`, `title`, ...), a key/value
/// map (`labels`, `annotations`, `namespace_labels`) or a raw object (`attributes` of a Kubernetes
/// trigger).
public enum ScopeValue: Sendable {
    case text(String)
    case pairs([String: String])
    case object(JSONValue)
}

/// Robusta's scope (`include` / `exclude`), compiled once (regexes parsed) and evaluated many times.
/// Compiled only by the validator (``ParameterChecker``), which reports every problem at its
/// position; the runtime evaluates what validation produced.
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
/// Regexes use Python's `re` syntax and meaning, matched on Unicode scalars in linear time
/// (``ScopeRegex``).
public struct CompiledScope: Sendable {
    let include: [Entry]?
    let exclude: [Entry]?

    /// Whether the scope accepts a subject.
    /// - Parameter lookup: the subject's value for an attribute name, `nil` when it has none.
    public func accepts(_ lookup: (String) -> ScopeValue?) -> Bool {
        if let exclude, exclude.contains(where: { $0.matches(lookup) }) { return false }
        if let include { return include.contains { $0.matches(lookup) } }
        return true
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

        /// Compiles one expression of an attribute, or says what is wrong with it (the caller
        /// words the message for where the expression is).
        static func compile(attribute: String, expression: String) -> Result<Matcher, RuleProblem> {
            switch attribute {
            case "labels", "annotations", "namespace_labels":
                var rules: [PairRule] = []
                for item in expression.split(separator: ",") {
                    switch split(item, what: "key", valueName: "regex") {
                    case .failure(let problem): return .failure(problem)
                    case .success(let (key, negated, value)):
                        switch ScopeRegex.compile(value) {
                        case .failure(let problem): return .failure(RuleProblem("regex '\(value)': \(problem.message)"))
                        case .success(let regex): rules.append(PairRule(key: key, negated: negated, regex: regex))
                        }
                    }
                }
                return .success(.pairs(rules))
            case "attributes":
                var rules: [AttributeRule] = []
                for item in expression.split(separator: ",") {
                    switch split(item, what: "path", valueName: "value") {
                    case .failure(let problem): return .failure(problem)
                    case .success(let (path, negated, value)):
                        rules.append(AttributeRule(path: path, negated: negated, value: value.lowercased()))
                    }
                }
                return .success(.attributes(rules))
            default:
                return ScopeRegex.compile(expression).map(Matcher.regex)
            }
        }

        /// The regexes the matcher matches with.
        var regexes: [ScopeRegex] {
            switch self {
            case .regex(let regex): [regex]
            case .pairs(let rules): rules.map(\.regex)
            case .attributes: []
            }
        }

        /// `key=value` or `key!=value`, both sides trimmed.
        static func split(_ item: Substring, what: String, valueName: String) -> Result<(String, Bool, String), RuleProblem> {
            guard let equals = item.firstIndex(of: "=") else {
                return .failure(RuleProblem("'\(item.trimmed)' is not '\(what)=\(valueName)' or '\(what)!=\(valueName)'"))
            }
            var key = item[..<equals].trimmed
            let negated = key.hasSuffix("!")
            if negated { key = key.dropLast().trimmed }
            if key.isEmpty { return .failure(RuleProblem("'\(item.trimmed)' has an empty \(what)")) }
            return .success((key, negated, item[item.index(after: equals)...].trimmed))
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

/// What is wrong with a configured value, worded to follow "invalid regex 'x': ".
public struct RuleProblem: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}

/// A regex compiled once, matched against whole values (Python's `re.fullmatch`), at the start
/// (`re.match`) or anywhere (`re.search`). Every configured regex (scopes, `match`, `regex`
/// parameters) is compiled here, so what validation accepts is what runs. Matching takes time
/// linear in the text (``LinearRegex``), whatever the pattern and the text.
public struct ScopeRegex: Sendable {
    public let pattern: String
    package let regex: LinearRegex

    /// The compiled regex, or the reason it does not compile.
    public static func compile(_ pattern: String) -> Result<ScopeRegex, RuleProblem> {
        do {
            return .success(ScopeRegex(pattern: pattern, regex: try LinearRegex(pattern)))
        } catch {
            return .failure(error)
        }
    }

    public func fullMatches(_ text: String) -> Bool {
        regex.firstMatch(in: text, anchoring: .whole) != nil
    }

    /// Python's `re.match`: anchored at the start only.
    public func prefixMatches(_ text: String) -> Bool {
        regex.firstMatch(in: text, anchoring: .start) != nil
    }

    /// Python's `re.search`: anywhere in the text.
    public func firstMatch(in text: String) -> Bool {
        regex.firstMatch(in: text, anchoring: .anywhere) != nil
    }
}

extension JSONValue {
    /// The text of a leaf value as Robusta compares it; `nil` for null, lists and mappings.
    package var leafText: String? {
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
    package var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view = view.dropFirst() }
        while let last = view.last, last.isWhitespace { view = view.dropLast() }
        return String(view)
    }
}
