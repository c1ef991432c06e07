import Testing

@testable import _TriggerfishCore

/// Cron expressions as croniter (Robusta's scheduler) reads them, and Robusta's equality-only
/// label selectors: what is accepted, and the exact reason when something is not.
@Suite struct CronAndSelectorTests {
    @Test(arguments: [
        "* * * * *", "0 12 * * 1", "*/5 * * * *", "0 0 1 1 *", "59 23 31 12 7", "0 9-17 * * mon-fri", "0 0 * JAN,Jul SUN",
        "0,15,30,45 * * * *", "1-59/2 * * * *", "0 0 L * *", "0 0 ? * *", "0 0 * * 5#3", "0 0 * * *  30", "0\t0 * * *",
        "@daily", "@hourly", "@YEARLY", "@annually", "@monthly", "@weekly", "@midnight",
    ])
    func validCronExpressions(expression: String) {
        #expect(CronExpression.problem(in: expression) == nil)
    }

    @Test(arguments: [
        ("0 25 * * *", "hour value 25 is out of range 0-23"),
        ("60 * * * *", "minute value 60 is out of range 0-59"),
        ("0 0 0 * *", "day of month value 0 is out of range 1-31"),
        ("0 0 32 * *", "day of month value 32 is out of range 1-31"),
        ("0 0 * 13 *", "month value 13 is out of range 1-12"),
        ("0 0 * * 8", "day of week value 8 is out of range 0-7"),
        ("* * * * * 60", "second value 60 is out of range 0-59"),
        ("* * *", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found 3"),
        ("", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found 0"),
        ("0 0 * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found 7"),
        ("@reboot", "unknown macro '@reboot'; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly"),
        ("*/0 * * * *", "minute field '*/0': step '0' must be a positive integer"),
        ("*/x * * * *", "minute field '*/x': step 'x' must be a positive integer"),
        ("5-1 * * * *", "minute range '5-1' goes backwards"),
        ("a-b-c * * * *", "minute field 'a-b-c' is malformed"),
        ("1,,2 * * * *", "minute field '1,,2' is malformed"),
        ("1/2/3 * * * *", "minute field '1/2/3' is malformed"),
        ("/5 * * * *", "minute field '/5' is malformed"),
        ("x * * * *", "minute field 'x': 'x' is not a number"),
        ("0 0 * foo *", "month field 'foo': 'foo' is not a number or a name (jan...dec)"),
        ("0 0 * * funday", "day of week field 'funday': 'funday' is not a number or a name (sun...sat)"),
        ("0 0 * * mon#6", "day of week field 'mon#6': '#' must be followed by 1 to 5"),
        ("0 0 L * L", "day of week field 'L': 'L' is not a number or a name (sun...sat)"),
        ("0 ? * * *", "hour field '?': '?' is not a number"),
    ])
    func invalidCronExpressions(expression: String, problem: String) {
        #expect(CronExpression.problem(in: expression) == problem)
    }

    @Test(arguments: ["app=web", "app=web,tier=frontend", "app=web, tier=frontend", "app==web", "app=", "example.com/team=a", "a_b-c.d=x"])
    func validLabelSelectors(selector: String) {
        #expect(LabelSelector.problem(in: selector) == nil)
    }

    @Test(arguments: [
        ("", "empty entry; expected 'key=value' pairs separated by commas"),
        ("app=web,", "empty entry; expected 'key=value' pairs separated by commas"),
        ("app=web,,tier=x", "empty entry; expected 'key=value' pairs separated by commas"),
        ("app", "'app' is not a 'key=value' pair"),
        ("app=web=x", "'app=web=x' is not a 'key=value' pair"),
        ("app!=web", "'app!=web' is not supported: only equality ('key=value') is"),
        ("!app", "'!app' is not supported: only equality ('key=value') is"),
        ("env in (prod,dev)", "'env in (prod,dev)' is not supported: only equality ('key=value') is"),
        ("app=web, env notin (a,b)", "'env notin (a,b)' is not supported: only equality ('key=value') is"),
        ("=web", "'=web' has an empty label key"),
        (
            "my app=web",
            "'my app' is not a valid label key (letters, digits, '-', '_' and '.', at most 63, with an optional 'prefix/')"
        ),
        (
            String(repeating: "k", count: 64) + "=v",
            "'\(String(repeating: "k", count: 64))' is not a valid label key (letters, digits, '-', '_' and '.', at most 63, with an optional 'prefix/')"
        ),
    ])
    func invalidLabelSelectors(selector: String, problem: String) {
        #expect(LabelSelector.problem(in: selector) == problem)
    }

    /// Found by the scopes fuzz target: validation read 'a=(b,c)' as one pair while the runtime
    /// split it at the comma and filtered on 'a' = '(b'. Both read selectors one way now.
    @Test func theRuntimeReadsASelectorAsValidationDoes() {
        for selector in ["a=(b,c)", "a=(b,c), d=e", "app=web, tier=frontend", "app==web"] {
            #expect(LabelSelector.problem(in: selector) == nil)
        }
        #expect(LabelSelector.pairs(in: "a=(b,c), d=e").map { "\($0.key)=\($0.value)" } == ["a=(b,c)", "d=e"])
        #expect(LabelSelector.pairs(in: "app==web,tier = frontend").map { "\($0.key)=\($0.value)" } == ["app=web", "tier=frontend"])
    }

    @Test func longestLabelKeyIsAccepted() {
        #expect(LabelSelector.problem(in: String(repeating: "k", count: 63) + "=v") == nil)
    }
}
