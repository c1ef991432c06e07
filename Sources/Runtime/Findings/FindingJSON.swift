import Foundation

extension Finding {
    /// The finding as JSON: what the file sink writes and the webhook sink posts.
    ///
    /// Enumerated values use Robusta's spelling, the same ones sink scopes match: `severity` is
    /// `DEBUG`, `INFO`, `LOW` or `HIGH`; `source` is upper-cased (`KUBERNETES_API_SERVER`);
    /// `subject.kind` is lower-cased (`pod`); `finding_type` is Robusta's (`issue`,
    /// `configuration_change`), `failure` false for what is not a failure (a configuration
    /// change). Absent values are `null`; `starts_at` and
    /// `ends_at` are RFC 3339 in UTC (with milliseconds when not whole seconds).
    ///
    /// ```json
    /// {"aggregation_key":"CrashLoop","description":null,"ends_at":null,
    ///  "enrichments":[{"blocks":[{"text":"restarted 3 times","type":"markdown"}],"title":null}],
    ///  "failure":true,"finding_type":"issue",
    ///  "fingerprint":"01950db65438aa485281956b85520987934e1c55b5983b780423317289af7e3a",
    ///  "severity":"HIGH","source":"KUBERNETES_API_SERVER",
    ///  "starts_at":null,"subject":{"annotations":{},"kind":"pod","labels":{"app":"web"},
    ///  "name":"web-1","namespace":"prod","node":"node-1"},"title":"Crashing pod web-1"}
    /// ```
    public var jsonValue: JSONValue {
        .object([
            "title": .string(title),
            "description": description.map(JSONValue.string) ?? .null,
            "severity": .string(severity.robustaName),
            "aggregation_key": .string(aggregationKey),
            "source": .string(source.uppercased()),
            "subject": subject.jsonValue,
            "fingerprint": .string(fingerprint),
            "starts_at": startsAt.map { .string(RFC3339.format($0)) } ?? .null,
            "ends_at": endsAt.map { .string(RFC3339.format($0)) } ?? .null,
            "enrichments": .array(enrichments.map(\.jsonValue)),
            "finding_type": .string(findingType),
            "failure": .bool(failure),
        ])
    }
}

extension FindingSubject {
    /// `{kind, name, namespace, node, labels, annotations}`, `kind` lower-cased as Robusta's.
    public var jsonValue: JSONValue {
        .object([
            "kind": kind.map { .string($0.lowercased()) } ?? .null,
            "name": name.map(JSONValue.string) ?? .null,
            "namespace": namespace.map(JSONValue.string) ?? .null,
            "node": node.map(JSONValue.string) ?? .null,
            "labels": .object(labels.mapValues(JSONValue.string)),
            "annotations": .object(annotations.mapValues(JSONValue.string)),
        ])
    }
}

extension Enrichment {
    /// `{title, blocks}`, and `type` when it has one.
    public var jsonValue: JSONValue {
        var members: [String: JSONValue] = ["title": title.map(JSONValue.string) ?? .null, "blocks": .array(blocks.map(\.jsonValue))]
        if let type { members["type"] = .string(type) }
        return .object(members)
    }
}

extension Block {
    /// The block with its `type`: `markdown` {text}, `table` {headers, rows, and name when it has
    /// one}, `list` {items}, `json` {value}, `file` {name, contents}, `empty_file` {name, remarks},
    /// `kubernetes_diff` {changes: [{path, old, new}]}.
    public var jsonValue: JSONValue {
        switch self {
        case .markdown(let text):
            return ["type": "markdown", "text": .string(text)]
        case .table(let headers, let rows, let name):
            var members: [String: JSONValue] = [
                "type": "table", "headers": .array(headers.map(JSONValue.string)),
                "rows": .array(rows.map { .array($0.map(JSONValue.string)) }),
            ]
            if !name.isEmpty { members["name"] = .string(name) }
            return .object(members)
        case .list(let items):
            return ["type": "list", "items": .array(items.map(JSONValue.string))]
        case .json(let value):
            return ["type": "json", "value": value]
        case .file(let name, let contents):
            return ["type": "file", "name": .string(name), "contents": .string(contents)]
        case .emptyFile(let name, let remarks):
            return ["type": "empty_file", "name": .string(name), "remarks": .string(remarks)]
        case .kubernetesDiff(let changes):
            return [
                "type": "kubernetes_diff",
                "changes": .array(changes.map { ["path": .string($0.path), "old": $0.old ?? .null, "new": $0.new ?? .null] }),
            ]
        }
    }
}

/// RFC 3339 timestamps in UTC: `2026-01-02T03:04:05Z`, or `2026-01-02T03:04:05.250Z` when the
/// time has a fraction of a second.
extension JSONValue {
    /// Compact JSON text: no whitespace, strings escaped as RFC 8259 requires (quote, backslash
    /// and control characters; everything else is written as UTF-8). With `sortedKeys` (the
    /// default) object keys are in code point order, so equal values give equal text; without
    /// it they are in dictionary order, which varies between runs. Non-finite numbers, which
    /// JSON cannot hold, are written as `null`.
    public func serialized(sortedKeys: Bool = true) -> String {
        var output: [UInt8] = []
        JSONWriter(sortedKeys: sortedKeys, indent: nil).write(self, into: &output, depth: 0)
        return String(decoding: output, as: UTF8.self)
    }

    /// Sorted-keys JSON indented by two spaces per level, for people to read.
    func prettySerialized() -> String {
        var output: [UInt8] = []
        JSONWriter(sortedKeys: true, indent: Array("  ".utf8)).write(self, into: &output, depth: 0)
        return String(decoding: output, as: UTF8.self)
    }
}

/// Writes JSON text into a byte buffer. Bytes, not a `String`: appending a slice of a string's
/// scalars to a `String` copies the whole string each time, which made one alert with 100,000
/// labels take seconds; an array grows geometrically, so writing is linear in the output.
struct JSONWriter {
    let sortedKeys: Bool
    let indent: [UInt8]?

    func write(_ value: JSONValue, into output: inout [UInt8], depth: Int) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let b): output.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): output.append(contentsOf: String(i).utf8)
        case .double(let d): output.append(contentsOf: (d.isFinite ? String(d) : "null").utf8)
        case .string(let s): Self.writeString(s, into: &output)
        case .array(let items):
            if items.isEmpty {
                output.append(contentsOf: "[]".utf8)
                return
            }
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, depth: depth + 1)
                write(item, into: &output, depth: depth + 1)
            }
            newline(&output, depth: depth)
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                output.append(contentsOf: "{}".utf8)
                return
            }
            let keys = sortedKeys ? members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } : Array(members.keys)
            output.append(UInt8(ascii: "{"))
            for (index, key) in keys.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, depth: depth + 1)
                Self.writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                if indent != nil { output.append(UInt8(ascii: " ")) }
                write(members[key] ?? .null, into: &output, depth: depth + 1)
            }
            newline(&output, depth: depth)
            output.append(UInt8(ascii: "}"))
        }
    }

    func newline(_ output: inout [UInt8], depth: Int) {
        guard let indent else { return }
        output.append(UInt8(ascii: "\n"))
        for _ in 0..<depth { output.append(contentsOf: indent) }
    }

    /// Quote, backslash, control characters and DEL are escaped; every other byte of the UTF-8
    /// text is copied as it is.
    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
            case 0x08: output.append(contentsOf: #"\b"#.utf8)
            case 0x0C: output.append(contentsOf: #"\f"#.utf8)
            case 0..<0x20, 0x7F:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hexDigit(byte >> 4))
                output.append(hexDigit(byte & 0x0F))
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}
