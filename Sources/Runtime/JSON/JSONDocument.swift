import Synchronization

/// A JSON text checked once (the whole grammar, as ``JSONValue/parse(_:)-(UnsafeRawBufferPointer)``
/// checks it, with the same errors) and then read on demand: a member's value is found by skipping
/// its siblings, and only what is read is built. An input body is ~14 KB of which a playbook
/// usually reads the kind, the operation, a name, a namespace and some labels; building the rest
/// would be most of the cost of handling it.
///
/// A class, so that a node (which holds its document) is copied with one reference count, not
/// one per array.
final class JSONDocument: Sendable {
    /// The text, shared with what it was read from: a document of a line ``LineReader`` read
    /// keeps the line's block or mapped part of the file, not a copy of the line.
    let bytes: InputBytes
    /// Where the root value starts.
    let root: Int
    /// Where each array and object starts and ends, in order of their starts: a read jumps over
    /// a container it does not enter, so finding a member costs the members, not their content.
    /// The starts, then the ends, in one array: one allocation per document rather than two.
    let containers: [Int]
    /// How many arrays and objects the text has.
    var containerCount: Int { containers.count / 2 }
    /// The maps of strings built from this text, by where they start (see ``strings(at:)``).
    private let builtStrings = Mutex<[Int: [String: String]]>([:])

    /// Checks `bytes` as one JSON text.
    convenience init(checking bytes: [UInt8]) throws(JSONParseError) {
        try self.init(checking: InputBytes(bytes))
    }

    /// Checks `bytes` as one JSON text.
    init(checking bytes: InputBytes) throws(JSONParseError) {
        let (root, containers) = try bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) -> (Int, [Int]) in
                guard let base = buffer.baseAddress, !buffer.isEmpty else {
                    throw JSONParseError(offset: 0, message: "expected a value, found end of input")
                }
                var root = JSONParser(base: base, count: buffer.count, building: false)
                root.skipWhitespace()
                var quick = JSONParser(base: base, count: buffer.count, building: false)
                defer { quick.release() }
                if quick.quickCheckDocument() { return (root.position, quick.containerTable) }
                // Refused: the checking parse says why (or, were the two ever to disagree, accepts).
                var parser = JSONParser(base: base, count: buffer.count, building: false)
                defer { parser.release() }
                parser.recordsContainers = true
                _ = try parser.parseDocument()
                return (root.position, parser.containerStarts + parser.containerEnds)
            }
        }.get()
        self.bytes = bytes
        self.root = root
        self.containers = containers
    }

    /// Whether the quick check alone accepts `bytes` (tests hold it to the checking parse).
    static func quickCheckAccepts(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return false }
            var parser = JSONParser(base: base, count: buffer.count, building: false)
            defer { parser.release() }
            return parser.quickCheckDocument()
        }
    }

    /// A document already checked: a container of a checked one.
    private init(bytes: InputBytes, containers: [Int]) {
        self.bytes = bytes
        self.root = 0
        self.containers = containers
    }

    /// The container that starts at `offset` as a document of its own, holding only its bytes,
    /// so that keeping it does not keep the rest of this one.
    func detached(containerAt offset: Int) -> JSONDocument? {
        let count = containerCount
        guard let low = JSONParser.container(startingAt: offset, in: containers[..<count]) else { return nil }
        let end = containers[count + low]
        var last = low
        while last < count, containers[last] < end { last += 1 }
        return JSONDocument(
            bytes: InputBytes(bytes.copied(offset..<end)),
            containers: containers[low..<last].map { $0 - offset } + containers[count + low..<count + last].map { $0 - offset })
    }

    /// The object at `offset`, whose values are all strings, built at its first read and kept:
    /// an alert's annotations are read by each action that reports the alert.
    func strings(at offset: Int) -> [String: String] {
        if let built = builtStrings.withLock({ $0[offset] }) { return built }
        // Built outside the lock; two readers at once may both build it, and either result is the same.
        let built = JSONNode(document: self, offset: offset).strings ?? [:]
        builtStrings.withLock { $0[offset] = built }
        return built
    }

    /// The node of the root value.
    var rootNode: JSONNode { JSONNode(document: self, offset: root) }

    /// Runs `body` with a parser at `offset`. The text was checked, so reading it cannot fail;
    /// a failure would be a bug in the parser, and stops the program rather than mislead it.
    func read<T>(at offset: Int, building: Bool, _ body: (inout JSONParser) throws(JSONParseError) -> T) -> T {
        bytes.withUnsafeBufferPointer { buffer in
            containers.withUnsafeBufferPointer { table in
                var parser = JSONParser(base: buffer.baseAddress!, count: buffer.count, building: building)
                defer { parser.release() }
                parser.position = offset
                parser.knownContainers = (
                    UnsafeBufferPointer(rebasing: table[..<(table.count / 2)]), UnsafeBufferPointer(rebasing: table[(table.count / 2)...])
                )
                do {
                    return try body(&parser)
                } catch {
                    fatalError("a checked JSON text failed to read at byte \(offset): \(error)")
                }
            }
        }
    }
}

