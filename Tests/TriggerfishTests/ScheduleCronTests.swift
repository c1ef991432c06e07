import Foundation
import Testing

@testable import Triggerfish

/// `CronExpression.next(after:)`: croniter's semantics in UTC, from the parser the validator uses.
@Suite struct ScheduleCronTests {
    /// The next time as RFC 3339, or "none".
    func next(_ expression: String, after time: String) throws -> String {
        let cron = try CronExpression(expression)
        let date = try #require(RFC3339.date(time))
        return cron.next(after: date).map(RFC3339.format) ?? "none"
    }

    @Test(arguments: [
        // Strictly after, on whole minutes for five fields.
        ("*/15 * * * *", "2026-03-01T12:07:30Z", "2026-03-01T12:15:00Z"),
        ("0 12 * * *", "2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z"),
        ("* * * * *", "2026-03-01T12:00:00.5Z", "2026-03-01T12:01:00Z"),
        ("30 23 * * *", "2026-03-01T23:45:00Z", "2026-03-02T23:30:00Z"),
        ("0 0 1 1 *", "2026-12-31T23:59:59Z", "2027-01-01T00:00:00Z"),
        // Month ends and leap years.
        ("0 0 31 * *", "2026-04-01T00:00:00Z", "2026-05-31T00:00:00Z"),
        ("0 0 L * *", "2026-02-10T00:00:00Z", "2026-02-28T00:00:00Z"),
        ("0 0 L * *", "2028-02-10T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 L * *", "2026-04-30T00:00:00Z", "2026-05-31T00:00:00Z"),
        ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("0 0 30 2 *", "2026-03-01T00:00:00Z", "none"),
        ("0 0 31 4,6 *", "2026-03-01T00:00:00Z", "none"),
        // Steps: `*/n`, `a-b/n`, `a/n` (a to the maximum).
        ("5/20 * * * *", "2026-03-01T12:30:00Z", "2026-03-01T12:45:00Z"),
        ("5/20 * * * *", "2026-03-01T12:45:00Z", "2026-03-01T13:05:00Z"),
        ("1-10/3 * * * *", "2026-03-01T12:05:00Z", "2026-03-01T12:07:00Z"),
        ("0 */6 * * *", "2026-03-01T13:00:00Z", "2026-03-01T18:00:00Z"),
        ("0 0 * * */2", "2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z"),
        // Names, lists, ranges, 7 as Sunday.
        ("0 9 * * mon-fri", "2026-03-06T10:00:00Z", "2026-03-09T09:00:00Z"),
        ("0 0 1 JAN,Jul *", "2026-03-01T00:00:00Z", "2026-07-01T00:00:00Z"),
        ("0 0 * * 7", "2026-03-02T00:00:00Z", "2026-03-08T00:00:00Z"),
        ("0 0 * * 5-7", "2026-03-02T00:00:00Z", "2026-03-06T00:00:00Z"),
        // Day of month OR day of week when both are restricted.
        ("0 0 13 * fri", "2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
        ("0 0 13 * fri", "2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z"),
        ("0 0 1 * mon", "2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
        ("0 0 1 * mon", "2026-03-30T00:00:00Z", "2026-04-01T00:00:00Z"),
        // Only one restricted: that one decides.
        ("0 0 * * mon", "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"),
        ("0 0 ? * mon", "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"),
        ("0 0 13 * *", "2026-03-01T00:00:00Z", "2026-03-13T00:00:00Z"),
        // croniter: a field listing every value is unrestricted only when the other has a '*'.
        ("0 0 */1 * mon", "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"),
        ("0 0 */2 * */1", "2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z"),
        // n-th weekday of the month.
        ("0 0 * * 5#3", "2026-03-01T00:00:00Z", "2026-03-20T00:00:00Z"),
        ("0 0 * * mon#5", "2026-03-31T00:00:00Z", "2026-06-29T00:00:00Z"),
        // Seconds as a sixth field; macros.
        ("* * * * * 30", "2026-03-01T12:00:00Z", "2026-03-01T12:00:30Z"),
        ("0 0 * * * 30", "2026-03-01T00:00:30Z", "2026-03-02T00:00:30Z"),
        ("*/10 * * * * */20", "2026-03-01T12:00:40Z", "2026-03-01T12:10:00Z"),
        ("@hourly", "2026-03-01T12:30:00Z", "2026-03-01T13:00:00Z"),
        ("@weekly", "2026-03-02T00:00:00Z", "2026-03-08T00:00:00Z"),
        ("@MONTHLY", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ("@yearly", "2026-03-01T00:00:00Z", "2027-01-01T00:00:00Z"),
        // Before 1970 too.
        ("0 0 1 * *", "1969-12-15T00:00:00Z", "1970-01-01T00:00:00Z"),
    ])
    func nextTime(expression: String, after: String, expected: String) throws {
        #expect(try next(expression, after: after) == expected)
    }

    @Test func runsOfAnExpressionFollowEachOther() throws {
        let cron = try CronExpression("0 12 L,15 * *")
        var time = try #require(RFC3339.date("2026-01-01T00:00:00Z"))
        var times: [String] = []
        for _ in 0..<6 {
            time = try #require(cron.next(after: time))
            times.append(RFC3339.format(time))
        }
        #expect(
            times == [
                "2026-01-15T12:00:00Z", "2026-01-31T12:00:00Z", "2026-02-15T12:00:00Z", "2026-02-28T12:00:00Z", "2026-03-15T12:00:00Z",
                "2026-03-31T12:00:00Z",
            ])
    }

    @Test func theParserGivesTheValidatorsMessages() {
        #expect(throws: CronSyntaxError("hour value 25 is out of range 0-23")) { try CronExpression("0 25 * * *") }
        #expect(CronExpression.problem(in: "0 25 * * *") == "hour value 25 is out of range 0-23")
        #expect(CronExpression.problem(in: "0 12 * * 1") == nil)
    }

    @Test func expressionsAreEqualByText() throws {
        #expect(try CronExpression("0 12 * * 1") == CronExpression("0 12 * * 1"))
        #expect(try CronExpression("0 12 * * 1") != CronExpression("0 12 * * mon"))
        #expect(try CronExpression("0 12 * * 1").description == "0 12 * * 1")
    }
}
