/// A JSON text that is not valid RFC 8259 JSON: where (a byte offset into the text) and why.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem in the parsed text.
    public var offset: Int
    /// What was expected and what was found, e.g. `expected ':' after an object key, found '}'`.
    public var message: String

    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Parses one JSON text (UTF-8). Whole text must be one value (whitespace around allowed).
    ///
    /// Strict RFC 8259: no comments, trailing commas, `NaN`, leading zeros, unescaped control characters,
    /// invalid UTF-8 or unpaired surrogate escapes. Integers that fit `Int64` become `.int`, other numbers
    /// `.double` (a number too large for a `Double` is an error). Nesting deeper than
    /// ``maximumParseDepth`` is an error, so hostile input cannot exhaust the stack. For duplicate object
    /// keys the last one wins, as in Python's `json`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(offset: 0, message: "expected a value, found end of input")
        }
        var parser = JSONParser(base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        defer { parser.release() }
        return try parser.parseDocument()
    }

    /// Parses the UTF-8 form of `text`; see ``parse(_:)-(UnsafeRawBufferPointer)``.
    public static func parse(_ text: some StringProtocol) throws(JSONParseError) -> JSONValue {
        let fast = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }
        if let fast { return try fast.get() }
        var copy = String(text)
        return try copy.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer)) }
        }.get()
    }

    /// Parses a UTF-8 JSON text; see ``parse(_:)-(UnsafeRawBufferPointer)``.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer) }
        }.get()
    }

    /// How deeply arrays and objects may nest in a parsed text.
    public static let maximumParseDepth = 512
}

// ASCII bytes the parser looks at.
private let quote: UInt8 = 0x22  // "
private let backslash: UInt8 = 0x5C  // \
private let comma: UInt8 = 0x2C  // ,
private let colon: UInt8 = 0x3A  // :
private let openBrace: UInt8 = 0x7B  // {
private let closeBrace: UInt8 = 0x7D  // }
private let openBracket: UInt8 = 0x5B  // [
private let closeBracket: UInt8 = 0x5D  // ]
private let minus: UInt8 = 0x2D  // -
private let plus: UInt8 = 0x2B  // +
private let dot: UInt8 = 0x2E  // .
private let zero: UInt8 = 0x30  // 0

/// A recursive-descent parser over a borrowed UTF-8 buffer. It never reads outside `base[0..<end]`.
struct JSONParser {
    let base: UnsafePointer<UInt8>
    let end: Int
    var position = 0
    var depth = 0
    /// Reused for strings that contain escapes.
    var scratch: [UInt8] = []
    /// Members of the objects and elements of the arrays being parsed, innermost last.
    var members: ScratchStack<(String, JSONValue)>
    var elements: ScratchStack<JSONValue>
    /// `false` checks the grammar without building values: the same checks, the same errors,
    /// and no allocation (values come back as `.null`). Lazily read documents are checked so.
    let building: Bool

    /// After the quick check, or the checking parse when `recordsContainers`: where each array and
    /// object starts (at its bracket) and ends (after its closing bracket), in the order they
    /// open, so that later reads of a checked text jump over a container instead of scanning it.
    var recordsContainers = false
    var containerStarts: [Int] = []
    var containerEnds: [Int] = []
    /// What the quick check records: the starts, then the ends, in one array (one allocation
    /// per document rather than two).
    var containerTable: [Int] = []
    var openContainers: [Int] = []
    /// The recorded containers of the text being read, for member lookups to jump over.
    var knownContainers: (starts: UnsafeBufferPointer<Int>, ends: UnsafeBufferPointer<Int>)?

    init(base: UnsafePointer<UInt8>, count: Int, building: Bool = true) {
        self.base = base
        self.end = count
        self.building = building
        members = ScratchStack()
        elements = ScratchStack()
    }

    /// Frees the scratch stacks, including what an error left on them.
    func release() {
        members.release()
        elements.release()
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        if position < end { throw failure("expected end of input after the JSON value, found \(found())") }
        return value
    }

    /// Reads the object at `position` of a checked text in one pass, in text order: `visit` is
    /// handed the index in `keys` of each member named there (as decoded, escapes and all), with
    /// the parser at its value, and either moves past the value and answers `true`, or declines it
    /// (`false`), which ends the read. Other members are skipped, not built. `false` when the
    /// value at `position` is not an object or a value was declined; otherwise `true`, past the
    /// object. For decoders that take an object's values straight from the text and leave
    /// anything unexpected to a general path.
    mutating func readMembers(
        named keys: [String], _ visit: (Int, inout JSONParser) throws(JSONParseError) -> Bool
    ) throws(JSONParseError) -> Bool {
        try readMembers(matching: { Self.index(of: $0, in: keys) }, visit)
    }

