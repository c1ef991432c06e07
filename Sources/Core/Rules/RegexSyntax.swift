/// A parsed regex (``RegexParser``'s output, ``RegexCompiler``'s input).
indirect enum RegexNode: Sendable {
    case empty
    /// One scalar; `caseless` under `(?i)`.
    case scalar(Unicode.Scalar, caseless: Bool)
    case set(ScalarSet)
    /// `.`: any scalar but `\n`, or any scalar at all under `(?s)`.
    case any(dotAll: Bool)
    case assertion(RegexAssertion)
    /// A capture group and its number (1 for the first `(`).
    case capture(Int, RegexNode)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max` is `nil` for no upper bound.
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)

    /// Whether the node can match the empty string.
    var isNullable: Bool {
        switch self {
        case .empty, .assertion: true
        case .scalar, .set, .any: false
        case .capture(_, let node): node.isNullable
        case .concatenation(let nodes): nodes.allSatisfy(\.isNullable)
        case .alternation(let nodes): nodes.contains(where: \.isNullable)
        case .repetition(let node, let min, _, _): min == 0 || node.isNullable
        }
    }

    /// The first unbounded quantifier found inside another unbounded quantifier (`(a+)+`, `(.*)*`):
    /// the shape that makes backtracking engines (Python's `re`) take exponential time.
    func nestedQuantifiers(inside outer: RegexNode? = nil) -> (outer: RegexNode, inner: RegexNode)? {
        switch self {
        case .empty, .scalar, .set, .any, .assertion: return nil
        case .capture(_, let node): return node.nestedQuantifiers(inside: outer)
        case .concatenation(let nodes), .alternation(let nodes):
            for node in nodes {
                if let found = node.nestedQuantifiers(inside: outer) { return found }
            }
            return nil
        case .repetition(let node, _, let max, _):
            guard max == nil else { return node.nestedQuantifiers(inside: outer) }
            if let outer { return (outer, self) }
            return node.nestedQuantifiers(inside: self)
        }
    }

    /// Whether an unbounded repetition whose body can match empty sits inside another (`((a|)*)*`).
    /// Group ranges of such a pattern can differ from a backtracking engine's (``PikeVM`` tells
    /// apart only the innermost such loop's iterations); whether and where it matches does not.
    func nestsEmptyLoops(inside: Bool = false) -> Bool {
        switch self {
        case .empty, .scalar, .set, .any, .assertion: return false
        case .capture(_, let node): return node.nestsEmptyLoops(inside: inside)
        case .concatenation(let nodes), .alternation(let nodes): return nodes.contains { $0.nestsEmptyLoops(inside: inside) }
        case .repetition(let node, _, let max, _):
            let emptyLoop = max == nil && node.isNullable
            if emptyLoop && inside { return true }
            return node.nestsEmptyLoops(inside: inside || emptyLoop)
        }
    }

    /// How a repetition is written (`+`, `*?`, `{2,}`), for messages.
    var quantifierText: String {
        guard case .repetition(_, let min, let max, let greedy) = self else { return "" }
        let text =
            switch (min, max) {
            case (0, nil): "*"
            case (1, nil): "+"
            case (0, 1?): "?"
            case (let min, nil): "{\(min),}"
            case (let min, let max?) where min == max: "{\(min)}"
            case (let min, let max?): "{\(min),\(max)}"
            }
        return greedy ? text : text + "?"
    }
}

/// A zero-width test, in Python's `re` meaning.
enum RegexAssertion: Sendable {
    /// `\A`, and `^` without `(?m)`.
    case textStart
    /// `\Z` and `\z`: the very end.
    case textEnd
    /// `$` without `(?m)`: the end, or before a `\n` that ends the text.
    case textEndOrFinalNewline
    /// `^` under `(?m)`: the start or after `\n`.
    case lineStart
    /// `$` under `(?m)`: the end or before `\n`.
    case lineEnd
    /// `\b`: between a word scalar (`\w`) and a non-word scalar or an end.
    case wordBoundary
    /// `\B`.
    case notWordBoundary
}

/// `\d`, `\w`, `\s` in Python's Unicode meaning.
enum ScalarClass: Sendable {
    /// Decimal digits (general category Nd).
    case digit
    /// Letters, numbers (any numeric type) and `_`.
    case word
    /// Unicode whitespace and the ASCII separators 0x1C–0x1F.
    case space

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch self {
        case .digit:
            if value < 0x80 { return value >= 0x30 && value <= 0x39 }
            return scalar.properties.generalCategory == .decimalNumber
        case .word:
            if value < 0x80 {
                return (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
                    || value == 0x5F
            }
            let properties = scalar.properties
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return properties.numericType != nil
            }
        case .space:
            if value < 0x80 { return (value >= 0x09 && value <= 0x0D) || (value >= 0x1C && value <= 0x20) }
            return scalar.properties.isWhitespace
        }
    }
}

/// A character class: ranges and classes, possibly negated; under `(?i)` a scalar is also
/// tried in its other cases.
struct ScalarSet: Sendable {
    struct ClassItem: Sendable {
        var scalarClass: ScalarClass
        var negated: Bool
    }

    var ranges: [ClosedRange<UInt32>] = []
    var classes: [ClassItem] = []
    var negated = false
    var caseless = false

    func contains(_ scalar: Unicode.Scalar) -> Bool {
        var found = containsExactly(scalar)
        if !found && caseless {
            found = CaseFolding.variants(of: scalar).contains { containsExactly($0) }
        }
        return found != negated
    }

    private func containsExactly(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        for range in ranges where range.contains(value) { return true }
        for item in classes where item.scalarClass.contains(scalar) != item.negated { return true }
        return false
    }
}

/// Simple case folding, as Python's `re.IGNORECASE` compares scalars: lower case of the upper
/// case, when each is one scalar.
enum CaseFolding {
    static func fold(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let value = scalar.value
        if value < 0x80 {
            return value >= 0x41 && value <= 0x5A ? Unicode.Scalar(value + 0x20)! : scalar
        }
        let upper = single(scalar.properties.uppercaseMapping) ?? scalar
        return single(upper.properties.lowercaseMapping) ?? single(scalar.properties.lowercaseMapping) ?? scalar
    }

    /// The scalar's other cases (one scalar each) and its folded form.
    static func variants(of scalar: Unicode.Scalar) -> [Unicode.Scalar] {
        if scalar.value < 0x80 {
            let value = scalar.value
            if value >= 0x41 && value <= 0x5A { return [Unicode.Scalar(value + 0x20)!] }
            if value >= 0x61 && value <= 0x7A { return [Unicode.Scalar(value - 0x20)!] }
            return []
        }
        let properties = scalar.properties
        return [
            single(properties.lowercaseMapping), single(properties.uppercaseMapping), single(properties.titlecaseMapping), fold(scalar),
        ]
        .compactMap { $0 }.filter { $0 != scalar }
    }

    private static func single(_ text: String) -> Unicode.Scalar? {
        let scalars = text.unicodeScalars
        guard let first = scalars.first, scalars.index(after: scalars.startIndex) == scalars.endIndex else { return nil }
        return first
    }
}

/// Parses the Python `re` syntax configs use into a ``RegexNode``, with Python's meaning:
///
/// - literals; escapes `\n \t \r \f \v \a \0 \0oo \xhh \uhhhh \Uhhhhhhhh` (and Swift's
///   `\x{h...}`, `\u{h...}`), and `\` before any other non-word character;
/// - `.` (any scalar but `\n`), classes `[a-z]`, `[^...]` with ranges and escapes, `\d \w \s
///   \D \W \S` (Unicode, as Python: `\d` is category Nd, `\w` letters, numbers and `_`);
/// - anchors `^ $` (`$` also before a final `\n`), `\A`, `\Z` and `\z` (the very end), `\b \B`
///   (between `\w` and not `\w`);
/// - groups `(...)`, `(?:...)`, `(?P<name>...)`, `(?<name>...)`, comments `(?#...)`, alternation;
/// - quantifiers `* + ? {m} {m,} {,n} {m,n}`, greedy or lazy (`?` after), at most
///   ``maxRepetition`` repetitions; a `{` that starts no quantifier is a literal;
/// - flags `(?imsx-imsx)` to the end of the group and `(?imsx-imsx:...)`.
///
/// Rejected with a message naming the construct: what a linear-time engine cannot match
/// (backreferences `\1` `(?P=n)`, lookahead, lookbehind, atomic groups, possessive quantifiers,
/// conditionals) and what Python's `re` does not have (`\p{...}`, POSIX classes, class set
/// operations, unknown letter escapes).
struct RegexParser {
    /// How many times one quantifier may repeat its expression (`{m,n}`): the program holds
    /// one copy per repetition.
    static let maxRepetition = 1000
    /// How deeply groups may nest.
    static let maxNesting = 100

    struct Flags {
        var caseless = false
        var multiline = false
        var dotAll = false
        var verbose = false
    }

    private let scalars: [Unicode.Scalar]
    private var position = 0
    private var flags = Flags()
    private var depth = 0
    private(set) var groupCount = 0
    private(set) var groupNames: [String: Int] = [:]

    init(_ pattern: String) {
        scalars = Array(pattern.unicodeScalars)
    }

    /// The whole pattern's tree.
    mutating func parse() throws(RuleProblem) -> RegexNode {
        let node = try parseAlternation()
        if position < scalars.count {
            // Only an unmatched `)` stops the top level early.
            throw RuleProblem("unbalanced ')'")
        }
        return node
    }

    private var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func skipVerbose() {
        guard flags.verbose else { return }
        while let scalar = peek {
            if scalar == "#" {
                while let next = peek, next != "\n" { position += 1 }
            } else if ScalarClass.space.contains(scalar) {
                position += 1
            } else {
                return
            }
        }
    }

    private mutating func parseAlternation() throws(RuleProblem) -> RegexNode {
        var branches = [try parseConcatenation()]
        while peek == "|" {
            position += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation() throws(RuleProblem) -> RegexNode {
        var items: [RegexNode] = []
        while true {
            skipVerbose()
            guard let scalar = peek, scalar != "|", scalar != ")" else { break }
            if let quantifier = quantifierAhead() {
                throw RuleProblem("quantifier '\(quantifier)' must appear after expression")
            }
            guard var atom = try parseAtom() else { continue }
            skipVerbose()
            if let (min, max, length) = quantifierBounds() {
                let text = String(String.UnicodeScalarView(scalars[position..<position + length]))
                position += length
                var greedy = true
                if peek == "?" {
                    greedy = false
                    position += 1
                } else if peek == "+" {
                    throw RuleProblem("possessive quantifier '\(text)+' is not supported: it cannot be matched in linear time")
                }
                if let max, min > max {
                    throw RuleProblem("range lower bound '\(min)' must be less than or equal to upper bound '\(max)'")
                }
                if (max ?? min) > Self.maxRepetition {
                    throw RuleProblem("repetition count \(max ?? min) in '\(text)' is over the limit of \(Self.maxRepetition)")
                }
                atom = .repetition(atom, min: min, max: max, greedy: greedy)
                skipVerbose()
                if let quantifier = quantifierAhead() {
                    throw RuleProblem("quantifier '\(quantifier)' must appear after expression")
                }
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : items.isEmpty ? .empty : .concatenation(items)
    }

    /// The text of a quantifier at the current position, if one is there.
    private func quantifierAhead() -> String? {
        guard let (_, _, length) = quantifierBounds() else { return nil }
        return String(String.UnicodeScalarView(scalars[position..<position + length]))
    }

    /// `*`, `+`, `?`, `{m}`, `{m,}`, `{,n}`, `{m,n}` at the current position: its bounds and
    /// length. A `{` that starts none of these is a literal, as in Python.
    private func quantifierBounds() -> (Int, Int?, Int)? {
        switch peek {
        case "*": return (0, nil, 1)
        case "+": return (1, nil, 1)
        case "?": return (0, 1, 1)
        case "{": break
        default: return nil
        }
        var index = position + 1
        func number() -> Int? {
            var value: Int?
            while index < scalars.count, ("0"..."9").contains(scalars[index]) {
                // Saturates: a count this large is rejected by the repetition limit anyway.
                value = Swift.min((value ?? 0) * 10 + Int(scalars[index].value - 0x30), 1_000_000_000)
                index += 1
            }
            return value
        }
        let min = number()
        guard index < scalars.count else { return nil }
        if scalars[index] == "}" {
            guard let min else { return nil }
            return (min, min, index + 1 - position)
        }
        guard scalars[index] == "," else { return nil }
        index += 1
        let max = number()
        guard index < scalars.count, scalars[index] == "}", min != nil || max != nil else { return nil }
        return (min ?? 0, max, index + 1 - position)
    }

    /// One atom, or `nil` for a construct that matches nothing (a comment, a flag group).
    private mutating func parseAtom() throws(RuleProblem) -> RegexNode? {
        guard let scalar = peek else { return nil }
        position += 1
        switch scalar {
        case "(": return try parseGroup()
        case "[": return .set(try parseSet())
        case ".": return .any(dotAll: flags.dotAll)
        case "^": return .assertion(flags.multiline ? .lineStart : .textStart)
        case "$": return .assertion(flags.multiline ? .lineEnd : .textEndOrFinalNewline)
        case "\\": return try parseEscape()
        default: return .scalar(scalar, caseless: flags.caseless)
        }
    }

    private mutating func parseGroup() throws(RuleProblem) -> RegexNode? {
        var capturing = true
        var name: String?
        let saved = flags
        if peek == "?" {
            position += 1
            switch peek {
            case ":":
                position += 1
                capturing = false
            case "P" where peek(1) == "<", "<" where peek(1) != "=" && peek(1) != "!":
                position += peek == "P" ? 2 : 1
                name = try parseGroupName()
            case "P" where peek(1) == "=":
                throw RuleProblem("backreference '(?P=' is not supported: it cannot be matched in linear time")
            case "=", "!":
                throw RuleProblem("lookahead '(?\(peek!)' is not supported: it cannot be matched in linear time")
            case "<":
                throw RuleProblem("lookbehind '(?<\(peek(1)!)' is not supported: it cannot be matched in linear time")
            case ">":
                throw RuleProblem("atomic group '(?>' is not supported: it cannot be matched in linear time")
            case "(":
                throw RuleProblem("conditional group '(?(' is not supported: it cannot be matched in linear time")
            case "#":
                while let next = peek, next != ")" { position += 1 }
                guard peek == ")" else { throw RuleProblem("expected ')'") }
                position += 1
                return nil
            default:
                if try parseFlags() { return nil }
                capturing = false
            }
        }
        var number: Int?
        if capturing {
            groupCount += 1
            number = groupCount
            if let name { groupNames[name] = groupCount }
        }
        depth += 1
        if depth > Self.maxNesting { throw RuleProblem("groups are nested more than \(Self.maxNesting) deep") }
        let body = try parseAlternation()
        depth -= 1
        guard peek == ")" else { throw RuleProblem("expected ')'") }
        position += 1
        flags = saved
        if let number { return .capture(number, body) }
        return body
    }

    /// `(?imsx-imsx)` (the flags hold to the end of the enclosing group; `true`) or
    /// `(?imsx-imsx:` (a non-capturing group with its own flags; `false`).
    private mutating func parseFlags() throws(RuleProblem) -> Bool {
        let start = position
        var on = true
        while let scalar = peek {
            position += 1
            switch scalar {
            case "i": flags.caseless = on
            case "m": flags.multiline = on
            case "s": flags.dotAll = on
            case "x": flags.verbose = on
            case "-" where on: on = false
            case ")": return true
            case ":": return false
            default:
                let text = String(String.UnicodeScalarView(scalars[start - 2..<position]))
                throw RuleProblem("unknown group construct or flag '\(text)'")
            }
        }
        throw RuleProblem("expected ')'")
    }

    private mutating func parseGroupName() throws(RuleProblem) -> String {
        var name = String.UnicodeScalarView()
        while let scalar = peek, scalar != ">" {
            guard ScalarClass.word.contains(scalar) else { throw RuleProblem("bad character in group name '\(String(name))\(scalar)'") }
            name.append(scalar)
            position += 1
        }
        guard peek == ">" else { throw RuleProblem("expected '>' after group name") }
        position += 1
        let text = String(name)
        guard let first = name.first, !ScalarClass.digit.contains(first) else {
            throw RuleProblem("bad group name '\(text)'")
        }
        if groupNames[text] != nil { throw RuleProblem("group name '\(text)' is used twice") }
        return text
    }

    /// After `\` outside a class.
    private mutating func parseEscape() throws(RuleProblem) -> RegexNode {
        guard let scalar = peek else { throw RuleProblem("pattern ends with '\\'") }
        switch scalar {
        case "A":
            position += 1
            return .assertion(.textStart)
        case "Z", "z":
            position += 1
            return .assertion(.textEnd)
        case "b":
            position += 1
            return .assertion(.wordBoundary)
        case "B":
            position += 1
            return .assertion(.notWordBoundary)
        case "1"..."9":
            throw RuleProblem("backreference '\\\(scalar)' is not supported: it cannot be matched in linear time")
        case "g", "k":
            throw RuleProblem("backreference '\\\(scalar)' is not supported: it cannot be matched in linear time")
        default:
            switch try parseSetEscape() {
            case .scalar(let value): return .scalar(value, caseless: flags.caseless)
            case .set(let set): return .set(set)
            }
        }
    }

    enum Escaped {
        case scalar(Unicode.Scalar)
        case set(ScalarSet)
    }

    /// An escape that stands for a scalar or a class (valid inside and outside `[...]`).
    private mutating func parseSetEscape() throws(RuleProblem) -> Escaped {
        guard let scalar = peek else { throw RuleProblem("pattern ends with '\\'") }
        position += 1
        func classSet(_ scalarClass: ScalarClass, negated: Bool) -> Escaped {
            .set(ScalarSet(classes: [.init(scalarClass: scalarClass, negated: negated)], caseless: false))
        }
        switch scalar {
        case "d": return classSet(.digit, negated: false)
        case "D": return classSet(.digit, negated: true)
        case "w": return classSet(.word, negated: false)
        case "W": return classSet(.word, negated: true)
        case "s": return classSet(.space, negated: false)
        case "S": return classSet(.space, negated: true)
        case "n": return .scalar("\n")
        case "t": return .scalar("\t")
        case "r": return .scalar("\r")
        case "f": return .scalar("\u{0C}")
        case "v": return .scalar("\u{0B}")
        case "a": return .scalar("\u{07}")
        case "0":
            var value: UInt32 = 0
            var digits = 0
            while digits < 2, let next = peek, ("0"..."7").contains(next) {
                value = value * 8 + next.value - 0x30
                position += 1
                digits += 1
            }
            return .scalar(Unicode.Scalar(value)!)
        case "x": return .scalar(try parseHex(fixed: 2, escape: "x"))
        case "u": return .scalar(try parseHex(fixed: 4, escape: "u"))
        case "U": return .scalar(try parseHex(fixed: 8, escape: "U"))
        case "p", "P":
            throw RuleProblem("Unicode property '\\\(scalar)' is not supported (Python's re has none)")
        default:
            if scalar.isASCII && ScalarClass.word.contains(scalar) {
                throw RuleProblem("unknown escape '\\\(scalar)'")
            }
            return .scalar(scalar)
        }
    }

    /// `\xhh`, `\uhhhh`, `\Uhhhhhhhh`, or the braced form `\x{h...}` / `\u{h...}`.
    private mutating func parseHex(fixed: Int, escape: Character) throws(RuleProblem) -> Unicode.Scalar {
        var digits = String.UnicodeScalarView()
        var braced = false
        if peek == "{" && escape != "U" {
            braced = true
            position += 1
            while let scalar = peek, scalar != "}" {
                digits.append(scalar)
                position += 1
            }
            guard peek == "}" else { throw RuleProblem("expected '}' after '\\\(escape){'") }
            position += 1
        } else {
            while digits.count < fixed, let scalar = peek, scalar.properties.isASCIIHexDigit {
                digits.append(scalar)
                position += 1
            }
        }
        let text = String(digits)
        guard braced ? (1...8).contains(digits.count) : digits.count == fixed, let value = UInt32(text, radix: 16),
            let result = Unicode.Scalar(value)
        else {
            throw RuleProblem(braced ? "invalid escape '\\\(escape){\(text)}'" : "invalid escape '\\\(escape)\(text)'")
        }
        return result
    }

    /// After `[`: members until `]`.
    private mutating func parseSet() throws(RuleProblem) -> ScalarSet {
        var set = ScalarSet(caseless: flags.caseless)
        if peek == "^" {
            set.negated = true
            position += 1
        }
        guard let first = peek, first != "]" else { throw RuleProblem("expected custom character class members") }
        var isFirst = true
        while let scalar = peek, scalar != "]" || isFirst {
            defer { isFirst = false }
            if scalar == "[" && peek(1) == ":" {
                var end = position + 2
                while end < scalars.count, scalars[end] != "]" { end += 1 }
                let text = String(String.UnicodeScalarView(scalars[position..<min(end + 1, scalars.count)]))
                throw RuleProblem("POSIX class '\(text)' is not supported (Python's re has none)")
            }
            for operation in ["&&", "--", "~~", "||"] where scalar == operation.unicodeScalars.first && peek(1) == scalar {
                throw RuleProblem("set operation '\(operation)' in a character class is not supported")
            }
            let low = try parseSetMember()
            if peek == "-", let next = peek(1), next != "]" {
                position += 1
                let high = try parseSetMember()
                guard case .scalar(let lower) = low, case .scalar(let upper) = high else {
                    throw RuleProblem("invalid bound for character class range")
                }
                guard lower.value <= upper.value else {
                    throw RuleProblem("character '\(lower)' must compare less than or equal to '\(upper)'")
                }
                set.ranges.append(lower.value...upper.value)
            } else {
                switch low {
                case .scalar(let value): set.ranges.append(value.value...value.value)
                case .set(let inner): set.classes.append(contentsOf: inner.classes)
                }
            }
        }
        guard peek == "]" else { throw RuleProblem("expected ']'") }
        position += 1
        return set
    }

    private mutating func parseSetMember() throws(RuleProblem) -> Escaped {
        guard let scalar = peek else { throw RuleProblem("expected ']'") }
        position += 1
        guard scalar == "\\" else { return .scalar(scalar) }
        if peek == "b" {
            position += 1
            return .scalar("\u{08}")
        }
        if let digit = peek, ("1"..."9").contains(digit) {
            throw RuleProblem("backreference '\\\(digit)' is not supported: it cannot be matched in linear time")
        }
        return try parseSetEscape()
    }
}
