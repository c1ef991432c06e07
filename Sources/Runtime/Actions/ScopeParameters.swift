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