    /// ``readMembers(named:_:)`` with the keys matched by `match`, which gives a decoded key's
    /// index among those wanted, or `nil`.
    mutating func readMembers(
        matching match: (UnsafeBufferPointer<UInt8>) -> Int?, _ visit: (Int, inout JSONParser) throws(JSONParseError) -> Bool
    ) throws(JSONParseError) -> Bool {
        precondition(!building, "members are looked up without building the values skipped on the way")
        skipWhitespace()
        guard position < end, base[position] == openBrace else { return false }
        try enterContainer()
        position &+= 1
        skipWhitespace()
        while position < end, base[position] == quote {
            let matched: Int?
            if let plain = try scanString() {
                matched = match(UnsafeBufferPointer(start: base + plain.lowerBound, count: plain.count))
            } else {
                matched = scratch.withUnsafeBufferPointer { match($0) }
            }
            skipWhitespace()
            guard position < end, base[position] == colon else {
                throw failure("expected ':' after an object key, found \(found())")
            }
            position &+= 1
            skipWhitespace()
            if let matched {
                guard try visit(matched, &self) else { return false }
            } else {
                try skipKnownValue()
            }
            guard skipSeparator() else { break }
        }
        depth &-= 1
        position &+= 1  // }
        return true
    }

    /// Reads the array at `position` of a checked text element by element: `visit` is handed
    /// the parser at each element and moves past it (`true`) or declines it (`false`), which
    /// ends the read with `false`, as does a value that is not an array. `true` past the array.
    mutating func readElements(_ visit: (inout JSONParser) throws(JSONParseError) -> Bool) throws(JSONParseError) -> Bool {
        guard position < end, base[position] == openBracket else { return false }
        position &+= 1
        skipWhitespace()
        while position < end, base[position] != closeBracket {
            guard try visit(&self) else { return false }
            guard skipSeparator() else { break }
        }
        position &+= 1  // ]
        return true
    }

    /// The offsets of the elements of the array at `position`, jumping over the containers the
    /// text records.
    mutating func elementOffsets() throws(JSONParseError) -> [Int] {
        precondition(!building, "elements are found without building them")
        var offsets: [Int] = []
        position &+= 1  // [
        skipWhitespace()
        while position < end, base[position] != closeBracket {
            offsets.append(position)
            try skipKnownValue()
            guard skipSeparator() else { break }
        }
        return offsets
    }

    /// The object at `position` (of a checked text) as strings, when all its values are
    /// strings, moving past it; `nil` at the first value that is not, even one a later duplicate
    /// key replaces. A later duplicate key wins, as in a parse.
    mutating func parseStringMap() throws(JSONParseError) -> [String: String]? {
        var strings: [String: String] = [:]
        // Labels and annotations seldom number more than this; growing a dictionary rehashes it.
        strings.reserveCapacity(8)
        guard try parseStringMembers({ strings[$0] = $1 }) else { return nil }
        return strings
    }

    /// The members of the object at `position` (of a checked text) when all its values are
    /// strings, in text order, repeated keys and all; `nil` as ``parseStringMap()`` answers it.
    mutating func parseStringPairs() throws(JSONParseError) -> [(key: String, value: String)]? {
        var pairs: [(key: String, value: String)] = []
        pairs.reserveCapacity(8)
        guard try parseStringMembers({ pairs.append(($0, $1)) }) else { return nil }
        return pairs
    }

    /// Reads the object at `position` (of a checked text), handing each member to `each`, as
    /// long as its values are strings; `false` at the first value that is not.
    @inline(__always)
    private mutating func parseStringMembers(_ each: (String, String) -> Void) throws(JSONParseError) -> Bool {
        position &+= 1  // {
        skipWhitespace()
        while position < end, base[position] == quote {
            let key = try parseString()
            skipWhitespace()
            position &+= 1  // :
            skipWhitespace()
            guard position < end, base[position] == quote else { return false }
            each(key, try parseString())
            guard skipSeparator() else { break }
        }
        position &+= 1  // }
        return true
    }

