import Foundation
import Synchronization
import _TriggerfishCore

/// Feeds a stream of recorded inputs (one JSON document per line) through a ``PlaybookEngine``:
/// lines are parsed in parallel, inputs about the same object are handled one after another in
/// input order, inputs about different objects may run concurrently (`lanes`), and reports come
/// out in input order. At most `maxInFlight` inputs are held at once, so memory stays bounded
/// however long the stream is.
///
/// Lines travel in batches (`batchLines` lines, or fewer that hold a MiB). Each of `workers`
/// tasks takes the next batch, parses all of it, then handles it lane by lane: a batch's inputs
/// of a lane are handled once every earlier batch has handled its own (``LaneTurns``), and a
/// task whose batch waits for a turn parses the next batch meanwhile. So an input is parsed,
/// handled and freed by one task, and what passes between cores is batches of lines, the turns
/// and the reports.
///
/// An earlier design parsed batches in tasks of their own and handed the parsed inputs to a task
/// per lane. Every input then crossed cores after parsing, each batch took four task hops, and
/// glibc's allocator took a lock to free on a lane what a parsing task had allocated: two cores
/// reached 1.4 to 1.6 times one core where two independent one-core passes reached twice.
/// docs/performance.md has the figures.
public struct InputPipeline: Sendable {
    public let engine: PlaybookEngine
    /// How many lanes inputs are split into, by object: inputs in different lanes may be handled
    /// at once (by different working tasks, so at most `workers` at once). With 1, which is the
    /// default, rate limits, alert de-duplication and alert resolution see the inputs in exactly
    /// their order, so two runs over the same recording give the same reports.
    public var lanes: Int
    /// How many batches are worked on at once, each by one task that parses it and then handles it.
    public var workers: Int
    public var maxInFlight: Int
    /// Lines per batch, at most `maxInFlight`. A batch is parsed once it is complete, so a source
    /// whose lines arrive slowly (a live stream on standard input) wants 1.
    public var batchLines: Int
    /// Whether taking the next line may wait for it to arrive (a stream on standard input). Such
    /// lines are read on a thread of their own, so that the wait holds up no task that parses or
    /// handles inputs. Lines at hand (in memory, in a file) are read by the working tasks
    /// themselves, one task at a time: a reading thread would be a third busy thread on two
    /// cores, and a hand-over for every batch (two cores handled Pod updates about 1.1 times as
    /// fast without one).
    public var linesMayWait = false

    public init(
        engine: PlaybookEngine, lanes: Int = 1, workers: Int = ProcessInfo.processInfo.activeProcessorCount, maxInFlight: Int = 128,
        batchLines: Int = 32
    ) {
        self.engine = engine
        self.lanes = max(1, lanes)
        self.workers = max(1, workers)
        self.maxInFlight = max(1, maxInFlight)
        self.batchLines = min(max(1, batchLines), self.maxInFlight)
    }

    /// One numbered input line.
    public struct Line: Sendable {
        /// 0-based line number, reported as the input's `index`.
        public var number: Int
        /// The line's bytes, without its line break, shared with the lines read with it
        /// (see ``LineReader``).
        public var bytes: InputBytes
        /// Why the line could not be read (it is too long, say), reported instead of parsing `bytes`.
        public var error: InputError?

        public init(number: Int, bytes: InputBytes) {
            self.number = number
            self.bytes = bytes
        }

        public init(number: Int, bytes: [UInt8]) {
            self.init(number: number, bytes: InputBytes(bytes))
        }

        /// A line that could not be read.
        public init(number: Int, error: InputError) {
            self.number = number
            self.bytes = InputBytes([])
            self.error = error
        }
    }

    /// A batch of lines as it is read (``BatchReader``): its number in reading order, and the
    /// sequence number (the position among all lines read) of its first line.
    struct Batch: Sendable {
        var number: Int
        var first: Int
        var lines: [Line]
    }

    /// Processes every line; `onReport` is called once per line, in line order.
    public func run<Lines: Sequence>(_ lines: Lines, onReport: @escaping @Sendable (InputReport) -> Void) async
    where Lines.Element == Line {
        let engine = self.engine
        let laneCount = lanes
        let reader = BatchReader(lines, batchLines: batchLines)
        let turns = LaneTurns(count: laneCount)
        // A batch takes a unit of room before it is read and gives it back once its reports are
        // passed on, so at most `maxInFlight` lines are held: read, being worked on, or handled
        // and waiting for an earlier batch (a lane's later batches may finish before another
        // lane's earlier one).
        let room = max(1, maxInFlight / batchLines)
        let next: @Sendable () async -> Batch?
        let nextNow: @Sendable () -> Batch?
        let passed: @Sendable () -> Void
        if linesMayWait {
            let units = DispatchSemaphore(value: room)
            let queue = BatchQueue()
            Self.startReading(reader, room: units, into: queue)
            next = { await queue.take() }
            nextNow = { queue.takeNow() }
            passed = { units.signal() }
        } else {
            let units = TaskRoom(room)
            // Reads a batch into a unit taken; at the end of the lines the unit is given back.
            let read: @Sendable () -> Batch? = {
                guard let batch = reader.next() else {
                    units.leave()
                    return nil
                }
                return batch
            }
            next = {
                await units.enter()
                return read()
            }
            nextNow = { units.tryEnter() ? read() : nil }
            passed = { units.leave() }
        }
        let output = ReorderBuffer(onReport, batchPassed: passed)
        await withDiscardingTaskGroup { group in
            for _ in 0..<workers {
                group.addTask {
                    await Self.work(next: next, nextNow: nextNow, lanes: laneCount, engine: engine, turns: turns, output: output)
                }
            }
        }
    }