/// A value inside a ``JSONDocument``: its kind at a glance, its members found on demand, and the
/// value itself built when asked for.
struct JSONNode: Sendable {
    let document: JSONDocument
    let offset: Int

    /// The first byte of the value, which says what it is.
    private var lead: UInt8 { document.bytes[offset] }
    var isObject: Bool { lead == UInt8(ascii: "{") }
    var isNull: Bool { lead == UInt8(ascii: "n") }

    /// The values of the last members named `keys` (at most ``NodeMembers/capacity`` of them; as
    /// parsing keeps the last of duplicate keys), found in one pass; `nil` for a key the object
    /// does not have, and all `nil` when this is not an object.
    func members(_ keys: [String]) -> NodeMembers {
        var nodes = NodeMembers(document: document, count: keys.count)
        if isObject { forEachMember(matching: { JSONParser.index(of: $0, in: keys) }, found: { nodes.found($0, at: $1.offset) }) }
        return nodes
    }

    /// The value of the last member named `key`, when this is an object that has one; unlike
    /// `members([key])[0]`, it allocates nothing.
    func member(_ key: String) -> JSONNode? {
        var node: JSONNode?
        if isObject { forEachMember(matching: { JSONParser.equal($0, key) ? 0 : nil }, found: { node = $1 }) }
        return node
    }

    /// Hands `found` each member of this object that `match` picks (its index there, and its
    /// value), in text order, so a later duplicate key comes after the earlier one.
    private func forEachMember(matching match: (UnsafeBufferPointer<UInt8>) -> Int?, found: (Int, JSONNode) -> Void) {
        document.read(at: offset, building: false) { parser throws(JSONParseError) in
            _ = try parser.readMembers(matching: match) { index, parser throws(JSONParseError) in
                found(index, JSONNode(document: document, offset: parser.position))
                try parser.skipKnownValue()
                return true
            }
        }
    }

    /// The elements, when this is an array.
    var elements: [JSONNode]? {
        guard lead == UInt8(ascii: "[") else { return nil }
        let offsets = document.read(at: offset, building: false) { parser throws(JSONParseError) in try parser.elementOffsets() }
        return offsets.map { JSONNode(document: document, offset: $0) }
    }

    /// The members, when this is an object whose values are all strings (labels, annotations),
    /// built straight into strings; `nil` otherwise, and also when a value a later duplicate key
    /// replaces is not a string (the caller then reads the built value).
    var strings: [String: String]? {
        guard isObject else { return nil }
        return document.read(at: offset, building: false) { parser throws(JSONParseError) in try parser.parseStringMap() }
    }

    /// The value, built.
    var value: JSONValue {
        document.read(at: offset, building: true) { parser throws(JSONParseError) in try parser.parseValue() }
    }

    /// The string, when the value is one.
    var stringValue: String? {
        guard lead == UInt8(ascii: "\"") else { return nil }
        return document.read(at: offset, building: false) { parser throws(JSONParseError) in try parser.parseString() }
    }
}

/// The values of up to nine members of an object in a ``JSONDocument``, by the index of their key
/// in the lookup: where each starts, held inline. An array of nodes was an allocation per lookup
/// (four per Pod update), and making one looks the array's type up in the runtime's metadata
/// cache, whose reader count both cores write.
struct NodeMembers: MemberList {
    /// As many keys as an Alertmanager webhook's fields, the most the decoder looks up at once.
    static let capacity = 9

    let document: JSONDocument
    let count: Int
    /// Where each value starts, -1 for a key the object does not have: a tuple, as `InlineArray`
    /// needs macOS 26.
    private var offsets: (Int, Int, Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1, -1, -1)

    init(document: JSONDocument, count: Int) {
        precondition(count <= Self.capacity, "at most \(Self.capacity) members are looked up at once")
        self.document = document
        self.count = count
    }

    subscript(index: Int) -> JSONNode? {
        precondition(index >= 0 && index < count, "member index out of range")
        let offset = withUnsafeBytes(of: offsets) { $0.load(fromByteOffset: index * MemoryLayout<Int>.stride, as: Int.self) }
        return offset < 0 ? nil : JSONNode(document: document, offset: offset)
    }

    /// Records that the value of the key at `index` starts at `offset`.
    mutating func found(_ index: Int, at offset: Int) {
        precondition(index >= 0 && index < count, "member index out of range")
        withUnsafeMutableBytes(of: &offsets) { $0.storeBytes(of: offset, toByteOffset: index * MemoryLayout<Int>.stride, as: Int.self) }
    }
}