    /// Moves past the object at `position` (of a checked text) when all its values are strings,
    /// building nothing; `false` at the first value that is not, as ``parseStringMap()`` answers
    /// `nil` there.
    mutating func skipStringMap() throws(JSONParseError) -> Bool {
        position &+= 1  // {
        skipWhitespace()
        while position < end, base[position] == quote {
            try skipString()
            skipWhitespace()
            position &+= 1  // :
            skipWhitespace()
            guard position < end, base[position] == quote else { return false }
            try skipString()
            guard skipSeparator() else { break }
        }
        position &+= 1  // }
        return true
    }

    /// The string at `position` of a checked text, moving past it; `nil`, not moving, when the
    /// value there is not a string.
    mutating func readString() throws(JSONParseError) -> String? {
        guard base[position] == quote else { return nil }
        return try parseString()
    }

    /// Whether the value at `position` of a checked text is a string whose content is exactly
    /// `text`'s bytes, moving past it when it is: the caller then uses `text` itself, which for a
    /// literal costs no allocation, where reading the string would build a copy.
    mutating func readString(ifExactly text: String) -> Bool {
        let count = text.utf8.count
        guard base[position] == quote, position + count + 1 < end, base[position + count + 1] == quote,
            Self.equal(UnsafeBufferPointer(start: base + position + 1, count: count), text)
        else { return false }
        position &+= count + 2
        return true
    }

    /// Whether the value at `position` of a checked text is `null`, moving past it when it is.
    mutating func readNull() -> Bool {
        guard base[position] == UInt8(ascii: "n") else { return false }
        position &+= 4
        return true
    }

    static func index(of key: UnsafeBufferPointer<UInt8>, in keys: [String]) -> Int? {
        keys.firstIndex { equal(key, $0) }
    }

    /// Whether the decoded key `key` is `candidate`'s UTF-8.
    static func equal(_ key: UnsafeBufferPointer<UInt8>, _ candidate: String) -> Bool {
        guard candidate.utf8.count == key.count else { return false }
        // Byte by byte over contiguous storage (the keys are literals, so always): the generic
        // comparison of a `String.UTF8View` was a tenth of reading an Alertmanager body.
        return candidate.utf8.withContiguousStorageIfAvailable { bytes in
            for index in 0..<bytes.count where bytes[index] != key[index] { return false }
            return true
        } ?? candidate.utf8.elementsEqual(key)
    }

    // MARK: Errors

