import Logging
import Synchronization
import _TriggerfishCore

/// The bounded queue between event processing and a sink that delivers in the background, and
/// the count of what became of each item handed to it (``SinkStatistics``).
///
/// Event processing only ever calls ``enqueue(_:)``, which never waits: a full queue refuses the
/// item (counted as dropped). The sink's background task calls ``serve(concurrency:_:)``, which
/// delivers the queued items, at most `concurrency` at once, in the order they were queued, until
/// the queue is closed and empty. Cancelling the task that serves abandons the queue: deliveries
/// under way are cancelled, and what they and the queue still held is counted as not delivered.
/// Every item handed over is counted exactly once: delivered, failed, dropped or not delivered.
public final class SinkQueue<Item: Sendable>: Sendable {
    /// What became of one item a delivery took.
    public enum Outcome: Sendable, Equatable {
        case delivered, failed
        /// The delivery was cancelled (the sink was shut down before it finished).
        case notDelivered
    }

    /// Why ``enqueue(_:)`` refused an item.
    public enum Refusal: Sendable, Equatable {
        /// ``capacity`` items were waiting.
        case full
        /// The queue was closed (the sink is shutting down, or has).
        case closed
    }

    struct State {
        var items: [Item] = []
        /// Index of the oldest item in `items`.
        var head = 0
        var statistics = SinkStatistics()
        var handedOver = 0
        var finished = 0
        var inFlight = 0
        var concurrency = 1
        var closed = false
        var abandoned = false
        /// The serving task, waiting for an item (or for a delivery to end when `concurrency` run).
        var server: CheckedContinuation<Item?, Never>?
        var flushWaiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []

        var waiting: Int { items.count - head }

        mutating func takeFirst() -> Item {
            let item = items[head]
            head += 1
            if head > 64 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            return item
        }

        /// Counts `count` items as finished with `outcome`, returning the flushes that are now done.
        mutating func finish(_ outcome: WritableKeyPath<SinkStatistics, Int>, count: Int = 1) -> [CheckedContinuation<Void, Never>] {
            statistics[keyPath: outcome] += count
            finished += count
            let done = flushWaiters.filter { $0.target <= finished }.map(\.continuation)
            flushWaiters.removeAll { $0.target <= finished }
            return done
        }

        /// The next item for the server when it waits and may take one.
        mutating func handToServer() -> (CheckedContinuation<Item?, Never>, Item?)? {
            guard let server else { return nil }
            if waiting > 0 && inFlight < concurrency {
                self.server = nil
                inFlight += 1
                return (server, takeFirst())
            }
            if closed && waiting == 0 {
                self.server = nil
                return (server, nil)
            }
            return nil
        }
    }

    let state = Mutex(State())

    /// Items that may wait at once; more are refused.
    public let capacity: Int

    /// - Parameter capacity: items that may wait at once (at least 1).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// What became of the items handed over so far; those still queued or being delivered are in
    /// none of the counts.
    public var statistics: SinkStatistics { state.withLock { $0.statistics } }

    /// Items waiting, not counting those being delivered.
    public var waiting: Int { state.withLock { $0.waiting } }

    /// Queues `item` without waiting: `nil` when it is queued, otherwise why it was refused, and
    /// then it is counted as dropped (the caller says so in its log).
    public func enqueue(_ item: Item) -> Refusal? {
        let (refusal, done, handed) = state.withLock {
            state -> (Refusal?, [CheckedContinuation<Void, Never>], (CheckedContinuation<Item?, Never>, Item?)?) in
            state.handedOver += 1
            if state.closed { return (.closed, state.finish(\.dropped), nil) }
            if state.waiting >= capacity { return (.full, state.finish(\.dropped), nil) }
            state.items.append(item)
            return (nil, [], state.handToServer())
        }
        for waiter in done { waiter.resume() }
        if let (server, item) = handed { server.resume(returning: item) }
        return refusal
    }

