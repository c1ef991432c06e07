/// A value that can be read from action, trigger or sink parameters (JSON-shaped).
public protocol ParameterDecodable {
    /// - Parameters:
    ///   - parameterValue: the value as configured.
    ///   - path: where it is, for error messages (`create_finding.title`).
    init(parameterValue: JSONValue, path: String) throws(ParameterError)
}

/// A parameter value that does not fit its declared type.
public struct ParameterError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// Reads named parameters from a mapping; unknown keys are ignored here (validation rejects
/// them before a config runs, and `global_config` adds keys an action may not declare).
public struct ParameterReader {
    let members: [String: JSONValue]
    let path: String

    public init(_ value: JSONValue, path: String) throws(ParameterError) {
        switch value {
        case .null: members = [:]
        case .object(let object): members = object
        default: throw ParameterError(path: path, message: "expected a mapping of parameters, found \(value.kindDescription)")
        }
        self.path = path
    }

    func present(_ key: String) -> JSONValue? {
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    public func required<T: ParameterDecodable>(_ key: String) throws(ParameterError) -> T {
        guard let value = present(key) else {
            throw ParameterError(path: path, message: "missing required parameter '\(key)'")
        }
        return try T(parameterValue: value, path: path + "." + key)
    }

    public func optional<T: ParameterDecodable>(_ key: String) throws(ParameterError) -> T? {
        guard let value = present(key) else { return nil }
        return try T(parameterValue: value, path: path + "." + key)
    }

    public func value<T: ParameterDecodable>(_ key: String, default defaultValue: T) throws(ParameterError) -> T {
        guard let value = present(key) else { return defaultValue }
        return try T(parameterValue: value, path: path + "." + key)
    }
}

extension JSONValue {
    var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .double: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "a mapping"
        }
    }
}

extension String: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        guard case .string(let s) = parameterValue else {
            throw ParameterError(path: path, message: "expected a string, found \(parameterValue.kindDescription)")
        }
        self = s
    }
}

extension Int: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        guard let i = parameterValue.intValue else {
            throw ParameterError(path: path, message: "expected an integer, found \(parameterValue.kindDescription)")
        }
        self = i
    }
}

extension Double: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        switch parameterValue {
        case .int(let i): self = Double(i)
        case .double(let d): self = d
        default: throw ParameterError(path: path, message: "expected a number, found \(parameterValue.kindDescription)")
        }
    }
}

extension Bool: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        guard case .bool(let b) = parameterValue else {
            throw ParameterError(path: path, message: "expected true or false, found \(parameterValue.kindDescription)")
        }
        self = b
    }
}

extension JSONValue: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        self = parameterValue
    }
}

extension Array: ParameterDecodable where Element: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        guard case .array(let items) = parameterValue else {
            throw ParameterError(path: path, message: "expected a list, found \(parameterValue.kindDescription)")
        }
        var result: [Element] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            result.append(try Element(parameterValue: item, path: "\(path)[\(index)]"))
        }
        self = result
    }
}

extension Dictionary: ParameterDecodable where Key == String, Value: ParameterDecodable {
    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        guard case .object(let members) = parameterValue else {
            throw ParameterError(path: path, message: "expected a mapping, found \(parameterValue.kindDescription)")
        }
        var result: [String: Value] = [:]
        for (key, value) in members {
            result[key] = try Value(parameterValue: value, path: "\(path).\(key)")
        }
        self = result
    }
}

/// Robusta's scope: `include` and `exclude` lists of entries, each mapping an attribute
/// (`name`, `namespace`, `labels`, `annotations`, `attributes`, ...) to one or more regexes.
public struct ScopeParameters: Sendable, Hashable, ParameterDecodable {
    public typealias Entry = [String: [String]]
    public var include: [Entry]?
    public var exclude: [Entry]?

    public init(include: [Entry]? = nil, exclude: [Entry]? = nil) {
        self.include = include
        self.exclude = exclude
    }

    public init(parameterValue: JSONValue, path: String) throws(ParameterError) {
        let reader = try ParameterReader(parameterValue, path: path)
        include = try Self.entries(reader.optional("include"), path: path + ".include")
        exclude = try Self.entries(reader.optional("exclude"), path: path + ".exclude")
    }

    static func entries(_ value: [JSONValue]?, path: String) throws(ParameterError) -> [Entry]? {
        guard let value else { return nil }
        var result: [Entry] = []
        for (index, item) in value.enumerated() {
            guard case .object(let members) = item else {
                throw ParameterError(path: "\(path)[\(index)]", message: "expected a mapping of attributes to regexes")
            }
            var entry: Entry = [:]
            for (attribute, regexes) in members {
                switch regexes {
                case .string(let one): entry[attribute] = [one]
                default: entry[attribute] = try [String](parameterValue: regexes, path: "\(path)[\(index)].\(attribute)")
                }
            }
            result.append(entry)
        }
        return result
    }
}