    func failure(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? position, message: message)
    }

    /// The byte at `offset`, described for an error message.
    func found(at offset: Int? = nil) -> String {
        let offset = offset ?? position
        guard offset < end else { return "end of input" }
        let byte = base[offset]
        if byte == 0xEF && offset + 2 < end && base[offset + 1] == 0xBB && base[offset + 2] == 0xBF {
            return "a UTF-8 byte order mark (bytes 0xEF 0xBB 0xBF)"
        }
        if byte > 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(hex(byte))"
    }

    func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }

    // MARK: Values

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            switch base[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position &+= 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard position < end else { throw failure("expected a value, found end of input") }
        switch base[position] {
        case quote:
            guard building else {
                try skipString()
                return .null
            }
            return .string(try parseString())
        case openBrace: return try parseObject()
        case openBracket: return try parseArray()
        case UInt8(ascii: "t"):
            try parseLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try parseLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try parseLiteral("null")
            return .null
        case minus, zero...UInt8(ascii: "9"): return try parseNumber()
        default: throw failure("expected a value, found \(found())")
        }
    }

    mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in bytes {
            guard position < end, base[position] == expected else {
                throw failure("expected '\(literal)', found \(found())")
            }
            position &+= 1
        }
    }

    /// At the opening bracket of an array or object.
    mutating func enterContainer() throws(JSONParseError) {
        depth &+= 1
        if depth > JSONValue.maximumParseDepth {
            throw failure("arrays and objects nest deeper than \(JSONValue.maximumParseDepth) levels")
        }
        if recordsContainers {
            openContainers.append(containerStarts.count)
            containerStarts.append(position)
            containerEnds.append(-1)
        }
    }

    /// After the closing bracket of an array or object.
    @inline(__always)
    mutating func leaveContainer() {
        depth &-= 1
        if recordsContainers { containerEnds[openContainers.removeLast()] = position }
    }

    /// Where the recorded container that starts at `position` ends, if there is one.
    func knownContainerEnd() -> Int? {
        guard let (starts, ends) = knownContainers, let index = Self.container(startingAt: position, in: starts) else { return nil }
        return ends[index]
    }

    /// The index of the container that starts at `offset` among recorded starts (ascending).
    static func container(startingAt offset: Int, in starts: some RandomAccessCollection<Int>) -> Int? {
        var low = starts.startIndex
        var high = starts.endIndex
        while low < high {
            let middle = starts.index(low, offsetBy: starts.distance(from: low, to: high) / 2)
            if starts[middle] < offset { low = starts.index(after: middle) } else { high = middle }
        }
        return low < starts.endIndex && starts[low] == offset ? starts.distance(from: starts.startIndex, to: low) : nil
    }

    /// Moves past the value at `position` of a checked text: over a recorded container in one
    /// step, otherwise by reading it without building it.
    mutating func skipKnownValue() throws(JSONParseError) {
        if let end = knownContainerEnd() {
            position = end
        } else {
            _ = try parseValue()
        }
    }

    /// After a member or an element of a checked text: past the ',' and the whitespace after it
    /// (`true`), or `false` at the container's end.
    mutating func skipSeparator() -> Bool {
        skipWhitespace()
        guard position < end, base[position] == comma else { return false }
        position &+= 1
        skipWhitespace()
        return true
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position &+= 1  // {
        skipWhitespace()
        if position < end && base[position] == closeBrace {
            position &+= 1
            leaveContainer()
            return building ? .object([:]) : .null
        }
        let first = members.count
        while true {
            guard position < end, base[position] == quote else {
                // Only a ',' leads here with a '}' next: an empty object returned above.
                if position < end && base[position] == closeBrace {
                    throw failure("expected a string key after ',', found '}' (trailing commas are not allowed)")
                }
                throw failure("expected a string key, found \(found())")
            }
            let key = building ? try parseString() : ""
            if !building { try skipString() }
            skipWhitespace()
            guard position < end, base[position] == colon else {
                throw failure("expected ':' after an object key, found \(found())")
            }
            position &+= 1
            let value = try parseValue()
            if building { members.push((key, value)) }
            skipWhitespace()
            guard position < end else { throw failure("expected ',' or '}' after an object member, found end of input") }
            switch base[position] {
            case comma:
                position &+= 1
                skipWhitespace()
            case closeBrace:
                position &+= 1
                leaveContainer()
                guard building else { return .null }
                // Sized once, so the dictionary never rehashes while it fills; a later duplicate key wins.
                var object = [String: JSONValue](minimumCapacity: members.count - first)
                members.popAll(from: first) { key, value in object[key] = value }
                return .object(object)
            default:
                throw failure("expected ',' or '}' after an object member, found \(found())")
            }
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enterContainer()
        position &+= 1  // [
        skipWhitespace()
        if position < end && base[position] == closeBracket {
            position &+= 1
            leaveContainer()
            return building ? .array([]) : .null
        }
        let first = elements.count
        while true {
            skipWhitespace()
            if position < end && base[position] == closeBracket {
                // Only a ',' leads here with a ']' next: an empty array returned above.
                throw failure("expected a value after ',', found ']' (trailing commas are not allowed)")
            }
            let element = try parseValue()
            if building { elements.push(element) }
            skipWhitespace()
            guard position < end else { throw failure("expected ',' or ']' after an array element, found end of input") }
            switch base[position] {
            case comma:
                position &+= 1
            case closeBracket:
                position &+= 1
                leaveContainer()
                return building ? .array(elements.popArray(from: first)) : .null
            default:
                throw failure("expected ',' or ']' after an array element, found \(found())")
            }
        }
    }

    // MARK: Numbers

    @inline(__always)
    func isDigit(_ offset: Int) -> Bool {
        offset < end && base[offset] &- zero < 10
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = position
        let negative = base[position] == minus
        if negative {
            position &+= 1
            guard isDigit(position) else { throw failure("expected a digit after '-', found \(found())") }
        }
        var magnitude: UInt64 = 0
        var fitsMagnitude = true
        if base[position] == zero {
            position &+= 1
            if isDigit(position) { throw failure("leading zeros are not allowed in numbers", at: position - 1) }
        } else {
            while isDigit(position) {
                let digit = UInt64(base[position] &- zero)
                let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
                let (sum, overflow2) = times10.addingReportingOverflow(digit)
                if overflow1 || overflow2 { fitsMagnitude = false }
                magnitude = sum
                position &+= 1
            }
        }
        var isInteger = true
        if position < end && base[position] == dot {
            isInteger = false
            position &+= 1
            guard isDigit(position) else { throw failure("expected a digit after '.' in a number, found \(found())") }
            while isDigit(position) { position &+= 1 }
        }
        var hasExponent = false
        if position < end && base[position] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            hasExponent = true
            position &+= 1
            if position < end && (base[position] == plus || base[position] == minus) { position &+= 1 }
            guard isDigit(position) else { throw failure("expected a digit in the exponent of a number, found \(found())") }
            while isDigit(position) { position &+= 1 }
        }
        if isInteger && fitsMagnitude {
            if !building { return .null }
            if !negative && magnitude <= UInt64(Int64.max) { return .int(Int(Int64(magnitude))) }
            if negative && magnitude <= UInt64(Int64.max) + 1 { return .int(Int(Int64(bitPattern: 0 &- magnitude))) }
        }
        // A number without an exponent and with fewer than 300 digits is far below Double's
        // largest (about 1.8e308), so checking it needs no conversion.
        if !building && !hasExponent && position - start < 300 { return .null }
        // Rare: fractions, exponents, integers beyond Int64. The grammar is already checked.
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)
        guard let double = Double(text), double.isFinite else {
            throw failure("number is too large for a 64-bit floating-point value", at: start)
        }
        return .double(double)
    }

    // MARK: Strings

    /// Parses the string whose opening quote is at `position`.
    mutating func parseString() throws(JSONParseError) -> String {
        if let plain = try scanString() {
            return String(decoding: UnsafeBufferPointer(start: base + plain.lowerBound, count: plain.count), as: UTF8.self)
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    /// Checks the string whose opening quote is at `position` and moves past it, building nothing.
    mutating func skipString() throws(JSONParseError) {
        _ = try scanString(decoding: false)
    }

    /// Checks the string whose opening quote is at `position` and moves past it. Returns the byte
    /// range of its content when it has no escapes; otherwise `nil`, with the decoded bytes in
    /// `scratch` when `decoding` (a string only checked is not decoded).
    mutating func scanString(decoding: Bool = true) throws(JSONParseError) -> Range<Int>? {
        let opening = position
        position &+= 1
        let start = position
        while true {
            skipPlainBytes()
            guard position < end else {
                throw failure("expected '\"' to end the string that starts at byte \(opening), found end of input")
            }
            let byte = base[position]
            if byte == quote {
                position &+= 1
                return start..<(position - 1)
            } else if byte == backslash {
                try decodeEscapedString(from: start, opening: opening, decoding: decoding)
                return nil
            } else if byte < 0x20 {
                throw failure("control character 0x\(hex(byte)) must be escaped in a string")
            } else if byte >= 0x80 {
                try skipMultibyteCharacter()
            } else {
                position &+= 1
            }
        }
    }

    /// Advances past ASCII bytes that need no attention in a string (not `"`, `\`, a control character
    /// or a non-ASCII byte), eight at a time where it can.
    @inline(__always)
    mutating func skipPlainBytes() {
        position = Self.plainBytesEnd(base, from: position, to: end)
    }

    /// Where the run of plain string bytes from `start` ends (see ``skipPlainBytes()``): a function
    /// of locals, so that the quick check's loop keeps its position in a register.
    @inline(__always)
    static func plainBytesEnd(_ base: UnsafePointer<UInt8>, from start: Int, to end: Int) -> Int {
        var position = start
        #if _endian(little)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highBits: UInt64 = 0x8080_8080_8080_8080
            while position &+ 8 <= end {
                let word = UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self)
                let quotes = word ^ (ones &* UInt64(quote))
                let backslashes = word ^ (ones &* UInt64(backslash))
                // A byte's high bit is set where it is zero in `quotes`/`backslashes`, below 0x20, or non-ASCII.
                // Borrows can only flag bytes above a truly flagged one, so the lowest flag is exact.
                let flags =
                    ((quotes &- ones) & ~quotes) | ((backslashes &- ones) & ~backslashes) | (word &- ones &* 0x20) | word
                let special = flags & highBits
                if special != 0 { return position &+ special.trailingZeroBitCount >> 3 }
                position &+= 8
            }
        #endif
        while position < end {
            let byte = base[position]
            if byte == quote || byte == backslash || byte < 0x20 || byte >= 0x80 { return position }
            position &+= 1
        }
        return position
    }

    /// Checks one well-formed UTF-8 multi-byte character at `position` (RFC 3629: no overlong forms,
    /// no surrogates, nothing above U+10FFFF) and advances past it.
    mutating func skipMultibyteCharacter() throws(JSONParseError) {
        let lead = base[position]
        var length = 0
        var secondLow: UInt8 = 0x80
        var secondHigh: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondLow = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondHigh = 0x9F
        case 0xF0:
            length = 4
            secondLow = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondHigh = 0x8F
        default:
            throw failure("invalid UTF-8: byte 0x\(hex(lead)) cannot start a character")
        }
        for index in 1..<length {
            let low = index == 1 ? secondLow : 0x80
            let high = index == 1 ? secondHigh : 0xBF
            let offset = position + index
            guard offset < end, base[offset] >= low && base[offset] <= high else {
                throw failure(
                    "invalid UTF-8: expected a byte in 0x\(hex(low))-0x\(hex(high)) to continue the character that starts with "
                        + "byte 0x\(hex(lead)), found \(found(at: offset))", at: offset)
            }
        }
        position &+= length
    }

    /// Finishes checking a string that has escapes, decoding it into `scratch` when `decoding`;
    /// `start` is its first content byte, `position` its first `\`.
    mutating func decodeEscapedString(from start: Int, opening: Int, decoding: Bool) throws(JSONParseError) {
        if decoding {
            scratch.removeAll(keepingCapacity: true)
            // Room for the rest of the string too, mostly: growing it by doubling allocated again and again.
            scratch.reserveCapacity(position - start + 64)
            scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: position - start))
        }
        while true {
            let runStart = position
            skipPlainBytes()
            if decoding, position > runStart {
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: position - runStart))
            }
            guard position < end else {
                throw failure("expected '\"' to end the string that starts at byte \(opening), found end of input")
            }
            let byte = base[position]
            if byte == quote {
                position &+= 1
                return
            } else if byte == backslash {
                let scalar = try parseEscape()
                if decoding { appendUTF8(scalar) }
            } else if byte < 0x20 {
                throw failure("control character 0x\(hex(byte)) must be escaped in a string")
            } else {
                let characterStart = position
                try skipMultibyteCharacter()
                if decoding {
                    scratch.append(contentsOf: UnsafeBufferPointer(start: base + characterStart, count: position - characterStart))
                }
            }
        }
    }

    /// Checks the escape at `position` (a `\`), moves past it and returns the scalar it stands for.
    mutating func parseEscape() throws(JSONParseError) -> UInt32 {
        let escapeStart = position
        position &+= 1
        guard position < end else { throw failure("expected an escape character after '\\', found end of input") }
        let byte = base[position]
        position &+= 1
        switch byte {
        case quote, backslash, UInt8(ascii: "/"): return UInt32(byte)
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "f"): return 0x0C
        case UInt8(ascii: "n"): return 0x0A
        case UInt8(ascii: "r"): return 0x0D
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "u"):
            let unit = try parseHexQuad()
            var scalar = UInt32(unit)
            if unit >= 0xD800 && unit <= 0xDBFF {
                let hasLowEscape =
                    position + 1 < end && base[position] == backslash && base[position + 1] == UInt8(ascii: "u")
                guard hasLowEscape else {
                    throw failure(
                        "unpaired surrogate \\u\(hexUnit(unit)): expected a '\\u' low surrogate (DC00-DFFF) to follow, found \(found())"
                    )
                }
                let lowStart = position
                position &+= 2
                let low = try parseHexQuad()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw failure(
                        "unpaired surrogate \\u\(hexUnit(unit)): expected a low surrogate (DC00-DFFF) to follow, found \\u\(hexUnit(low))",
                        at: lowStart)
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            } else if unit >= 0xDC00 && unit <= 0xDFFF {
                throw failure("unpaired surrogate \\u\(hexUnit(unit)): a low surrogate must follow a high one (D800-DBFF)", at: escapeStart)
            }
            return scalar
        default:
            throw failure(
                "expected an escape character (\" \\ / b f n r t u) after '\\', found \(found(at: position - 1))", at: position - 1)
        }
    }

    mutating func parseHexQuad() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < end else { throw failure("expected 4 hex digits after '\\u', found end of input") }
            let byte = base[position]
            let digit: UInt8
            switch byte {
            case zero...UInt8(ascii: "9"): digit = byte - zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("expected 4 hex digits after '\\u', found \(found())")
            }
            value = value << 4 | UInt16(digit)
            position &+= 1
        }
        return value
    }

    func hexUnit(_ unit: UInt16) -> String {
        hex(UInt8(unit >> 8)) + hex(UInt8(unit & 0xFF))
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}