    /// Counts an item the sink handled without queueing it (a sink that writes some findings
    /// at once), so ``statistics`` and ``flush()`` include it.
    public func record(_ outcome: Outcome) {
        let done = state.withLock { state in
            state.handedOver += 1
            return state.finish(Self.keyPath(outcome))
        }
        for waiter in done { waiter.resume() }
    }

    /// Takes no more items; those queued are still delivered by ``serve(concurrency:_:)``.
    public func close() {
        let handed = state.withLock { state in
            state.closed = true
            return state.handToServer()
        }
        if let (server, item) = handed { server.resume(returning: item) }
    }

    /// Returns once every item handed over before the call is delivered, failed, dropped or
    /// counted as not delivered.
    public func flush() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.finished >= state.handedOver { return true }
                state.flushWaiters.append((state.handedOver, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Delivers the queued items with `deliver`, at most `concurrency` at once (at least 1), each
    /// started in queue order, until the queue is closed and empty. When the calling task is
    /// cancelled, the queue closes and gives up: the deliveries under way are cancelled (`deliver`
    /// returns ``Outcome/notDelivered`` for one it did not finish, or what it did finish), the items
    /// still queued are counted as not delivered, and `serve` returns once the deliveries under way
    /// have returned.
    public func serve(concurrency: Int, _ deliver: @escaping @Sendable (Item) async -> Outcome) async {
        state.withLock { $0.concurrency = max(1, concurrency) }
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                while let item = await next() {
                    group.addTask {
                        let outcome = await deliver(item)
                        self.delivered(outcome)
                    }
                }
            }
        } onCancel: {
            abandon()
        }
    }

    /// The next item once a delivery may start; `nil` once the queue is closed and empty, or abandoned.
    func next() async -> Item? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
            let handed = state.withLock { state -> (CheckedContinuation<Item?, Never>, Item?)? in
                if state.abandoned { return (continuation, nil) }
                state.server = continuation
                return state.handToServer()
            }
            if let (server, item) = handed { server.resume(returning: item) }
        }
    }

    func delivered(_ outcome: Outcome) {
        let (done, handed) = state.withLock { state in
            state.inFlight -= 1
            let done = state.finish(Self.keyPath(outcome))
            return (done, state.abandoned ? nil : state.handToServer())
        }
        for waiter in done { waiter.resume() }
        if let (server, item) = handed { server.resume(returning: item) }
    }

    /// Closes the queue and counts what waits in it as not delivered.
    func abandon() {
        let (done, server) = state.withLock { state in
            state.closed = true
            state.abandoned = true
            let left = state.waiting
            state.items = []
            state.head = 0
            let server = state.server
            state.server = nil
            return (left > 0 ? state.finish(\.notDelivered, count: left) : [], server)
        }
        for waiter in done { waiter.resume() }
        server?.resume(returning: nil)
    }

    static func keyPath(_ outcome: Outcome) -> WritableKeyPath<SinkStatistics, Int> {
        switch outcome {
        case .delivered: \.delivered
        case .failed: \.failed
        case .notDelivered: \.notDelivered
        }
    }
}

extension SinkQueue where Item == Finding {
    /// Queues a finding for a sink; one that is refused is logged as dropped, in the same words
    /// for every sink: `file_sink 'audit': dropped finding 'T' (fingerprint F) for PATH: the
    /// queue is full (1000 findings waiting)`.
    public func enqueue(_ finding: Finding, sink: String, name: String, destination: String, logger: Logger) {
        guard let refusal = enqueue(finding) else { return }
        let reason =
            switch refusal {
            case .full: "the queue is full (\(capacity) findings waiting)"
            case .closed: "the sink has shut down"
            }
        logger.warning(
            "\(sink) \(quoted: name): dropped finding \(quoted: finding.title) (fingerprint \(finding.fingerprint)) for \(destination): \(reason)",
            metadata: ["sink": "\(name)", "fingerprint": "\(finding.fingerprint)"])
    }
}
