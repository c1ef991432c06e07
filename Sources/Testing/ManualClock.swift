import Synchronization

/// A clock that moves only when a test advances it, so timeouts and backoff happen when the test
/// says, however busy the machine is. Tests wait for code to start sleeping on it
/// (``waitForSleep(_:)``), move it (``advance(by:)``) and read which sleeps ran to their end, in
/// order (``completedSleeps``).
///
/// When a wait is cancelled (the test's time limit ran out: what it waited for never happened),
/// the clock lets every sleep end at once from then on, so the code under test finishes and the
/// test ends with its failures instead of hanging.
///
/// Unlike swift-clocks' `TestClock`, it can wait for code that first does real I/O (a request
/// to an ``HTTPReceiver``) to start sleeping: `TestClock` only yields a few times before it moves.
public final class ManualClock: Clock, Sendable {
    public struct Instant: InstantProtocol {
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (left: Instant, right: Instant) -> Bool { left.offset < right.offset }
    }

    struct Sleeper {
        var id: Int
        var duration: Duration
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct Waiter {
        var id: Int
        var duration: Duration
        var continuation: CheckedContinuation<Void, Never>
    }

    struct State {
        var now = Instant(offset: .zero)
        var nextID = 0
        var sleepers: [Sleeper] = []
        /// Sleeps cancelled before they were registered.
        var cancelled: Set<Int> = []
        var completed: [Duration] = []
        var waiters: [Waiter] = []
        /// Sleeps end at once: a test stopped waiting.
        var released = false
    }

    let state = Mutex(State())

    public init() {}

    public var now: Instant { state.withLock { $0.now } }
    public var minimumResolution: Duration { .zero }

    /// The sleeps that reached their deadline, oldest first, as the durations they were asked for.
    public var completedSleeps: [Duration] { state.withLock { $0.completed } }

    /// The durations of the sleeps waiting for the clock to move.
    public var pendingSleeps: [Duration] { state.withLock { $0.sleepers.map(\.duration) } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                enum Start {
                    case sleep([CheckedContinuation<Void, Never>])
                    case done, cancelled
                }
                let start = state.withLock { state -> Start in
                    if state.cancelled.remove(id) != nil { return .cancelled }
                    let duration = state.now.duration(to: deadline)
                    if deadline <= state.now || state.released {
                        state.completed.append(duration)
                        return .done
                    }
                    state.sleepers.append(Sleeper(id: id, duration: duration, deadline: deadline, continuation: continuation))
                    let woken = state.waiters.filter { $0.duration == duration }
                    state.waiters.removeAll { $0.duration == duration }
                    return .sleep(woken.map(\.continuation))
                }
                switch start {
                case .sleep(let woken): for waiter in woken { waiter.resume() }
                case .done: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock and ends the sleeps whose deadline it reaches, earliest deadline first.
    public func advance(by duration: Duration) {
        let due = state.withLock { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            state.completed += due.map(\.duration)
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once a sleep of `duration` is waiting for the clock to move (at once if one is).
    /// Does not time out: the test's time limit ends a test whose code never sleeps.
    public func waitForSleep(_ duration: Duration) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil || state.sleepers.contains(where: { $0.duration == duration }) { return true }
                    state.waiters.append(Waiter(id: id, duration: duration, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let (waiter, sleepers) = state.withLock { state -> (Waiter?, [Sleeper]) in
                state.released = true
                let sleepers = state.sleepers
                state.sleepers = []
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return (nil, sleepers)
                }
                return (state.waiters.remove(at: index), sleepers)
            }
            waiter?.continuation.resume()
            for sleeper in sleepers { sleeper.continuation.resume() }
        }
    }

    /// Waits for a sleep of `duration`, then moves the clock by it.
    public func advanceWhenSleeping(_ duration: Duration) async {
        await waitForSleep(duration)
        advance(by: duration)
    }
}
