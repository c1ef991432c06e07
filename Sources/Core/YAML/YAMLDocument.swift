import CYaml

/// Bounds that keep hostile YAML from costing unbounded time or memory.
public struct YAMLLimits: Sendable {
    /// Largest accepted input, in bytes.
    public var maxBytes: Int
    /// Largest number of nodes (values, lists and mappings) a document may have as written.
    public var maxNodes: Int
    /// Largest number of nodes a document may have with every alias expanded (the nodes written
    /// plus, for each alias, the nodes it stands for): refuses alias bombs.
    public var maxExpandedNodes: Int
    /// Deepest accepted nesting of sequences and mappings.
    public var maxDepth: Int

    public init(maxBytes: Int = 16 << 20, maxNodes: Int = 1_000_000, maxExpandedNodes: Int = 1_000_000, maxDepth: Int = 200) {
        self.maxBytes = maxBytes
        self.maxNodes = maxNodes
        self.maxExpandedNodes = maxExpandedNodes
        self.maxDepth = maxDepth
    }

    public static let `default` = YAMLLimits()
}

/// Parses YAML text into ``YAMLNode``s with positions, through libyaml's event parser.
///
/// Unlike a general YAML loader it is strict in ways configs want: mapping keys must be scalars,
/// a key may appear once per mapping, a document may not have more than ``YAMLLimits/maxNodes``
/// nodes, and aliases may not expand it past ``YAMLLimits/maxExpandedNodes``. Every problem is a
/// ``Diagnostic``; nothing traps.
///
/// Positions are where an editor shows them: lines break at `\n`, `\r\n` and `\r` only (libyaml also
/// breaks at U+0085, U+2028 and U+2029), and columns count Unicode scalars.
public enum YAMLDocument {
    public struct Result: Sendable {
        /// The root node; `nil` for an empty document or when parsing could not go on. A root may
        /// come with errors that did not stop parsing (a duplicate key keeps its first value).
        public var root: YAMLNode?
        public var diagnostics: [Diagnostic]
    }

    public static func parse(_ text: String, file: String, limits: YAMLLimits = .default) -> Result {
        if text.utf8.count > limits.maxBytes {
            return Result(
                root: nil,
                diagnostics: [
                    .error(
                        SourceLocation(file: file, line: 1, column: 1),
                        "file is \(text.utf8.count) bytes, more than the limit of \(limits.maxBytes) bytes")
                ])
        }
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0x0A] }
        var composer = Composer(file: file, limits: limits, lines: LineTable(bytes))
        let root = bytes.withUnsafeBufferPointer { buffer in composer.run(buffer) }
        return Result(root: root, diagnostics: composer.diagnostics)
    }
}

private struct ComposeError: Error {}

/// Where lines start in a text, as editors break lines (`\n`, `\r\n`, `\r`), to turn libyaml's scalar
/// index or a byte offset into a line and a column (columns count Unicode scalars).
package struct LineTable: Sendable {
    /// For each line, the index of its first scalar and of its first byte.
    var scalarStarts: [Int] = [0]
    var byteStarts: [Int] = [0]
    let bytes: [UInt8]
    /// libyaml skips a UTF-8 byte order mark without counting it.
    let bomScalars: Int

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
        bomScalars = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 1 : 0
        var scalars = 0
        var offset = 0
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            if byte & 0xC0 != 0x80 { scalars += 1 }
            if byte == 0x0A || (byte == 0x0D && (offset == bytes.count || bytes[offset] != 0x0A)) {
                scalarStarts.append(scalars)
                byteStarts.append(offset)
            }
        }
    }

    /// 1-based line and column of the scalar at `index` (counted as libyaml counts it).
    package func position(ofScalar index: Int) -> (line: Int, column: Int) {
        let scalar = index + bomScalars
        let line = Self.lastStart(atOrBefore: scalar, in: scalarStarts)
        return (line + 1, scalar - scalarStarts[line] + 1 - (line == 0 ? bomScalars : 0))
    }

    /// 1-based line and column of the byte at `offset`.
    package func position(ofByte offset: Int) -> (line: Int, column: Int) {
        let offset = min(max(offset, 0), bytes.count)
        let line = Self.lastStart(atOrBefore: offset, in: byteStarts)
        var scalars = 0
        for index in byteStarts[line]..<offset where bytes[index] & 0xC0 != 0x80 { scalars += 1 }
        return (line + 1, scalars + 1 - (line == 0 ? bomScalars : 0))
    }

    static func lastStart(atOrBefore value: Int, in starts: [Int]) -> Int {
        var low = 0
        var high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= value { low = middle } else { high = middle - 1 }
        }
        return low
    }
}

