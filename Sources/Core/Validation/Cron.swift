import Foundation

/// A cron expression as croniter (Robusta's scheduler) reads it: five fields (minute hour
/// day-of-month month day-of-week), an optional sixth for seconds, or a macro (`@daily`, ...).
///
/// One parser serves validation (``problem(in:)``) and the scheduler (``next(after:)``), so what
/// the validator accepts is exactly what runs. A field is `*`, a value, a range `a-b`, a step
/// (`*/n`, `a-b/n`, or `a/n`, which is `a` to the field's maximum), or a list of these; months
/// and days of the week also take names (`jan`, `mon`, any case); day of month takes `L` (the
/// last day of the month) and `?` (`*`); day of week takes `?`, `7` for Sunday and `d#n` (the
/// n-th weekday `d` of the month, n from 1 to 5).
///
/// Days follow cron's rule: when both day of month and day of week are restricted, a day matches
/// if either does (`0 0 1 * mon` is the 1st and every Monday). As in croniter, a field is
/// unrestricted when it has a `*` item (or `?`), and also when it lists every value while the
/// other day field has a `*` in it. Times are UTC.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    static let macros = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]
    static let macroExpansions = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0", "@daily": "0 0 * * *",
        "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let days = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// The expression as written.
    public let text: String
    /// Allowed values as bit sets (bit `n` is value `n`).
    let seconds: UInt64
    let minutes: UInt64
    let hours: UInt64
    let daysOfMonth: UInt64
    let months: UInt64
    /// Days of the week, Sunday = 0 (a `7` is folded into 0).
    let daysOfWeek: UInt64
    /// `L` in day of month: the month's last day.
    let lastDayOfMonth: Bool
    /// `d#n` in day of week: for each weekday (Sunday = 0), the bit set of the `n`s.
    let nthWeekdays: [UInt8]
    let dayOfMonthIsWildcard: Bool
    let dayOfWeekIsWildcard: Bool

    public var description: String { text }

    /// `nil` when valid, otherwise what is wrong (without the expression itself).
    public static func problem(in expression: String) -> String? {
        do {
            _ = try CronExpression(expression)
            return nil
        } catch {
            return error.message
        }
    }

    /// Parses an expression; the error says what is wrong (the message ``problem(in:)`` gives).
    public init(_ expression: String) throws(CronSyntaxError) {
        text = expression
        var parts = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if parts.count == 1, parts[0].hasPrefix("@") {
            guard let expansion = Self.macroExpansions[parts[0].lowercased()] else {
                throw CronSyntaxError("unknown macro \(quoted: parts[0]); expected one of \(Self.macros.joined(separator: ", "))")
            }
            parts = expansion.split(separator: " ").map(String.init)
        }
        guard parts.count == 5 || parts.count == 6 else {
            throw CronSyntaxError(
                "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found \(parts.count)")
        }
        var parsed: [ParsedField] = []
        for (part, field) in zip(parts, Field.all) {
            parsed.append(try field.parse(part))
        }
        minutes = parsed[0].values
        hours = parsed[1].values
        daysOfMonth = parsed[2].values
        months = parsed[3].values
        // 7 is Sunday, as 0 is.
        daysOfWeek = (parsed[4].values & ~(1 << 7)) | (parsed[4].values >> 7 & 1)
        seconds = parts.count == 6 ? parsed[5].values : 1
        lastDayOfMonth = parsed[2].last
        var nth = [UInt8](repeating: 0, count: 7)
        for (weekday, n) in parsed[4].nth { nth[weekday % 7] |= 1 << n }
        nthWeekdays = nth
        // croniter's wildcard rule: a `*` item, or every value listed while the other field has a `*`.
        let allDays: UInt64 = 0xFFFF_FFFE  // bits 1...31
        let allWeekdays: UInt64 = 0x7F
        dayOfMonthIsWildcard =
            parsed[2].wildcard || (!parsed[2].last && daysOfMonth & allDays == allDays && parts[4].contains("*"))
        dayOfWeekIsWildcard =
            parsed[4].wildcard || (parsed[4].nth.isEmpty && daysOfWeek & allWeekdays == allWeekdays && parts[2].contains("*"))
    }

    // MARK: Parsing

    struct ParsedField {
        var values: UInt64 = 0
        var wildcard = false
        var last = false
        var nth: [(weekday: Int, n: Int)] = []
    }

    struct Field {
        var name: String
        var range: ClosedRange<Int>
        var names: [String]
        var namesStart: Int

        static let all = [
            Field(name: "minute", range: 0...59, names: [], namesStart: 0),
            Field(name: "hour", range: 0...23, names: [], namesStart: 0),
            Field(name: "day of month", range: 1...31, names: [], namesStart: 0),
            Field(name: "month", range: 1...12, names: CronExpression.months, namesStart: 1),
            Field(name: "day of week", range: 0...7, names: CronExpression.days, namesStart: 0),
            Field(name: "second", range: 0...59, names: [], namesStart: 0),
        ]

        var isDayOfMonth: Bool { name == "day of month" }
        var isDayOfWeek: Bool { name == "day of week" }

        func parse(_ text: String) throws(CronSyntaxError) -> ParsedField {
            var field = ParsedField()
            for item in text.split(separator: ",", omittingEmptySubsequences: false) {
                let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
                guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                    throw CronSyntaxError("\(name) field \(quoted: text) is malformed")
                }
                var step: Int?
                if pieces.count == 2 {
                    guard let value = Int(pieces[1]), value > 0 else {
                        throw CronSyntaxError("\(name) field \(quoted: text): step \(quoted: pieces[1]) must be a positive integer")
                    }
                    step = value
                }
                if base == "*" || (base == "?" && (isDayOfMonth || isDayOfWeek)) {
                    // `*/n` is the field's whole range by n; a bare `*` leaves the field unrestricted.
                    if let step {
                        field.values |= Self.bits(range.lowerBound, range.upperBound, step: step)
                    } else {
                        field.wildcard = true
                        field.values |= Self.bits(range.lowerBound, range.upperBound, step: 1)
                    }
                    continue
                }
                if base == "L" && isDayOfMonth {
                    field.last = true
                    continue
                }
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2 else { throw CronSyntaxError("\(name) field \(quoted: text) is malformed") }
                var values: [Int] = []
                var nth: Int?
                for bound in bounds {
                    var bound = String(bound)
                    if isDayOfWeek, let hash = bound.firstIndex(of: "#") {
                        guard let n = Int(bound[bound.index(after: hash)...]), (1...5).contains(n) else {
                            throw CronSyntaxError("day of week field \(quoted: text): '#' must be followed by 1 to 5")
                        }
                        nth = n
                        bound = String(bound[..<hash])
                    }
                    if let number = Int(bound) {
                        guard range.contains(number) else {
                            throw CronSyntaxError(
                                "\(name) value \(number) is out of range \(range.lowerBound)-\(range.upperBound)")
                        }
                        values.append(number)
                    } else if let index = names.firstIndex(of: bound.lowercased()) {
                        values.append(index + namesStart)
                    } else {
                        let hint = names.isEmpty ? "" : " or a name (\(names.first!)...\(names.last!))"
                        throw CronSyntaxError("\(name) field \(quoted: text): \(quoted: bound) is not a number\(hint)")
                    }
                }
                if values.count == 2, values[0] > values[1] {
                    throw CronSyntaxError("\(name) range \(quoted: base) goes backwards")
                }
                // `a/n` runs from a to the field's maximum, as in croniter.
                let low = values[0]
                let high = values.count == 2 ? values[1] : (step == nil ? low : range.upperBound)
                if let nth {
                    // `d#n` (and croniter's `d-e#n`): the n-th of each weekday in the range.
                    for weekday in stride(from: low, through: high, by: step ?? 1) { field.nth.append((weekday, nth)) }
                } else {
                    field.values |= Self.bits(low, high, step: step ?? 1)
                }
            }
            return field
        }

        static func bits(_ low: Int, _ high: Int, step: Int) -> UInt64 {
            var bits: UInt64 = 0
            for value in stride(from: low, through: high, by: step) { bits |= 1 << UInt64(value) }
            return bits
        }
    }

    // MARK: Next time

    /// How many years ``next(after:)`` looks ahead before it gives up (croniter's default).
    public static let searchYears = 50

    /// The first time after `date` (strictly later, whole seconds, UTC) the expression gives;
    /// `nil` when none comes within ``searchYears`` years (`0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        let after = date.timeIntervalSince1970.rounded(.down)
        guard after.isFinite, abs(after) < 1e15 else { return nil }
        var start = Int64(after) + 1
        // Five fields run on whole minutes.
        if seconds == 1 { start = Self.floorDivide(start + 59, 60) * 60 }
        let first = CivilTime(secondsSinceEpoch: start)
        for year in first.year...(first.year + Self.searchYears) {
            for month in 1...12 where months >> UInt64(month) & 1 == 1 {
                if year == first.year && month < first.month { continue }
                let monthIsFirst = year == first.year && month == first.month
                let length = CivilTime.daysInMonth(year, month)
                let firstDay = monthIsFirst ? first.day : 1
                guard firstDay <= length else { continue }
                for day in firstDay...length where matchesDay(year: year, month: month, day: day, length: length) {
                    let dayIsFirst = monthIsFirst && day == first.day
                    for hour in (dayIsFirst ? first.hour : 0)...23 where hours >> UInt64(hour) & 1 == 1 {
                        let hourIsFirst = dayIsFirst && hour == first.hour
                        for minute in (hourIsFirst ? first.minute : 0)...59 where minutes >> UInt64(minute) & 1 == 1 {
                            let minuteIsFirst = hourIsFirst && minute == first.minute
                            for second in (minuteIsFirst ? first.second : 0)...59 where seconds >> UInt64(second) & 1 == 1 {
                                let time = CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
                                return Date(timeIntervalSince1970: TimeInterval(time.secondsSinceEpoch))
                            }
                        }
                    }
                }
            }
        }
        return nil
    }

    func matchesDay(year: Int, month: Int, day: Int, length: Int) -> Bool {
        let byMonthDay = daysOfMonth >> UInt64(day) & 1 == 1 || (lastDayOfMonth && day == length)
        let weekday = CivilTime.weekday(year, month, day)
        let byWeekday = daysOfWeek >> UInt64(weekday) & 1 == 1 || nthWeekdays[weekday] >> ((day - 1) / 7 + 1) & 1 == 1
        switch (dayOfMonthIsWildcard, dayOfWeekIsWildcard) {
        case (true, true): return true
        case (true, false): return byWeekday
        case (false, true): return byMonthDay
        case (false, false): return byMonthDay || byWeekday
        }
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor)
    }

    public static func == (left: CronExpression, right: CronExpression) -> Bool { left.text == right.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

/// What is wrong with a cron expression (without the expression itself).
public struct CronSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// A UTC calendar time, converted with Howard Hinnant's days-from-civil algorithms (proleptic
/// Gregorian calendar), so cron times do not depend on the process's time zone or `Calendar`.
struct CivilTime: Equatable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int
    var second: Int

    init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    init(secondsSinceEpoch: Int64) {
        let days = CronExpression.floorDivide(secondsSinceEpoch, 86_400)
        let seconds = Int(secondsSinceEpoch - days * 86_400)
        (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        // civil_from_days
        let z = days + 719_468
        let era = CronExpression.floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 (days_from_civil).
    static func days(_ year: Int, _ month: Int, _ day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = CronExpression.floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var secondsSinceEpoch: Int64 {
        Self.days(year, month, day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Sunday = 0.
    static func weekday(_ year: Int, _ month: Int, _ day: Int) -> Int {
        // 1970-01-01 was a Thursday.
        Int((days(year, month, day) % 7 + 11) % 7)
    }

    static func isLeapYear(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Robusta's `labels_selector`: comma-separated `key=value` pairs, equality only.
public enum LabelSelector {
    /// `nil` when valid, otherwise what is wrong.
    public static func problem(in selector: String) -> String? {
        for raw in entries(of: selector) {
            let pair = raw.trimmingSpaces()
            if pair.isEmpty { return "empty entry; expected 'key=value' pairs separated by commas" }
            if pair.contains("!=") || pair.contains(" in ") || pair.contains(" notin ") || pair.hasPrefix("!") {
                return "\(quoted: pair) is not supported: only equality ('key=value') is"
            }
            let parts = pair.split(separator: "=", omittingEmptySubsequences: false)
            guard parts.count == 2 || (parts.count == 3 && parts[1].isEmpty) else {
                return "\(quoted: pair) is not a 'key=value' pair"
            }
            let key = parts[0].trimmingSpaces()
            if key.isEmpty { return "\(quoted: pair) has an empty label key" }
            if let problem = labelKeyProblem(key) { return problem }
        }
        return nil
    }

    /// The `(key, value)` pairs of a selector that ``problem(in:)`` accepts (`k==v` reads as `k=v`).
    public static func pairs(in selector: String) -> [(key: String, value: String)] {
        entries(of: selector).compactMap { raw in
            let parts = raw.split(separator: "=", omittingEmptySubsequences: false)
            guard let key = parts.first, parts.count >= 2, let value = parts.last else { return nil }
            return (key.trimmingSpaces(), value.trimmingSpaces())
        }
    }

    /// The comma-separated entries of a selector. Commas inside parentheses belong to a set
    /// ('env in (a,b)'), which stays one entry: ``problem(in:)`` reports it whole, and
    /// ``pairs(in:)`` reads what validation accepted the same way.
    static func entries(of selector: String) -> [Substring] {
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
        return entries
    }

    static func labelKeyProblem(_ key: String) -> String? {
        let name = key.split(separator: "/", maxSplits: 1).last.map(String.init) ?? key
        let allowed = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
        guard allowed, !name.isEmpty, name.count <= 63 else {
            return "\(quoted: key) is not a valid label key (letters, digits, '-', '_' and '.', at most 63, with an optional 'prefix/')"
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
