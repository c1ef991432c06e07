/// A value that can be read from action, trigger or sink parameters (JSON-shaped).
public protocol ParameterDecodable {
    /// - Parameters:
    ///   - parameterValue: the value as configured.
    ///   - path: where it is, for error messages (`create_finding.title`).
    init(parameterValue: JSONValue, path: String) throws(ParameterError)
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
