import Synchronization

/// The live counterpart of ``InputPipeline``: decoded inputs arrive one at a time (from HTTP
/// requests, later from a watch), wait in a bounded queue and are handled in lanes, inputs about
/// the same object one after another in arrival order, inputs about different objects
/// concurrently.
///
/// Admission is all or nothing: ``offer(_:)`` either takes the input, which is then always
/// handled (also when the queue is closed later: closing drains), or refuses it at once, because
/// the queue is full or closed, so the sender can answer its client to retry. Nothing is dropped
/// silently.
public final class InputQueue<Input: Sendable>: Sendable {
    /// What became of an offered input.
    public enum Admission: Sendable, Equatable {
        /// Queued: it will be handled.
        case accepted
        /// Refused: `capacity` inputs are waiting or being handled.
        case full
        /// Refused: the queue no longer takes inputs (shutting down).
        case closed
    }

    struct State {
        /// Inputs accepted and not yet handled to the end.
        var depth = 0
        var closed = false
        /// Senders waiting for room (``submit(_:)``), first come first served.
        var waiting: [(id: Int, continuation: CheckedContinuation<Void, Never>)] = []
        var nextWaiter = 0
    }

    /// How many inputs may be queued or in progress at once.
    public let capacity: Int
    let lanes: [AsyncStream<Input>.Continuation]
    let streams: Mutex<[AsyncStream<Input>]?>
    let laneOf: @Sendable (Input, Int) -> Int
    let handle: @Sendable (Input) async -> Void
    let state = Mutex(State())

    /// - Parameters:
    ///   - capacity: inputs queued or in progress at once; more are refused.
    ///   - lanes: inputs handled at once.
    ///   - lane: the lane of an input, from 0 to the lane count: inputs that must stay in order
    ///     share a lane.
    ///   - handle: handles one input; called from ``run()``.
    public init(
        capacity: Int, lanes: Int, lane: @escaping @Sendable (Input, Int) -> Int, handle: @escaping @Sendable (Input) async -> Void
    ) {
        self.capacity = max(1, capacity)
        var continuations: [AsyncStream<Input>.Continuation] = []
        var streams: [AsyncStream<Input>] = []
        for _ in 0..<max(1, lanes) {
            let (stream, continuation) = AsyncStream<Input>.makeStream()
            streams.append(stream)
            continuations.append(continuation)
        }
        self.lanes = continuations
        self.streams = Mutex(streams)
        self.laneOf = lane
        self.handle = handle
    }

    /// Inputs accepted and not yet handled to the end.
    public var depth: Int { state.withLock { $0.depth } }

    /// Whether the queue still takes inputs.
    public var isClosed: Bool { state.withLock { $0.closed } }

    /// Takes an input for handling, or refuses it at once.
    public func offer(_ input: Input) -> Admission {
        let lane = lanes.count == 1 ? 0 : min(max(laneOf(input, lanes.count), 0), lanes.count - 1)
        return state.withLock { state in
            if state.closed { return .closed }
            if state.depth >= capacity { return .full }
            state.depth += 1
            // Under the lock, so two inputs of one lane enter it in the order they were accepted.
            lanes[lane].yield(input)
            return .accepted
        }
    }

    /// Takes an input for handling, waiting while the queue is full: for a sender that can hold
    /// back (a watch stops reading its stream) rather than be refused. `closed` when the queue
    /// closes first or the waiting task is cancelled; then the input was not taken.
    public func submit(_ input: Input) async -> Admission {
        while true {
            switch offer(input) {
            case .accepted: return .accepted
            case .closed: return .closed
            case .full:
                if Task.isCancelled { return .closed }
                let id = state.withLock { state in
                    state.nextWaiter += 1
                    return state.nextWaiter
                }
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = state.withLock { state -> Bool in
                            // Room may have been made, or the queue closed, since the offer.
                            if state.closed || state.depth < capacity || Task.isCancelled { return true }
                            state.waiting.append((id, continuation))
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                        guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                        return state.waiting.remove(at: index).continuation
                    }
                    waiter?.resume()
                }
            }
        }
    }

    /// Stops taking inputs; ``run()`` returns once those already accepted are handled.
    public func close() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.closed else { return [] }
            state.closed = true
            for lane in lanes { lane.finish() }
            defer { state.waiting = [] }
            return state.waiting.map(\.continuation)
        }
        for waiter in waiting { waiter.resume() }
    }

    /// Handles inputs until the queue is closed and drained. Call it once.
    public func run() async {
        guard
            let streams = streams.withLock({ streams in
                defer { streams = nil }
                return streams
            })
        else { return }
        await withTaskGroup(of: Void.self) { group in
            for stream in streams {
                group.addTask {
                    for await input in stream {
                        await self.handle(input)
                        let waiter = self.state.withLock { state in
                            state.depth -= 1
                            return state.waiting.isEmpty ? nil : state.waiting.removeFirst().continuation
                        }
                        waiter?.resume()
                    }
                }
            }
        }
    }
}

extension InputQueue where Input == RecordedInput {
    /// A queue of kubewatch changes and Alertmanager webhooks, laned as ``InputPipeline`` lanes
    /// them: by object for a change, by alert group for a webhook.
    public convenience init(capacity: Int, lanes: Int, handle: @escaping @Sendable (RecordedInput) async -> Void) {
        self.init(capacity: capacity, lanes: lanes, lane: { InputPipeline.lane(of: $0, count: $1) }, handle: handle)
    }
}
