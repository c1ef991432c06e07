import Foundation
import _TriggerfishCore

/// Why JSON is not a finding as ``Finding/jsonValue`` writes it: the path of the value and what
/// was expected, e.g. `'subject.labels.app' must be a string, found an integer (1)`.
public struct FindingDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    init(_ path: String, expected: String, found value: JSONValue?) {
        message = "\(quoted: path) must be \(expected), found \(value.map(ManualTriggerRequest.found) ?? "none")"
    }

    init(message: String) {
        self.message = message
    }
}

extension Finding {
    /// Reads a finding from the JSON ``jsonValue`` writes (a server's `sync_response` findings):
    /// the inverse of ``jsonValue`` for the spellings it uses. `source` is lower-cased back; a
    /// subject's `kind` is spelled as the schema's kind of that name (`pod` is `Pod`), and kept as
    /// written when the schema has no such kind. Keys it does not know are ignored (a server may
    /// add some, as the trigger response adds `sinks`).
    public init(jsonValue: JSONValue) throws(FindingDecodingError) {
        let reader = FindingReader(value: jsonValue, path: "")
        guard jsonValue.objectValue != nil else { throw FindingDecodingError("finding", expected: "an object", found: jsonValue) }
        let severityName = try reader.string("severity")
        guard let severity = Severity(configName: severityName) else {
            throw FindingDecodingError(
                message:
                    "'severity' must be \(Suggestions.orList(Severity.allCases.map { "\(quoted: $0.robustaName)" })), found \(quoted: severityName)"
            )
        }
        let subject = try reader.object("subject")
        let kind = try subject.optionalString("kind").map { kind in
            PlaybookConfig.builtinSchema.kinds.first { $0.name.lowercased() == kind.lowercased() }?.name ?? kind
        }
        self.init(
            title: try reader.string("title"), description: try reader.optionalString("description"), severity: severity,
            aggregationKey: try reader.string("aggregation_key"), source: try reader.string("source").lowercased(),
            subject: FindingSubject(
                kind: kind, name: try subject.optionalString("name"), namespace: try subject.optionalString("namespace"),
                node: try subject.optionalString("node"), labels: try subject.strings("labels"),
                annotations: try subject.strings("annotations")),
            enrichments: try reader.array("enrichments").map { enrichment throws(FindingDecodingError) in
                Enrichment(
                    title: try enrichment.optionalString("title"),
                    blocks: try enrichment.array("blocks").map { block throws(FindingDecodingError) in try block.block() },
                    type: try enrichment.optionalString("type"))
            },
            fingerprint: try reader.string("fingerprint"), startsAt: try reader.optionalDate("starts_at"),
            endsAt: try reader.optionalDate("ends_at"), findingType: try reader.optionalString("finding_type") ?? "issue",
            failure: try reader.optionalBool("failure") ?? true)
    }
}

/// Reads one JSON value of a finding, naming it by its path in errors.
private struct FindingReader {
    let value: JSONValue
    let path: String

    func child(_ key: String) -> FindingReader {
        FindingReader(value: value[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)")
    }

    func string(_ key: String) throws(FindingDecodingError) -> String {
        let field = child(key)
        guard case .string(let text) = field.value else { throw FindingDecodingError(field.path, expected: "a string", found: value[key]) }
        return text
    }

    func optionalString(_ key: String) throws(FindingDecodingError) -> String? {
        let field = child(key)
        switch field.value {
        case .null: return nil
        case .string(let text): return text
        default: throw FindingDecodingError(field.path, expected: "a string or null", found: field.value)
        }
    }

    func optionalBool(_ key: String) throws(FindingDecodingError) -> Bool? {
        let field = child(key)
        switch field.value {
        case .null: return nil
        case .bool(let flag): return flag
        default: throw FindingDecodingError(field.path, expected: "true, false or null", found: field.value)
        }
    }

    func optionalDate(_ key: String) throws(FindingDecodingError) -> Date? {
        guard let text = try optionalString(key) else { return nil }
        guard let date = RFC3339.date(text) else {
            throw FindingDecodingError(child(key).path, expected: "an RFC 3339 time", found: .string(text))
        }
        return date
    }

    func object(_ key: String) throws(FindingDecodingError) -> FindingReader {
        let field = child(key)
        guard field.value.objectValue != nil else { throw FindingDecodingError(field.path, expected: "an object", found: value[key]) }
        return field
    }

    func strings(_ key: String) throws(FindingDecodingError) -> [String: String] {
        let field = try object(key)
        var result: [String: String] = [:]
        for (name, item) in field.value.objectValue ?? [:] {
            guard case .string(let text) = item else {
                throw FindingDecodingError("\(field.path).\(name)", expected: "a string", found: item)
            }
            result[name] = text
        }
        return result
    }

    func array(_ key: String) throws(FindingDecodingError) -> [FindingReader] {
        let field = child(key)
        guard let items = field.value.arrayValue else { throw FindingDecodingError(field.path, expected: "a list", found: value[key]) }
        return items.enumerated().map { FindingReader(value: $1, path: "\(field.path)[\($0)]") }
    }

    /// The value at `key`; `nil` when it is absent or null (as ``Block/jsonValue`` writes a missing one).
    func present(_ key: String) -> JSONValue? {
        guard let item = value[key], !item.isNull else { return nil }
        return item
    }

    func stringList(_ key: String) throws(FindingDecodingError) -> [String] {
        try array(key).map { item throws(FindingDecodingError) in
            guard case .string(let text) = item.value else {
                throw FindingDecodingError(item.path, expected: "a string", found: item.value)
            }
            return text
        }
    }

    /// A block, by its `type`.
    func block() throws(FindingDecodingError) -> Block {
        guard value.objectValue != nil else { throw FindingDecodingError(path, expected: "an object", found: value) }
        let type = try string("type")
        switch type {
        case "markdown":
            return .markdown(try string("text"))
        case "table":
            let rows = try array("rows").map { row throws(FindingDecodingError) in
                guard let cells = row.value.arrayValue else { throw FindingDecodingError(row.path, expected: "a list", found: row.value) }
                return try cells.enumerated().map { index, cell throws(FindingDecodingError) in
                    guard case .string(let text) = cell else {
                        throw FindingDecodingError("\(row.path)[\(index)]", expected: "a string", found: cell)
                    }
                    return text
                }
            }
            return .table(headers: try stringList("headers"), rows: rows, name: try optionalString("name") ?? "")
        case "list":
            return .list(try stringList("items"))
        case "json":
            return .json(value["value"] ?? .null)
        case "file":
            return .file(name: try string("name"), contents: try string("contents"))
        case "empty_file":
            return .emptyFile(name: try string("name"), remarks: try string("remarks"))
        case "kubernetes_diff":
            return .kubernetesDiff(
                try array("changes").map { change throws(FindingDecodingError) in
                    DiffEntry(path: try change.string("path"), old: change.present("old"), new: change.present("new"))
                })
        default:
            let types = ["markdown", "table", "list", "json", "file", "empty_file", "kubernetes_diff"]
            throw FindingDecodingError(
                message: "\(quoted: child("type").path) must be \(Suggestions.orList(types.map { "\(quoted: $0)" })), found \(quoted: type)"
            )
        }
    }
}
