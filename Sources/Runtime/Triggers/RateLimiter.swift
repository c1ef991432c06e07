import Foundation
import Synchronization

/// Remembers until when each rate-limited thing is held back, for at most `capacity` things.
/// Entries whose window has passed are dropped from the front of the arrival order; past
/// `capacity` the oldest are forgotten early (that thing may fire again before its window ends),
/// so memory stays bounded whatever the stream, and no call scans the table.
final class RateLimiter: Sendable {
    private struct State {
        var until: [String: Date] = [:]
        /// Keys in the order they fired, with the end of the window each was given.
        var order: [(key: String, until: Date)] = []
        var head = 0
        var forgotten = 0
    }

    private let state = Mutex(State())
    let capacity: Int

    init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    /// `true` (and records the firing) when `key` has not fired in the last `seconds`.
    func markAndTest(_ key: String, seconds: Int, now: Date) -> Bool {
        guard seconds > 0 else { return true }
        return state.withLock { state in
            if let until = state.until[key], now < until { return false }
            let until = now.addingTimeInterval(Double(seconds))
            state.until[key] = until
            state.order.append((key, until))
            while state.head < state.order.count {
                let (oldest, end) = state.order[state.head]
                let live = state.until[oldest] == end
                guard !live || end <= now || state.until.count > capacity else { break }
                if live {
                    state.until[oldest] = nil
                    if end > now { state.forgotten += 1 }
                }
                state.head += 1
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            // Stale pairs (things that fired again) behind a long window at the front.
            if state.order.count - state.head > 2 * state.until.count + 1024 {
                state.order = state.order[state.head...].filter { state.until[$0.key] == $0.until }
                state.head = 0
            }
            return true
        }
    }

    /// Things held back now, and how many were forgotten before their window ended.
    var usage: (entries: Int, forgotten: Int) {
        state.withLock { ($0.until.count, $0.forgotten) }
    }
}
