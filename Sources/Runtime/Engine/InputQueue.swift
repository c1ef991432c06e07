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

    /// Stops taking inputs; ``run()`` returns once those already accepted are handled.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            for lane in lanes { lane.finish() }
        }
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
                        self.state.withLock { $0.depth -= 1 }
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