// MARK: Checking in one loop

extension JSONParser {
    /// Whether the text is one JSON value, recording its containers as the checking parse does:
    /// the fast path of ``JSONDocument/init(checking:)``.
    ///
    /// The checking parse walks the grammar by recursion and hands back a value from every step;
    /// this walks it in one loop over the stack of open containers, in a fraction of the time.
    /// It only answers yes or no, and stops at the first thing it does not accept; the caller
    /// then runs the checking parse, whose errors say what and where. Strings, numbers and
    /// literals are checked by the functions both use (a plain string by `plainBytesEnd` alone),
    /// so only the structure is walked by two pieces of code, and a test holds them to the same
    /// answers on generated and mutated texts.
    mutating func quickCheckDocument() -> Bool {
        precondition(!building, "the quick check builds nothing")
        // About one container per 32 bytes in Kubernetes objects: room for that, and in the rare
        // text denser in containers, a second check with room for the most it can hold (each
        // container takes at least two bytes), whose arrays are then cut to size.
        let start = position
        if let accepted = quickCheckDocument(room: end / 32 + 8) { return accepted }
        position = start
        guard quickCheckDocument(room: end / 2 + 1) == true else { return false }
        containerTable = Array(containerTable[...])
        return true
    }

    /// The quick check, recording the containers straight into the array the document keeps:
    /// appending to arrays checked their uniqueness and capacity at each of a Pod's ~450
    /// containers (recording them so made Pod updates about 1.2 times as fast). `nil` when the text has more
    /// containers than `room`.
    private mutating func quickCheckDocument(room: Int) -> Bool? {
        // Deeper than Kubernetes objects nest (13 in the benchmark's Pods), so it seldom grows.
        var open = ScratchStack<Int>(capacity: 16)
        defer { open.release() }
        var accepted: Bool? = false
        // The starts in the first half, the ends in the second; the ends then move down to
        // follow the starts.
        let table = [Int](unsafeUninitializedCapacity: 2 * room) { buffer, initialized in
            let base = buffer.baseAddress!
            var containers = Containers(
                starts: UnsafeMutableBufferPointer(start: base, count: room),
                ends: UnsafeMutableBufferPointer(start: base + room, count: room),
                open: open)
            do {
                accepted = try quickCheckValues(&containers)
            } catch {
                accepted = false
            }
            if containers.overflowed { accepted = nil }
            open = containers.open
            guard accepted == true else { return }
            (base + containers.count).update(from: base + room, count: containers.count)
            initialized = 2 * containers.count
        }
        guard accepted == true else { return accepted }
        containerTable = table
        return true
    }

