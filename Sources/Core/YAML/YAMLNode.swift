/// A YAML node with its position in the source. Produced by ``YAMLDocument/parse(_:file:limits:)``.
///
/// Nodes are immutable reference values: an alias shares the node it names instead of copying it,
/// so a document's memory stays proportional to its text whatever its aliases expand to.
public final class YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        case mapping([YAMLPair])
    }

    public let content: Content
    public let location: SourceLocation
    /// Nodes in this subtree counting each alias expansion, used to refuse alias bombs.
    public let expandedSize: Int
    /// Levels of this subtree counting through aliases (1 for a scalar), used to refuse documents
    /// that aliases nest deeper than ``YAMLLimits/maxDepth``.
    public let height: Int

    init(_ content: Content, _ location: SourceLocation, expandedSize: Int) {
        self.content = content
        self.location = location
        self.expandedSize = expandedSize
        switch content {
        case .scalar: self.height = 1
        case .sequence(let items): self.height = 1 + (items.map(\.height).max() ?? 0)
        case .mapping(let pairs): self.height = 1 + (pairs.map(\.value.height).max() ?? 0)
        }
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    /// The value of `key` in a mapping node.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key == key }?.value
    }

    /// What the node is, quoting a scalar as written, for "found ..." in messages:
    /// `a string (maybe)`, `a string ("abc")` when quoted, `an integer (123)`, `null`, `a list`.
    public var foundDescription: String {
        guard let scalar, scalar.value != .null else { return kindDescription }
        return kindDescription + " (\(MessageText.quoted(scalar.text, quote: scalar.isQuoted ? "\"" : "")))"
    }

    /// A short description of what the node is, for messages: "a string", "a list", ...
    public var kindDescription: String {
        switch content {
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .scalar(let s):
            switch s.value {
            case .null: return "null"
            case .bool: return "a boolean"
            case .int: return "an integer"
            case .double: return "a number"
            case .string: return "a string"
            }
        }
    }
}

/// A key and its value in a YAML mapping. Keys are always scalars.
public struct YAMLPair: Sendable {
    public let key: String
    public let keyLocation: SourceLocation
    public let value: YAMLNode
}

