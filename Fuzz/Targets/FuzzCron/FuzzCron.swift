import Foundation
import FuzzSupport
import Triggerfish

// Cron expressions (a scheduled trigger's `cron_expression`): the text the validator checks is the
// text the scheduler runs, so the validator's answer and the parser's must agree, and every next
// time must be later than where the search started with nothing in between.

/// Where the scheduler searches from: the epoch, before it, a leap day's last second, now-ish,
/// and a year near the end of what `Date` round-trips in whole seconds.
private let starts: [Date] = [
    0, -1, 951_868_799, 1_796_342_400, 4_102_444_799, 253_402_300_799,
].map { Date(timeIntervalSince1970: $0) }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCron(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let expression = text(data, size)
    let problem = CronExpression.problem(in: expression)
    let parsed: CronExpression
    do {
        parsed = try CronExpression(expression)
    } catch {
        require(problem == error.message, "problem(in:) and init disagree on \(expression.debugDescription)")
        return 0
    }
    require(problem == nil, "problem(in:) rejects what init accepts: \(expression.debugDescription)")
    for start in starts {
        guard let next = parsed.next(after: start) else { continue }
        require(next > start, "next(after: \(start)) = \(next) for \(expression.debugDescription)")
        // Nothing matches between `start` and `next`, so the second before `next` leads to it too.
        let again = parsed.next(after: next.addingTimeInterval(-1))
        require(again == next, "next(after: \(next) - 1s) = \(String(describing: again)) for \(expression.debugDescription)")
    }
    return 0
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzzCron) }
}