    /// What the quick check records: each container's start and end, in the order they open (the
    /// first `count` of `starts` and `ends`), and the indexes of those still open.
    struct Containers {
        let starts: UnsafeMutableBufferPointer<Int>
        let ends: UnsafeMutableBufferPointer<Int>
        var count = 0
        var open: ScratchStack<Int>
        /// Set when the text has more containers than there is room for.
        var overflowed = false

        init(starts: UnsafeMutableBufferPointer<Int>, ends: UnsafeMutableBufferPointer<Int>, open: ScratchStack<Int>) {
            self.starts = starts
            self.ends = ends
            self.open = open
        }
    }

    private mutating func quickCheckValues(_ containers: inout Containers) throws(JSONParseError) -> Bool {
        // The position is a local here, so that it lives in a register rather than in the
        // parser; `position` is set before, and read after, each call into the shared checks.
        let base = self.base
        let end = self.end
        var at = position
        @inline(__always) func skipBlanks() {
            while at < end, base[at] <= 0x20, base[at] == 0x20 || base[at] == 0x0A || base[at] == 0x0D || base[at] == 0x09 { at &+= 1 }
        }
        /// Past the string that opens at `at`: plain ASCII here, anything else by `scanString`.
        @inline(__always) func skipString() throws(JSONParseError) {
            let opening = at
            at = Self.plainBytesEnd(base, from: at &+ 1, to: end)
            if at < end, base[at] == quote {
                at &+= 1
                return
            }
            position = opening
            _ = try scanString(decoding: false)
            at = position
        }
        /// A member's key and its ':' at `at`, and the blanks up to its value.
        @inline(__always) func key() throws(JSONParseError) -> Bool {
            guard at < end, base[at] == quote else { return false }
            try skipString()
            skipBlanks()
            guard at < end, base[at] == colon else { return false }
            at &+= 1
            skipBlanks()
            return true
        }
        skipBlanks()
        while true {
            // A value at `at`.
            guard at < end else { return false }
            switch base[at] {
            case quote: try skipString()
            case openBrace, openBracket:
                let closing = base[at] == openBrace ? closeBrace : closeBracket
                guard containers.open.count < JSONValue.maximumParseDepth else { return false }
                guard containers.count < containers.starts.count else {
                    containers.overflowed = true
                    return false
                }
                containers.open.push(containers.count)
                containers.starts[containers.count] = at
                containers.ends[containers.count] = -1
                containers.count &+= 1
                at &+= 1
                skipBlanks()
                guard at < end else { return false }
                if base[at] != closing {
                    if closing == closeBrace { guard try key() else { return false } }
                    continue
                }
                at &+= 1
                containers.ends[containers.open.removeLast()] = at
            default:
                // Numbers and literals, by the checks both use.
                position = at
                switch base[at] {
                case UInt8(ascii: "t"): try parseLiteral("true")
                case UInt8(ascii: "f"): try parseLiteral("false")
                case UInt8(ascii: "n"): try parseLiteral("null")
                case minus, zero...UInt8(ascii: "9"): _ = try parseNumber()
                default: return false
                }
                at = position
            }
            // What follows a value: the end of its container (maybe of several), or the next
            // element or member.
            while true {
                skipBlanks()
                guard containers.open.count > 0 else {
                    position = at
                    return at == end
                }
                guard at < end else { return false }
                let closing = base[containers.starts[containers.open.last]] == openBrace ? closeBrace : closeBracket
                if base[at] == comma {
                    at &+= 1
                    skipBlanks()
                    if closing == closeBrace { guard try key() else { return false } }
                    break
                }
                guard base[at] == closing else { return false }
                at &+= 1
                containers.ends[containers.open.removeLast()] = at
            }
        }
    }
}