    /// A working task: takes batches (`next` waits for one, `nextNow` gives one only if it can
    /// at once), parses each, handles its inputs lane by lane as the lanes' turns come, and passes
    /// its reports on.
    ///
    /// A task holds at most two batches, in reading order. When no lane of either can be handled
    /// now, it parses the next batch meanwhile if there is room for it at once, and otherwise
    /// waits for a turn of its earliest batch, which depends only on earlier batches: so no task
    /// waits for one that waits for it. Waiting without parsing ahead left a core idle while
    /// another handled a lane: in alternating runs, parsing ahead handled up to 1.2 times as many
    /// inputs in most rows; the rows that lost in one set won most of ten more pairs
    /// (docs/performance.md).
    static func work(
        next: @Sendable () async -> Batch?, nextNow: @Sendable () -> Batch?, lanes: Int, engine: PlaybookEngine, turns: LaneTurns,
        output: ReorderBuffer
    ) async {
        var held: [Work] = []
        while true {
            if held.isEmpty {
                guard let batch = await next() else { return }
                held.append(Work(batch, lanes: lanes, turns: turns))
            }
            var handled = false
            for index in held.indices {
                while let lane = turns.turnNow(of: held[index].batch.number, among: held[index].waiting) {
                    await held[index].handle(lane: lane, engine: engine, turns: turns)
                    handled = true
                }
            }
            for work in held where work.waiting.isEmpty { output.put(work.batch.first, work.reports) }
            held.removeAll { $0.waiting.isEmpty }
            if handled || held.isEmpty { continue }
            if held.count < 2, let batch = nextNow() {
                held.append(Work(batch, lanes: lanes, turns: turns))
                continue
            }
            let lane = await turns.turn(of: held[0].batch.number, among: held[0].waiting)
            await held[0].handle(lane: lane, engine: engine, turns: turns)
        }
    }

    /// A batch parsed, and its inputs as far as they are handled.
    struct Work {
        let batch: Batch
        var reports: [InputReport]
        /// By lane, the inputs (their offsets in the batch) of the lane.
        var shares: [[(offset: Int, input: RecordedInput)]]
        /// The lanes whose inputs are still to be handled.
        var waiting: [Int]

        /// Parses `batch`, and passes the lanes it has nothing for at once, so later batches need
        /// not wait for them.
        init(_ batch: Batch, lanes: Int, turns: LaneTurns) {
            self.batch = batch
            reports = batch.lines.map { InputReport(index: $0.number, kind: nil) }
            shares = Array(repeating: [], count: lanes)
            for (offset, line) in batch.lines.enumerated() {
                if let error = line.error {
                    reports[offset].error = error.message
                    continue
                }
                do throws(InputError) {
                    let input = try InputDecoder.decode(line.bytes)
                    shares[lanes == 1 ? 0 : InputPipeline.lane(of: input, count: lanes)].append((offset, input))
                } catch {
                    reports[offset].error = error.message
                }
            }
            let shares = shares
            turns.pass(batch: batch.number, lanes: shares.indices.lazy.filter { shares[$0].isEmpty })
            waiting = shares.indices.filter { !shares[$0].isEmpty }
        }

        /// Handles the inputs of `lane`, whose turn it is, and passes the lane on.
        mutating func handle(lane: Int, engine: PlaybookEngine, turns: LaneTurns) async {
            for (offset, input) in shares[lane] {
                switch input {
                case .kubernetes: reports[offset].kind = .kubernetes
                case .alerts: reports[offset].kind = .alertmanager
                }
                reports[offset].events = await engine.handle(input)
            }
            shares[lane] = []
            waiting.removeAll { $0 == lane }
            turns.pass(batch: batch.number, lanes: CollectionOfOne(lane))
        }
    }

    /// Reads `reader`'s batches on a new thread (reading may wait for as long as the lines take
    /// to come), each after taking one unit of `room`, into `queue`, and finishes it at the end
    /// of the lines.
    static func startReading(_ reader: BatchReader, room: DispatchSemaphore, into queue: BatchQueue) {
        let thread = Thread {
            while true {
                room.wait()
                guard let batch = reader.next() else {
                    // libdispatch traps on a semaphore released below its start.
                    room.signal()
                    break
                }
                queue.put(batch)
            }
            queue.finish()
        }
        thread.name = "triggerfish input reader"
        thread.start()
    }

    /// The lane of an input: by object for a Kubernetes change, by alert group for a webhook (its
    /// group key, or without one its first alert's fingerprint), so what must stay in order
    /// shares a lane.
    public static func lane(of input: RecordedInput, count: Int) -> Int {
        var hash = FNV1a()
        switch input {
        case .kubernetes(let change):
            // The hash of "kind/namespace/name", without building that string for every input.
            hash.combine(change.kind)
            hash.combine(UInt8(ascii: "/"))
            hash.combine(change.object.namespace ?? "")
            hash.combine(UInt8(ascii: "/"))
            hash.combine(change.object.name ?? "")
        case .alerts(let webhook):
            hash.combine(webhook.groupKey.isEmpty ? (webhook.alerts.first?.fingerprint ?? "") : webhook.groupKey)
        }
        return Int(hash.value % UInt64(count))
    }
}
