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

    init(_ content: Content, _ location: SourceLocation, expandedSize: Int) {
        self.content = content
        self.location = location
        self.expandedSize = expandedSize
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
        guard let first = text.unicodeScalars.first,
            first == "-" || first == "+" || first == "." || ("0"..."9").contains(first)
        else { return .string(text) }
        let cleaned = text.replacingUnderscores()
        if let int = parseInt(cleaned) { return .int(int) }
        if isFloat(cleaned), let double = Double(cleaned) { return .double(double) }
        return .string(text)
    }

    private static func parseInt(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if body.hasPrefix("-") {
            negative = true
            body = body.dropFirst()
        } else if body.hasPrefix("+") {
            body = body.dropFirst()
        }
        guard !body.isEmpty else { return nil }
        let magnitude: Int?
        if body.hasPrefix("0x") {
            magnitude = Int(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0o") {
            magnitude = Int(body.dropFirst(2), radix: 8)
        } else if body.hasPrefix("0b") {
            magnitude = Int(body.dropFirst(2), radix: 2)
        } else if body.count > 1, body.hasPrefix("0"), body.allSatisfy({ ("0"..."7").contains($0) }) {
            magnitude = Int(body.dropFirst(), radix: 8)
        } else if body.allSatisfy({ $0.isASCII && $0.isNumber }) {
            magnitude = Int(body)
        } else {
            magnitude = nil
        }
        return magnitude.map { negative ? -$0 : $0 }
    }

    private static func isFloat(_ text: String) -> Bool {
        // [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?  (YAML 1.1), also accept 1e5
        var sawDigit = false
        var sawDotOrExp = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9": sawDigit = true
            case ".", "e", "E": sawDotOrExp = true
            case "-", "+": continue
            default: return false
            }
        }
        return sawDigit && sawDotOrExp
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        contains("_") ? String(unicodeScalars.filter { $0 != "_" }.map(Character.init)) : self
    }
}

extension YAMLNode {
    /// A null scalar standing for an omitted value.
    static func null(at location: SourceLocation) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(text: "", plain: true, tag: nil)), location, expandedSize: 1)
    }
}