private struct Composer {
    let file: String
    let limits: YAMLLimits
    let lines: LineTable
    var diagnostics: [Diagnostic] = []
    var anchors: [String: YAMLNode] = [:]
    /// Nodes written so far, and nodes counting alias expansions.
    var writtenNodes = 0
    var expandedNodes = 0
    var parser = yaml_parser_t()

    init(file: String, limits: YAMLLimits, lines: LineTable) {
        self.file = file
        self.limits = limits
        self.lines = lines
    }

    mutating func run(_ buffer: UnsafeBufferPointer<UInt8>) -> YAMLNode? {
        guard yaml_parser_initialize(&parser) == 1 else {
            diagnostics.append(.error(SourceLocation(file: file, line: 1, column: 1), "cannot initialise the YAML parser"))
            return nil
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
        do {
            var event = try next()  // stream start
            event.delete()
            event = try next()
            if event.type == YAML_STREAM_END_EVENT {
                event.delete()
                return nil
            }
            event.delete()  // document start
            let root = try node(from: try next(), depth: 0)
            try next().delete()  // document end
            let after = try next()
            defer { after.delete() }
            if after.type != YAML_STREAM_END_EVENT {
                diagnostics.append(
                    .error(
                        location(after.startMark),
                        "expected a single YAML document, but found another one; remove the '---' separator or split the file"))
                return nil
            }
            return root
        } catch {
            return nil
        }
    }

    /// libyaml's `index` counts Unicode scalars from the start (after a byte order mark); its `line`
    /// and `column` also break at NEL, U+2028 and U+2029, where editors do not, so they are not used.
    func location(_ mark: yaml_mark_t) -> SourceLocation {
        let (line, column) = lines.position(ofScalar: Int(mark.index))
        return SourceLocation(file: file, line: line, column: column)
    }

    mutating func next() throws -> Event {
        var raw = yaml_event_t()
        guard yaml_parser_parse(&parser, &raw) == 1 else {
            let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
            if problem.hasPrefix("Maximum nesting level reached") {
                // libyaml's own nesting limit (1000 levels, counted as it scans ahead): say it in our words.
                diagnostics.append(
                    .error(
                        location(parser.problem_mark),
                        "YAML nesting is deeper than the limit of \(min(limits.maxDepth, 1000)) levels"))
                throw ComposeError()
            }
            var message = "YAML syntax error: \(problem)"
            if let context = parser.context.map({ String(cString: $0) }) {
                let at = location(parser.context_mark)
                message += " (\(context) at line \(at.line), column \(at.column))"
            }
            // A reader error (a control character, say) has a byte offset instead of a mark.
            let (line, column) =
                parser.error == YAML_READER_ERROR
                ? lines.position(ofByte: parser.problem_offset) : lines.position(ofScalar: Int(parser.problem_mark.index))
            diagnostics.append(.error(SourceLocation(file: file, line: line, column: column), message))
            throw ComposeError()
        }
        return Event(raw: raw)
    }

    mutating func node(from event: Event, depth: Int) throws -> YAMLNode {
        defer { event.delete() }
        let here = location(event.startMark)
        if depth > limits.maxDepth {
            diagnostics.append(.error(here, "YAML nesting is deeper than the limit of \(limits.maxDepth) levels"))
            throw ComposeError()
        }
        switch event.type {
        case YAML_ALIAS_EVENT:
            let name = event.string(event.raw.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                diagnostics.append(
                    .error(here, "unknown alias \(quoted: "*" + name): no anchor \(quoted: "&" + name) is defined before it"))
                throw ComposeError()
            }
            if depth + target.height - 1 > limits.maxDepth {
                diagnostics.append(
                    .error(
                        here, "YAML nesting is deeper than the limit of \(limits.maxDepth) levels through the alias \(quoted: "*" + name)"))
                throw ComposeError()
            }
            try countExpansion(target.expandedSize, at: here)
            return target
        case YAML_SCALAR_EVENT:
            let data = event.raw.data.scalar
            let text =
                data.value.map { pointer in
                    String(decoding: UnsafeBufferPointer(start: pointer, count: data.length), as: UTF8.self)
                } ?? ""
            let scalar = YAMLScalar(
                text: text, plain: data.style == YAML_PLAIN_SCALAR_STYLE, tag: event.string(data.tag))
            let node = YAMLNode(.scalar(scalar), here, expandedSize: 1)
            try countWritten(at: here)
            register(event.string(data.anchor), node)
            return node
        case YAML_SEQUENCE_START_EVENT:
            let anchor = event.string(event.raw.data.sequence_start.anchor)
            var items: [YAMLNode] = []
            var size = 1
            try countWritten(at: here)
            while true {
                let child = try next()
                if child.type == YAML_SEQUENCE_END_EVENT {
                    child.delete()
                    break
                }
                let item = try node(from: child, depth: depth + 1)
                size += item.expandedSize
                items.append(item)
            }
            let node = YAMLNode(.sequence(items), here, expandedSize: size)
            register(anchor, node)
            return node
        case YAML_MAPPING_START_EVENT:
            let anchor = event.string(event.raw.data.mapping_start.anchor)
            var pairs: [YAMLPair] = []
            var seen: [String: SourceLocation] = [:]
            var merged: [YAMLPair] = []
            var size = 1
            try countWritten(at: here)
            while true {
                let keyEvent = try next()
                if keyEvent.type == YAML_MAPPING_END_EVENT {
                    keyEvent.delete()
                    break
                }
                let keyLocation = location(keyEvent.startMark)
                let key = try node(from: keyEvent, depth: depth + 1)
                let valueEvent = try next()
                let valueLocation = location(valueEvent.startMark)
                let value = try node(from: valueEvent, depth: depth + 1)
                guard let keyScalar = key.scalar else {
                    diagnostics.append(
                        .error(keyLocation, "mapping keys must be single values such as strings, not \(key.kindDescription)"))
                    continue
                }
                size += value.expandedSize
                if keyScalar.text == "<<" && !keyScalar.isQuoted {
                    merged.append(contentsOf: mergeSources(value, at: valueLocation))
                    continue
                }
                if let first = seen[keyScalar.text] {
                    diagnostics.append(
                        .error(
                            keyLocation,
                            "duplicate key \(quoted: keyScalar.text) (first defined at line \(first.line), column \(first.column))"))
                    continue
                }
                seen[keyScalar.text] = keyLocation
                pairs.append(YAMLPair(key: keyScalar.text, keyLocation: keyLocation, value: value))
            }
            for pair in merged where seen[pair.key] == nil {
                seen[pair.key] = pair.keyLocation
                pairs.append(pair)
            }
            let node = YAMLNode(.mapping(pairs), here, expandedSize: size)
            register(anchor, node)
            return node
        default:
            diagnostics.append(.error(here, "unexpected YAML event"))
            throw ComposeError()
        }
    }

    /// The pairs a `<<` merge key brings in: one mapping or a list of mappings (earlier ones win).
    /// `location` is where the value is written (an alias's own position, not its anchor's).
    mutating func mergeSources(_ value: YAMLNode, at location: SourceLocation) -> [YAMLPair] {
        if let pairs = value.mapping { return pairs }
        if let items = value.sequence {
            var result: [YAMLPair] = []
            var keys: Set<String> = []
            for item in items {
                guard let pairs = item.mapping else {
                    diagnostics.append(.error(item.location, "a '<<' merge takes mappings, not \(item.foundDescription)"))
                    continue
                }
                for pair in pairs where keys.insert(pair.key).inserted { result.append(pair) }
            }
            return result
        }
        diagnostics.append(.error(location, "a '<<' merge takes a mapping or a list of mappings, not \(value.foundDescription)"))
        return []
    }

    /// Counts a node written in the document, against ``YAMLLimits/maxNodes``.
    mutating func countWritten(at location: SourceLocation) throws {
        writtenNodes += 1
        expandedNodes += 1
        if writtenNodes > limits.maxNodes {
            diagnostics.append(
                .error(location, "YAML document has more than the limit of \(limits.maxNodes) nodes (values, lists and mappings)"))
            throw ComposeError()
        }
    }

    /// Counts the nodes an alias stands for, against ``YAMLLimits/maxExpandedNodes``.
    mutating func countExpansion(_ nodes: Int, at location: SourceLocation) throws {
        expandedNodes += nodes
        if expandedNodes > limits.maxExpandedNodes {
            diagnostics.append(
                .error(
                    location,
                    "YAML aliases expand the document to more than the limit of \(limits.maxExpandedNodes) nodes; refusing it (a YAML alias bomb?)"
                ))
            throw ComposeError()
        }
    }

    mutating func register(_ anchor: String?, _ node: YAMLNode) {
        if let anchor { anchors[anchor] = node }
    }
}

/// Owns one libyaml event; `delete()` must be called once.
private struct Event {
    var raw: yaml_event_t

    var type: yaml_event_type_t { raw.type }
    var startMark: yaml_mark_t { raw.start_mark }

    func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    func delete() {
        var copy = raw
        yaml_event_delete(&copy)
    }
}
