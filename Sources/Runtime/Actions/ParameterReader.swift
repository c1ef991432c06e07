import _TriggerfishCore

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
            throw ParameterError(path: path, message: "missing required parameter \(quoted: key)")
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
