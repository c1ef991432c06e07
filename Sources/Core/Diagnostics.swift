/// A position in a source file: 1-based line and column (columns count Unicode scalars, as libyaml does).
public struct SourceLocation: Hashable, Sendable, Comparable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A problem with a file as a whole (it cannot be read, say): printed without line and column.
    public static func wholeFile(_ file: String) -> SourceLocation {
        SourceLocation(file: file, line: 0, column: 0)
    }

    public static func < (lhs: SourceLocation, rhs: SourceLocation) -> Bool {
        (lhs.file, lhs.line, lhs.column) < (rhs.file, rhs.line, rhs.column)
    }
}

/// One problem found in a schema or config file, printed the way compilers print them.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning, note
    }

    public var severity: Severity
    public var location: SourceLocation
    public var message: String

    /// Control characters and line breaks in `message` are escaped (``MessageText/escaped(_:)``): one
    /// diagnostic is one line, and a value quoted into it cannot forge another or steer a terminal.
    public init(_ severity: Severity, _ location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = MessageText.escaped(message)
    }

    public static func error(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.error, location, message)
    }

    public static func warning(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.warning, location, message)
    }

    /// `path:line:column: error: message`, or `path: error: message` for a whole file.
    public var description: String {
        let file = MessageText.escaped(location.file)
        let place = location.line == 0 ? file : "\(file):\(location.line):\(location.column)"
        return "\(place): \(severity.rawValue): \(MessageText.escaped(message))"
    }
}

/// Collects diagnostics; the final list is sorted by location, keeping insertion order at one location.
public struct DiagnosticList: Sendable {
    public private(set) var items: [Diagnostic] = []

    public init() {}

    /// How many errors have been recorded, to tell whether a step added any.
    public var errorCount: Int { items.count { $0.severity == .error } }

    public mutating func error(_ location: SourceLocation, _ message: String) {
        items.append(.error(location, message))
    }

    public mutating func warning(_ location: SourceLocation, _ message: String) {
        items.append(.warning(location, message))
    }

    public mutating func append(contentsOf other: [Diagnostic]) {
        items.append(contentsOf: other)
    }

    public var hasErrors: Bool { items.contains { $0.severity == .error } }

    /// Sorted by file, line, column; stable for equal locations.
    /// Sorted by location, each diagnostic once (a `global_config` value checked for several
    /// actions is reported once, where it is written).
    public var sorted: [Diagnostic] {
        var seen: Set<Diagnostic> = []
        return items.enumerated().sorted { a, b in
            a.element.location == b.element.location ? a.offset < b.offset : a.element.location < b.element.location
        }.map(\.element).filter { seen.insert($0).inserted }
    }
}

/// How values from files and inputs are written into messages, so that every message quotes them
/// alike: a value cannot break a message into two lines, forge another diagnostic, steer a terminal
/// with escape sequences, or flood the output.
public enum MessageText {
    /// Longest value quoted whole, in characters; longer ones are cut, their length stated.
    public static let maxQuotedCharacters = 100

    /// `'value'`, escaped as ``escaped(_:)``; a value longer than ``maxQuotedCharacters`` is cut and
    /// its length stated: `'aaaa…' (1,000,021 characters)`. `quote` may be `"` or empty;
    /// `escapingQuotes` also escapes the quote and backslashes, as JSON does (for paths like `["a.b"]`).
    public static func quoted(_ value: some StringProtocol, quote: String = "'", escapingQuotes: Bool = false) -> String {
        func body(_ text: some StringProtocol) -> String {
            guard escapingQuotes, let mark = quote.unicodeScalars.first else { return escaped(text) }
            var result = ""
            for scalar in text.unicodeScalars {
                if scalar == "\\" || scalar == mark { result += "\\" }
                result.unicodeScalars.append(scalar)
            }
            return escaped(result)
        }
        let count = value.count
        if count <= maxQuotedCharacters { return quote + body(value) + quote }
        return quote + body(value.prefix(maxQuotedCharacters)) + "…" + quote + " (\(grouped(count)) characters)"
    }

    /// `text` with control characters (C0, DEL, C1 including NEL), U+2028, U+2029 and bidirectional
    /// controls written as escapes (`\n`, `\r`, `\t`, otherwise `\u{1B}`), so it stays on one line and
    /// shows what it holds. Backslashes are left as they are (regexes stay readable).
    public static func escaped(_ text: some StringProtocol) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return String(text) }
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where needsEscape(scalar): result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F, 0x2028, 0x2029: true
        case 0x20...0x7E: false
        default: scalar.properties.isBidiControl
        }
    }

    /// `1,000,021`: a count with thousands separators, the same in every locale.
    public static func grouped(_ number: Int) -> String {
        let digits = String(number.magnitude)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(digit)
        }
        return (number < 0 ? "-" : "") + result
    }
}

extension DefaultStringInterpolation {
    /// `"unknown key \(quoted: key)"`: the value as ``MessageText/quoted(_:quote:)`` writes it.
    public mutating func appendInterpolation(quoted value: some StringProtocol) {
        appendLiteral(MessageText.quoted(value))
    }
}

/// "did you mean" support: the closest candidates by edit distance.
public enum Suggestions {
    /// Words longer than this get no suggestions: no name is that long, and comparing a huge value
    /// with every name would cost time for nothing.
    public static let maxWordLength = 100

    /// Returns up to `limit` candidates close to `word`, best first.
    public static func closest(to word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        guard word.utf8.count <= maxWordLength * 4, word.count <= maxWordLength else { return [] }
        let lowered = word.lowercased()
        let threshold = max(2, word.count / 3)
        var scored: [(String, Int)] = []
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            let containment = candidate.lowercased().contains(lowered) || lowered.contains(candidate.lowercased())
            if distance <= threshold || (containment && min(lowered.count, candidate.count) >= 4) {
                scored.append((candidate, distance))
            }
        }
        // Only the candidates nearly as close as the best one: a clear best match stands alone.
        guard let best = scored.map(\.1).min() else { return [] }
        return scored.filter { $0.1 <= best + 1 }.sorted { $0.1 == $1.1 ? $0.0 < $1.0 : $0.1 < $1.1 }.prefix(limit).map(\.0)
    }

    /// `; did you mean 'a' or 'b'?` or the empty string.
    public static func didYouMean(_ word: String, in candidates: some Sequence<String>) -> String {
        let found = closest(to: word, in: candidates)
        guard !found.isEmpty else { return "" }
        return "; did you mean " + orList(found.map { "\(quoted: $0)" }) + "?"
    }

    /// "a", "a or b", "a, b or c"
    public static func orList(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " or " + items[items.count - 1]
        }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