/// A growable stack in manually managed memory: finished containers move their members out of it,
/// without the copies, reference counting and regrowth of building each container by appending.
/// The owner calls ``release()``.
struct ScratchStack<Element> {
    /// `nil` until the first push: a parser that only checks or reads never allocates.
    private var storage: UnsafeMutablePointer<Element>?
    private var capacity = 0
    private(set) var count = 0

    init() {}

    /// A stack with room for `capacity` elements before it grows.
    init(capacity: Int) {
        storage = .allocate(capacity: capacity)
        self.capacity = capacity
    }

    /// The top element; the stack is not empty.
    var last: Element {
        @inline(__always) get { storage.unsafelyUnwrapped[count &- 1] }
    }

    /// Pops the top element; the stack is not empty.
    @inline(__always)
    mutating func removeLast() -> Element {
        count &-= 1
        return (storage.unsafelyUnwrapped + count).move()
    }

    @inline(__always)
    mutating func push(_ element: Element) {
        if count == capacity { grow() }
        (storage.unsafelyUnwrapped + count).initialize(to: element)
        count &+= 1
    }

    mutating func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: max(64, capacity * 2))
        if let storage {
            larger.moveInitialize(from: storage, count: count)
            storage.deallocate()
        }
        storage = larger
        capacity = max(64, capacity * 2)
    }

    /// Moves the elements from index `first` on, in order, into `body`, and pops them.
    @inline(__always)
    mutating func popAll(from first: Int, _ body: (Element) -> Void) {
        guard let storage else { return }
        for index in first..<count { body((storage + index).move()) }
        count = first
    }

    /// Moves the elements from index `first` on into an array, and pops them.
    mutating func popArray(from first: Int) -> [Element] {
        let length = count - first
        guard let storage, length > 0 else { return [] }
        let source = storage + first
        count = first
        return [Element](unsafeUninitializedCapacity: length) { buffer, initialized in
            guard let target = buffer.baseAddress else { return }
            target.moveInitialize(from: source, count: length)
            initialized = length
        }
    }

    func release() {
        guard let storage else { return }
        storage.deinitialize(count: count)
        storage.deallocate()
    }
}
