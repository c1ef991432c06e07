extension JSONValue {
    /// The JSON form of a YAML value (mapping keys are strings; YAML's typed scalars keep their
    /// type; of repeated keys the first wins, as the validator reads them).
    public init(yaml node: YAMLNode) {
        switch node.content {
        case .scalar(let scalar):
            switch scalar.value {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let i): self = .int(i)
            case .double(let d): self = .double(d)
            case .string(let s): self = .string(s)
            }
        case .sequence(let items): self = .array(items.map(JSONValue.init(yaml:)))
        case .mapping(let pairs):
            var members: [String: JSONValue] = [:]
            for pair in pairs where members[pair.key] == nil { members[pair.key] = JSONValue(yaml: pair.value) }
            self = .object(members)
        }
    }
}

extension JSONValue {
    /// YAML flow text, for docs and messages: `14400`, `"firing"`, `["spec"]`, `{a: 1}` (keys sorted).
    public var yamlText: String {
        switch self {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .string(let s): "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .array(let items): "[" + items.map(\.yamlText).joined(separator: ", ") + "]"
        case .object(let members): "{" + members.keys.sorted().map { "\($0): \(members[$0]!.yamlText)" }.joined(separator: ", ") + "}"
        }
    }
}

extension YAMLNode {
    /// A value built in code (not read from a file) as a node, every part at `location`, so that
    /// it goes through the same checks and compilers as a config's YAML. Mapping keys are sorted.
    public convenience init(json: JSONValue, at location: SourceLocation) {
        switch json {
        case .null: self.init(.scalar(YAMLScalar(value: .null, text: "null")), location)
        case .bool(let b): self.init(.scalar(YAMLScalar(value: .bool(b), text: b ? "true" : "false")), location)
        case .int(let i): self.init(.scalar(YAMLScalar(value: .int(i), text: String(i))), location)
        case .double(let d): self.init(.scalar(YAMLScalar(value: .double(d), text: String(d))), location)
        case .string(let s): self.init(.scalar(YAMLScalar(value: .string(s), text: s)), location)
        case .array(let items): self.init(.sequence(items.map { YAMLNode(json: $0, at: location) }), location)
        case .object(let members):
            let pairs = members.keys.sorted().map { key in
                YAMLPair(key: key, keyLocation: location, value: YAMLNode(json: members[key]!, at: location))
            }
            self.init(.mapping(pairs), location)
        }
    }

    private convenience init(_ content: Content, _ location: SourceLocation) {
        let size: Int
        switch content {
        case .scalar: size = 1
        case .sequence(let items): size = 1 + items.reduce(0) { $0 + $1.expandedSize }
        case .mapping(let pairs): size = 1 + pairs.reduce(0) { $0 + $1.value.expandedSize }
        }
        self.init(content, location, expandedSize: size)
    }
}

extension YAMLScalar {
    init(value: Value, text: String) {
        self.text = text
        self.value = value
        self.isQuoted = false
    }
}