/// A resolved scalar, following YAML 1.1 as PyYAML (and so Robusta) reads it.
public struct YAMLScalar: Sendable {
    public enum Value: Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
    }

    /// The text as written (without quotes).
    public let text: String
    public let value: Value
    public let isQuoted: Bool

    init(text: String, plain: Bool, tag: String?) {
        self.text = text
        self.isQuoted = !plain
        if let tag, tag != "!" {
            self.value = YAMLScalar.resolveTagged(text, tag: tag)
        } else if plain {
            self.value = YAMLScalar.resolvePlain(text)
        } else {
            self.value = .string(text)
        }
    }

    /// The text of a string, or the written text of any other scalar (for messages).
    public var string: String? {
        if case .string(let s) = value { return s }
        return nil
    }

    static func resolveTagged(_ text: String, tag: String) -> Value {
        switch tag {
        case "tag:yaml.org,2002:str": return .string(text)
        case "tag:yaml.org,2002:int": return Int(text).map(Value.int) ?? .string(text)
        case "tag:yaml.org,2002:float": return Double(text).map(Value.double) ?? .string(text)
        case "tag:yaml.org,2002:bool": return resolvePlain(text)
        case "tag:yaml.org,2002:null": return .null
        default: return .string(text)
        }
    }

    static func resolvePlain(_ text: String) -> Value {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        return resolveNumber(text) ?? .string(text)
    }

    /// PyYAML's implicit int and float resolvers (YAML 1.1), including `0b`, `0x`, leading-zero
    /// octal, `_` separators and base-60 (`1:30` is 90); a float needs a dot and a signed exponent
    /// (`1.5e+3`), so `1e5`, `1.5e3` and `0o17` stay strings, as in Robusta.
    static func resolveNumber(_ text: String) -> Value? {
        let scalars = Array(text.unicodeScalars)
        guard let first = scalars.first else { return nil }
        let signed = first == "-" || first == "+"
        let negative = first == "-"
        let body = scalars[(signed ? 1 : 0)...]
        guard let head = body.first else { return nil }
        func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
        func withoutUnderscores(_ s: ArraySlice<Unicode.Scalar>) -> String {
            String(String.UnicodeScalarView(s.filter { $0 != "_" }))
        }
        func int(_ digits: ArraySlice<Unicode.Scalar>, radix: Int) -> Value? {
            Int(withoutUnderscores(digits), radix: radix).map { .int(negative ? -$0 : $0) }
        }

        // Ints: 0b..., 0x..., 0[0-7_]+ (octal), 0 or [1-9][0-9_]*, and base 60.
        let rest = body.dropFirst()
        if body.starts(with: ["0", "b"]), body.count > 2, body.dropFirst(2).allSatisfy({ $0 == "0" || $0 == "1" || $0 == "_" }) {
            return int(body.dropFirst(2), radix: 2)
        }
        if body.starts(with: ["0", "x"]), body.count > 2, body.dropFirst(2).allSatisfy({ $0.properties.isASCIIHexDigit || $0 == "_" }) {
            return int(body.dropFirst(2), radix: 16)
        }
        if head == "0", rest.allSatisfy({ ("0"..."7").contains($0) || $0 == "_" }) {
            return int(body, radix: 8)
        }
        if ("1"..."9").contains(head), rest.allSatisfy({ isDigit($0) || $0 == "_" }) {
            return int(body, radix: 10)
        }
        if ("1"..."9").contains(head), let groups = sexagesimal(body, fractional: false) {
            var value = 0
            for group in groups {
                let (product, overflow) = value.multipliedReportingOverflow(by: 60)
                guard !overflow, product <= Int.max - group else { return nil }
                value = product + group
            }
            return .int(negative ? -value : value)
        }

        // Floats: [0-9][0-9_]*.[0-9_]*, .[0-9_]+ (unsigned), each with an optional [eE][-+][0-9]+,
        // and base 60 with a fraction.
        if isDigit(head), let dot = body.firstIndex(of: "."), body[..<dot].allSatisfy({ isDigit($0) || $0 == "_" }),
            exponentOK(body[(dot + 1)...])
        {
            return Double(withoutUnderscores(body)).map { .double(negative ? -$0 : $0) }
        }
        if head == ".", !signed, rest.first.map({ isDigit($0) || $0 == "_" }) == true, exponentOK(rest) {
            return Double(withoutUnderscores(body)).map(Value.double)
        }
        if isDigit(head), let groups = sexagesimal(body, fractional: true), let dot = body.firstIndex(of: ".") {
            let whole = groups.reduce(0.0) { $0 * 60 + Double($1) }
            let value = whole + (Double("0" + withoutUnderscores(body[dot...])) ?? 0)
            return .double(negative ? -value : value)
        }
        return nil
    }

    /// `[0-9_]*` followed by an optional `[eE][-+][0-9]+`.
    private static func exponentOK(_ s: ArraySlice<Unicode.Scalar>) -> Bool {
        guard let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) else {
            return s.allSatisfy { ("0"..."9").contains($0) || $0 == "_" }
        }
        guard s[..<e].allSatisfy({ ("0"..."9").contains($0) || $0 == "_" }) else { return false }
        let exponent = s[s.index(after: e)...]
        guard let sign = exponent.first, sign == "-" || sign == "+" else { return false }
        let digits = exponent.dropFirst()
        return !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
    }

    /// Base-60 groups of `[0-9][0-9_]*(:[0-5]?[0-9])+` (then `.[0-9_]*` when `fractional`).
    private static func sexagesimal(_ s: ArraySlice<Unicode.Scalar>, fractional: Bool) -> [Int]? {
        var whole = s
        if fractional {
            guard let dot = s.firstIndex(of: "."),
                s[s.index(after: dot)...].allSatisfy({ ("0"..."9").contains($0) || $0 == "_" })
            else { return nil }
            whole = s[..<dot]
        }
        let parts = whole.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2, let head = parts.first, let lead = head.first, ("0"..."9").contains(lead),
            head.allSatisfy({ ("0"..."9").contains($0) || $0 == "_" })
        else { return nil }
        var groups: [Int] = []
        guard let headValue = Int(String(String.UnicodeScalarView(head.filter { $0 != "_" }))) else { return nil }
        groups.append(headValue)
        for part in parts.dropFirst() {
            guard (1...2).contains(part.count), part.allSatisfy({ ("0"..."9").contains($0) }),
                part.count == 1 || ("0"..."5").contains(part.first!),
                let value = Int(String(String.UnicodeScalarView(part)))
            else { return nil }
            groups.append(value)
        }
        return groups
    }
}

extension YAMLNode {
    /// A null scalar standing for an omitted value.
    static func null(at location: SourceLocation) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(text: "", plain: true, tag: nil)), location, expandedSize: 1)
    }
}
