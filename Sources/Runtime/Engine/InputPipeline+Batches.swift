import Synchronization

/// The batches of an ``InputPipeline`` as its reading thread hands them to the working tasks:
/// first in, first out, each to one task. Waiting tasks are served in the order they came.
final class BatchQueue: Sendable {
    private struct State {
        var batches: [InputPipeline.Batch] = []
        var waiting: [CheckedContinuation<InputPipeline.Batch?, Never>] = []
        var finished = false
    }

    private let state = Mutex(State())

    /// Hands on a batch: to the task that has waited longest, or to the next that asks.
    func put(_ batch: InputPipeline.Batch) {
        let waiter = state.withLock { state -> CheckedContinuation<InputPipeline.Batch?, Never>? in
            if state.waiting.isEmpty {
                state.batches.append(batch)
                return nil
            }
            return state.waiting.removeFirst()
        }
        waiter?.resume(returning: batch)
    }

    /// No more batches: tasks waiting, and those that ask once the queue is empty, get `nil`.
    func finish() {
        let waiting = state.withLock { state in
            state.finished = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for waiter in waiting { waiter.resume(returning: nil) }
    }

    /// The next batch if one is read and waiting.
    func takeNow() -> InputPipeline.Batch? {
        state.withLock { state in state.batches.isEmpty ? nil : state.batches.removeFirst() }
    }

    /// The next batch, waiting for the reading thread if there is none yet; `nil` at the end.
    /// (Only lines that may wait are read this way, so a continuation a batch costs nothing that
    /// matters.)
    func take() async -> InputPipeline.Batch? {
        await withCheckedContinuation { continuation in
            // The answer now (a batch, or `nil` at the end), or no answer yet.
            let taken = state.withLock { state -> InputPipeline.Batch?? in
                if !state.batches.isEmpty { return .some(state.batches.removeFirst()) }
                if state.finished { return .some(nil) }
                state.waiting.append(continuation)
                return nil
            }
            if let taken { continuation.resume(returning: taken) }
        }
    }
}

/// Room for a number of batches in flight, for tasks: a task waits for a unit without holding up
/// its thread. Waiting tasks get units in the order they came.
final class TaskRoom: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ units: Int) {
        state = Mutex(State(free: units))
    }

    /// Takes a unit if one is free and no task waited for it first.
    private static func take(_ state: inout State) -> Bool {
        guard state.free > 0, state.waiting.isEmpty else { return false }
        state.free -= 1
        return true
    }

    /// Takes a unit if one is free now.
    func tryEnter() -> Bool {
        state.withLock { Self.take(&$0) }
    }

    /// Takes a unit, waiting until one is free.
    func enter() async {
        if tryEnter() { return }
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if Self.take(&state) { return true }
                state.waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Gives a unit back: to the task that has waited longest, if any.
    func leave() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        waiter?.resume()
    }
}

/// Whose turn it is to handle a lane's inputs: batch after batch, in reading order. A batch
/// takes its turn in a lane, handles its inputs of the lane, and passes the lane on; a batch with
/// nothing for a lane passes it as soon as it knows, and the lane's turn then skips that batch
/// when it comes. So a lane's inputs are handled in input order, while other lanes, and the
/// parsing of later batches, go on.
final class LaneTurns: Sendable {
    private struct State {
        /// By lane, the batch whose turn it is.
        var turns: [Int]
        /// By lane, later batches that have passed it already (they had nothing for it).
        var passedEarly: [Set<Int>]
        /// By batch, a batch waiting for its turn in any of `lanes`.
        var waiting: [Int: (lanes: [Int], continuation: CheckedContinuation<Int, Never>)] = [:]
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(turns: Array(repeating: 0, count: count), passedEarly: Array(repeating: [], count: count)))
    }

    /// One of `lanes` in which it is `batch`'s turn, once there is one: the first of them where it
    /// is already, or else the first where it comes. A batch handles its lanes in the order their
    /// turns come, not in the order of the lanes, so it does not wait for one lane while another
    /// is free.
    func turn(of batch: Int, among lanes: [Int]) async -> Int {
        if let lane = turnNow(of: batch, among: lanes) { return lane }
        return await withCheckedContinuation { continuation in
            let lane = state.withLock { state -> Int? in
                if let lane = Self.firstTurn(of: batch, among: lanes, in: state) { return lane }
                state.waiting[batch] = (lanes, continuation)
                return nil
            }
            if let lane { continuation.resume(returning: lane) }
        }
    }

    /// The first of `lanes` in which it is `batch`'s turn now, if any.
    func turnNow(of batch: Int, among lanes: [Int]) -> Int? {
        state.withLock { Self.firstTurn(of: batch, among: lanes, in: $0) }
    }

    private static func firstTurn(of batch: Int, among lanes: [Int], in state: State) -> Int? {
        lanes.first { state.turns[$0] == batch }
    }

    /// Whether `batch` is waiting for a turn.
    func isWaiting(_ batch: Int) -> Bool {
        state.withLock { $0.waiting[batch] != nil }
    }

    /// `batch` is done with `lanes`: each lane's turn moves on past it (and past later batches
    /// that passed early), or, where it is not yet `batch`'s turn, will when it comes.
    func pass(batch: Int, lanes passed: some Sequence<Int>) {
        var woken: [(continuation: CheckedContinuation<Int, Never>, lane: Int)] = []
        state.withLock { state in
            for lane in passed {
                guard state.turns[lane] == batch else {
                    state.passedEarly[lane].insert(batch)
                    continue
                }
                var turn = batch + 1
                while state.passedEarly[lane].remove(turn) != nil { turn += 1 }
                state.turns[lane] = turn
                if let waiter = state.waiting[turn], waiter.lanes.contains(lane) {
                    state.waiting[turn] = nil
                    woken.append((waiter.continuation, lane))
                }
            }
        }
        for (continuation, lane) in woken { continuation.resume(returning: lane) }
    }
}

/// An ``InputPipeline``'s lines, read in numbered batches by whichever thread asks, one at a time.
final class BatchReader: Sendable {
    /// Unchecked: the lines' iterator is used only under the lock (and the caller hands the lines
    /// over). Type-erased, so that the reader captures no generic metatype.
    private struct State: @unchecked Sendable {
        var lines: AnyIterator<InputPipeline.Line>
        var batches = 0
        var linesRead = 0
        /// Whether the lines have ended (an iterator need not be asked again once it has said so).
        var ended = false
    }

    private let state: Mutex<State>
    let batchLines: Int

    init<Lines: Sequence>(_ lines: Lines, batchLines: Int) where Lines.Element == InputPipeline.Line {
        state = Mutex(State(lines: AnyIterator(lines.makeIterator())))
        self.batchLines = batchLines
    }

    /// The next `batchLines` lines, or fewer that hold a MiB (so that long lines are read ahead a
    /// few at a time), or fewer at the end; `nil` once there are none.
    func next() -> InputPipeline.Batch? {
        state.withLock { state in
            var lines: [InputPipeline.Line] = []
            lines.reserveCapacity(batchLines)
            var bytes = 0
            while !state.ended, lines.count < batchLines, bytes < 1 << 20 {
                guard let line = state.lines.next() else {
                    state.ended = true
                    break
                }
                bytes += line.bytes.count
                lines.append(line)
            }
            guard !lines.isEmpty else { return nil }
            defer {
                state.batches += 1
                state.linesRead += lines.count
            }
            return InputPipeline.Batch(number: state.batches, first: state.linesRead, lines: lines)
        }
    }
}
