/// Checks cron expressions the way croniter (Robusta's scheduler) reads them: five fields
/// (minute hour day-of-month month day-of-week), an optional sixth for seconds, or a macro.
public enum CronExpression {
    static let macros = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    private struct Field {
        var name: String
        var range: ClosedRange<Int>
        var names: [String]
        var namesStart: Int
    }

    private static let fields = [
        Field(name: "minute", range: 0...59, names: [], namesStart: 0),
        Field(name: "hour", range: 0...23, names: [], namesStart: 0),
        Field(name: "day of month", range: 1...31, names: [], namesStart: 0),
        Field(name: "month", range: 1...12, names: months, namesStart: 1),
        Field(name: "day of week", range: 0...7, names: days, namesStart: 0),
        Field(name: "second", range: 0...59, names: [], namesStart: 0),
    ]

    /// `nil` when valid, otherwise what is wrong (without the expression itself).
    public static func problem(in expression: String) -> String? {
        let parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if parts.count == 1, parts[0].hasPrefix("@") {
            return macros.contains(parts[0].lowercased())
                ? nil : "unknown macro '\(parts[0])'; expected one of \(macros.joined(separator: ", "))"
        }
        guard parts.count == 5 || parts.count == 6 else {
            return "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found \(parts.count)"
        }
        for (part, field) in zip(parts, fields) {
            if let problem = check(part, field) { return problem }
        }
        return nil
    }

    private static func check(_ text: String, _ field: Field) -> String? {
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                return "\(field.name) field '\(text)' is malformed"
            }
            if pieces.count == 2 {
                guard let step = Int(pieces[1]), step > 0 else {
                    return "\(field.name) field '\(text)': step '\(pieces[1])' must be a positive integer"
                }
                _ = step
            }
            if base == "*" || (base == "?" && (field.name == "day of month" || field.name == "day of week")) { continue }
            if base == "L" && field.name == "day of month" { continue }
            let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
            guard bounds.count <= 2 else { return "\(field.name) field '\(text)' is malformed" }
            var values: [Int] = []
            for bound in bounds {
                var bound = String(bound)
                if field.name == "day of week", let hash = bound.firstIndex(of: "#") {
                    guard let nth = Int(bound[bound.index(after: hash)...]), (1...5).contains(nth) else {
                        return "day of week field '\(text)': '#' must be followed by 1 to 5"
                    }
                    bound = String(bound[..<hash])
                }
                if let number = Int(bound) {
                    guard field.range.contains(number) else {
                        return "\(field.name) value \(number) is out of range \(field.range.lowerBound)-\(field.range.upperBound)"
                    }
                    values.append(number)
                } else if let index = field.names.firstIndex(of: bound.lowercased()) {
                    values.append(index + field.namesStart)
                } else {
                    let hint = field.names.isEmpty ? "" : " or a name (\(field.names.first!)...\(field.names.last!))"
                    return "\(field.name) field '\(text)': '\(bound)' is not a number\(hint)"
                }
            }
            if values.count == 2, values[0] > values[1] {
                return "\(field.name) range '\(base)' goes backwards"
            }
        }
        return nil
    }
}

/// Robusta's `labels_selector`: comma-separated `key=value` pairs, equality only.
public enum LabelSelector {
    /// `nil` when valid, otherwise what is wrong.
    public static func problem(in selector: String) -> String? {
        // Commas inside parentheses belong to a set ('env in (a,b)'), which is reported whole.
        var entries: [Substring] = []
        var depth = 0
        var start = selector.startIndex
        for index in selector.indices {
            switch selector[index] {
            case "(": depth += 1
            case ")": depth = max(0, depth - 1)
            case "," where depth == 0:
                entries.append(selector[start..<index])
                start = selector.index(after: index)
            default: break
            }
        }
        entries.append(selector[start...])
        for raw in entries {
            let pair = raw.trimmingSpaces()
            if pair.isEmpty { return "empty entry; expected 'key=value' pairs separated by commas" }
            if pair.contains("!=") || pair.contains(" in ") || pair.contains(" notin ") || pair.hasPrefix("!") {
                return "'\(pair)' is not supported: only equality ('key=value') is"
            }
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2 || (parts.count == 3 && parts[1].isEmpty) else {
                return "'\(pair)' is not a 'key=value' pair"
            }
            let key = parts[0].trimmingSpaces()
            if key.isEmpty { return "'\(pair)' has an empty label key" }
            if let problem = labelKeyProblem(key) { return problem }
        }
        return nil
    }

    /// The `(key, value)` pairs of a selector that ``problem(in:)`` accepts (`k==v` reads as `k=v`).
    public static func pairs(in selector: String) -> [(key: String, value: String)] {
        selector.split(separator: ",").compactMap { raw in
            let parts = raw.split(separator: "=", omittingEmptySubsequences: false)
            guard let key = parts.first, parts.count >= 2, let value = parts.last else { return nil }
            return (key.trimmingSpaces(), value.trimmingSpaces())
        }
    }

    static func labelKeyProblem(_ key: String) -> String? {
        let name = key.split(separator: "/", maxSplits: 1).last.map(String.init) ?? key
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard allowed, !name.isEmpty, name.count <= 63 else {
            return "'\(key)' is not a valid label key (letters, digits, '-', '_' and '.', at most 63, with an optional 'prefix/')"
        }
        return nil
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
