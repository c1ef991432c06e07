/// Strict reading of a YAML mapping: every key must be known, and unknown ones are reported with
/// a "did you mean" suggestion. Shared by the schema loader and the config validator.
struct MappingReader {
    let node: YAMLNode
    let pairs: [YAMLPair]

    /// `nil` (and an error) when `node` is not a mapping.
    init?(_ node: YAMLNode, what: String, into diagnostics: inout DiagnosticList) {
        guard let pairs = node.mapping else {
            diagnostics.error(node.location, "\(what) must be a mapping, found \(node.foundDescription)")
            return nil
        }
        self.node = node
        self.pairs = pairs
    }

    subscript(key: String) -> YAMLNode? {
        pairs.first { $0.key == key }?.value
    }

    func pair(_ key: String) -> YAMLPair? {
        pairs.first { $0.key == key }
    }

    /// Reports every key not in `allowed`.
    func rejectUnknownKeys(allowed: [String], in what: String, into diagnostics: inout DiagnosticList) {
        for pair in pairs where !allowed.contains(pair.key) {
            diagnostics.error(pair.keyLocation, Self.unknownKeyMessage(pair.key, in: what, allowed: allowed))
        }
    }

    static func unknownKeyMessage(_ key: String, in what: String, allowed: [String]) -> String {
        let suggestion = Suggestions.didYouMean(key, in: allowed)
        if !suggestion.isEmpty { return "unknown key \(quoted: key) in \(what)\(suggestion)" }
        if allowed.isEmpty { return "unknown key \(quoted: key) in \(what), which takes no keys" }
        return "unknown key \(quoted: key) in \(what); expected \(Suggestions.orList(allowed.map { "\(quoted: $0)" }))"
    }

    func string(_ key: String, in what: String, into diagnostics: inout DiagnosticList) -> String? {
        guard let value = self[key] else { return nil }
        if case .string(let s)? = value.scalar?.value { return s }
        diagnostics.error(value.location, "\(quoted: key) in \(what) must be a string, found \(value.foundDescription)")
        return nil
    }

    func bool(_ key: String, in what: String, into diagnostics: inout DiagnosticList) -> Bool? {
        guard let value = self[key] else { return nil }
        if case .bool(let b)? = value.scalar?.value { return b }
        diagnostics.error(value.location, "\(quoted: key) in \(what) must be true or false, found \(value.foundDescription)")
        return nil
    }

    func int(_ key: String, in what: String, into diagnostics: inout DiagnosticList) -> Int? {
        guard let value = self[key] else { return nil }
        if case .int(let i)? = value.scalar?.value { return i }
        diagnostics.error(value.location, "\(quoted: key) in \(what) must be an integer, found \(value.foundDescription)")
        return nil
    }

    func stringList(_ key: String, in what: String, into diagnostics: inout DiagnosticList) -> [(String, SourceLocation)]? {
        guard let value = self[key] else { return nil }
        guard let items = value.sequence else {
            diagnostics.error(value.location, "\(quoted: key) in \(what) must be a list of strings, found \(value.foundDescription)")
            return nil
        }
        var result: [(String, SourceLocation)] = []
        for item in items {
            if case .string(let s)? = item.scalar?.value {
                result.append((s, item.location))
            } else {
                diagnostics.error(item.location, "items of \(quoted: key) in \(what) must be strings, found \(item.foundDescription)")
            }
        }
        return result
    }
}
