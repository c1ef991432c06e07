import Foundation
import Synchronization

/// Remembers when each rate-limited thing last fired. Entries whose window has passed are
/// pruned as the table grows, so memory stays bounded by what fired recently.
final class RateLimiter: Sendable {
    private let table = Mutex<[String: Date]>([:])
    private static let pruneThreshold = 50_000

    /// `true` (and records the firing) when `key` has not fired in the last `seconds`.
    func markAndTest(_ key: String, seconds: Int, now: Date) -> Bool {
        guard seconds > 0 else { return true }
        return table.withLock { table in
            if let until = table[key], now < until { return false }
            if table.count >= Self.pruneThreshold { table = table.filter { now < $0.value } }
            table[key] = now.addingTimeInterval(Double(seconds))
            return true
        }
    }
}
