import Foundation
import Synchronization

/// Remembers alerts already handled, as Robusta does: by fingerprint, status, start and end,
/// for `ttl` seconds, holding at most `capacity` entries (the oldest go first).
public final class AlertDeduplicator: Sendable {
    /// What makes two alerts the same: the four fields, not joined into one string, which cost
    /// building it per alert. Its hash is computed once: the table rehashes every key each time it
    /// grows, and hashing the four strings again cost more than the rest of the lookup. A class:
    /// the table and the arrival order both hold each key, and copying the four strings into each
    /// retained every one of them (copies and releases were about 2% of an alert's handling).
    final class Key: Hashable, Sendable {
        let fingerprint: String
        let status: String
        let startsAt: String
        let endsAt: String
        let hash: Int

        init(fingerprint: String, status: String, startsAt: String, endsAt: String) {
            self.fingerprint = fingerprint
            self.status = status
            self.startsAt = startsAt
            self.endsAt = endsAt
            var hasher = Hasher()
            hasher.combine(fingerprint)
            hasher.combine(status)
            hasher.combine(startsAt)
            hasher.combine(endsAt)
            hash = hasher.finalize()
        }

        static func == (left: Key, right: Key) -> Bool {
            left === right
                || left.hash == right.hash && left.fingerprint == right.fingerprint && left.status == right.status
                    && left.startsAt == right.startsAt && left.endsAt == right.endsAt
        }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    struct State {
        var seen: [Key: Date] = [:]
        var order: [(key: Key, at: Date)] = []
        var head = 0
    }

    private let state = Mutex(State())
    public let ttl: TimeInterval
    public let capacity: Int

    public init(ttl: TimeInterval = 7200, capacity: Int = 100_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// `true` the first time an alert is seen within the TTL; `false` for a repeat.
    public func isFirst(_ alert: PrometheusAlert, now: Date) -> Bool {
        let key = Key(fingerprint: alert.fingerprint, status: alert.status, startsAt: alert.startsAt, endsAt: alert.endsAt)
        return state.withLock { state in
            // Expire from the front of the arrival order.
            while state.head < state.order.count,
                now.timeIntervalSince(state.order[state.head].at) >= ttl || state.order.count - state.head > capacity
            {
                let entry = state.order[state.head]
                if state.seen[entry.key] == entry.at { state.seen[entry.key] = nil }
                state.head += 1
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            // One lookup for a first sighting, the common case; a repeat puts the first time back.
            if let at = state.seen.updateValue(now, forKey: key), now.timeIntervalSince(at) < ttl {
                state.seen[key] = at
                return false
            }
            state.order.append((key, now))
            return true
        }
    }
}
