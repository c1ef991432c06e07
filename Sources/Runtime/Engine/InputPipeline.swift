import Foundation
import Synchronization
import _TriggerfishCore

/// Feeds a stream of recorded inputs (one JSON document per line) through a ``PlaybookEngine``:
/// lines are parsed in parallel, inputs about the same object are handled one after another in
/// input order, inputs about different objects may run concurrently (`lanes`), and reports come
/// out in input order. At most `maxInFlight` inputs are held at once, so memory stays bounded
/// however long the stream is.
///
/// Lines travel in batches (`batchLines` lines, or fewer that hold a MiB): a task parses a batch,
/// and each lane receives its share of a batch at once. Handing inputs over one by one cost a
/// task, a stream element and two semaphore hops each, as much as handling a Pod update, and two
/// cores went no faster than one. Batches of 32 lines (and 128 inputs in flight) rather than 16
/// (and 64) made two lanes about 1.05 to 1.15 times as fast for Pod updates on the benchmark
/// workload, alerts within the noise; 64 (and 256) gained little more and held 9 MiB more of Pod
/// updates. Two batches per parser are read ahead rather than four, so that 128 lines are, as
/// before: four held 40 to 41 MiB at the peak where two hold 38.
///
/// With more than one lane, an Alertmanager webhook is only checked by the parsing task, and read
/// (its alerts, labels and annotations built) by the lane that handles it. glibc's allocator
/// takes a lock to free memory that another thread allocated, and a webhook is dozens of small
/// allocations: built on one thread and freed on another, two lanes handled alerts no faster
/// than one core. With one lane the parsing tasks read webhooks too, taking that work off the
/// lane, which is then the bottleneck.
public struct InputPipeline: Sendable {
    public let engine: PlaybookEngine
    /// How many inputs are handled at once. With 1, which is the default, rate limits, alert
    /// de-duplication and alert resolution see the inputs in exactly their order, so two runs
    /// over the same recording give the same reports.
    public var lanes: Int
    /// How many batches are parsed at once (and twice as many are read ahead).
    public var parsers: Int
    public var maxInFlight: Int
    /// Lines per batch, at most `maxInFlight`. A batch is parsed once it is complete, so a source
    /// whose lines arrive slowly (a live stream on standard input) wants 1.
    public var batchLines: Int

    public init(
        engine: PlaybookEngine, lanes: Int = 1, parsers: Int = ProcessInfo.processInfo.activeProcessorCount, maxInFlight: Int = 128,
        batchLines: Int = 32
    ) {
        self.engine = engine
        self.lanes = max(1, lanes)
        self.parsers = max(1, parsers)
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

    struct Work: Sendable {
        var sequence: Int
        var line: Int
        var input: Result<Parsed, InputError>
    }

    /// An input as its parsing task leaves it.
    enum Parsed: Sendable {
        case decoded(RecordedInput)
        /// An Alertmanager webhook, checked, for its lane to read.
        case webhook(JSONNode, lane: Int)
    }

    /// Processes every line; `onReport` is called once per line, in line order.
    public func run<Lines: Sequence>(_ lines: Lines, onReport: @escaping @Sendable (InputReport) -> Void) async
    where Lines.Element == Line {
        let output = ReorderBuffer(onReport)
        let permits = AsyncSemaphore(maxInFlight)
        let engine = self.engine
        let laneCount = lanes
        let batchLines = self.batchLines
        await withTaskGroup(of: Void.self) { laneGroup in
            var lanes: [AsyncStream<[Work]>.Continuation] = []
            for _ in 0..<laneCount {
                let (stream, continuation) = AsyncStream<[Work]>.makeStream()
                lanes.append(continuation)
                laneGroup.addTask {
                    for await share in stream {
                        for work in share { output.put(work.sequence, await Self.process(work, engine: engine)) }
                        await permits.release(share.count)
                    }
                }
            }
            // Lines are read on a thread of their own (reading blocks, and a live stream may
            // block for as long as it likes), in batches, at most `readAhead` batches ahead of
            // the dispatch to the lanes. Read batches, finished parses and the end of the lines
            // arrive here as events, in one stream, so that a slow read never holds back the
            // dispatch of what is already parsed.
            let readAhead = 2 * parsers
            let (events, eventSink) = AsyncStream<PipelineEvent>.makeStream()
            let room = DispatchSemaphore(value: readAhead)
            Self.startReading(lines, batchLines: batchLines, room: room, into: eventSink)
            await withDiscardingTaskGroup { parseGroup in
                // Batches are parsed `parsers` at a time, in reading order; parsed batches wait in
                // `ready` until every earlier one is parsed too, so they leave in order. Permits
                // bound what the lanes hold; a share is at most `maxInFlight` inputs, and taking
                // its permits can only wait for a lane, which always makes progress.
                var sequence = 0
                var batchesRead = 0
                var unparsed: [(number: Int, first: Int, lines: [Line])] = []
                var parsing = 0
                var ready: [Int: [Work]] = [:]
                var nextToDispatch = 0
                var readingDone = false
                for await event in events {
                    switch event {
                    case .read(let batch):
                        unparsed.append((batchesRead, sequence, batch))
                        batchesRead += 1
                        sequence += batch.count
                    case .endOfLines:
                        readingDone = true
                    case .parsed(let number, let works):
                        parsing -= 1
                        ready[number] = works
                        while let batch = ready.removeValue(forKey: nextToDispatch) {
                            nextToDispatch += 1
                            room.signal()
                            var shares = Array(repeating: [Work](), count: laneCount)
                            for work in batch {
                                switch work.input {
                                case .failure(let error):
                                    output.put(work.sequence, InputReport(index: work.line, kind: nil, error: error.message))
                                case .success(.decoded(let input)):
                                    shares[laneCount == 1 ? 0 : Self.lane(of: input, count: laneCount)].append(work)
                                case .success(.webhook(_, let lane)):
                                    shares[lane].append(work)
                                }
                            }
                            for (lane, share) in shares.enumerated() where !share.isEmpty {
                                await permits.acquire(share.count)
                                lanes[lane].yield(share)
                            }
                        }
                    }
                    while parsing < parsers, !unparsed.isEmpty {
                        let (number, first, batch) = unparsed.removeFirst()
                        parsing += 1
                        parseGroup.addTask {
                            let works = batch.enumerated().map { offset, line in
                                Work(
                                    sequence: first + offset, line: line.number,
                                    input: line.error.map { .failure($0) } ?? Self.parse(line.bytes, lanes: laneCount))
                            }
                            eventSink.yield(.parsed(number, works))
                        }
                    }
                    if readingDone && nextToDispatch == batchesRead { break }
                }
            }
            for lane in lanes { lane.finish() }
        }
    }

    enum PipelineEvent: Sendable {
        case read([Line])
        case endOfLines
        case parsed(Int, [Work])
    }

    /// The lines, handed to the reading thread, which alone iterates them. Type-erased so the
    /// thread's closure captures no generic metatype (which is not `Sendable`).
    private struct ReadOnlyByOneThread: @unchecked Sendable {
        let lines: AnyIterator<Line>
    }

    /// Reads `lines` on a new thread, in batches of `batchLines` (or fewer that hold a MiB), each
    /// after taking one unit of `room`; ends with `.endOfLines`.
    static func startReading<Lines: Sequence>(
        _ lines: Lines, batchLines: Int, room: DispatchSemaphore, into events: AsyncStream<PipelineEvent>.Continuation
    ) where Lines.Element == Line {
        let handed = ReadOnlyByOneThread(lines: AnyIterator(lines.makeIterator()))
        let reader = Thread {
            let iterator = handed.lines
            var exhausted = false
            while !exhausted {
                room.wait()
                var batch: [Line] = []
                batch.reserveCapacity(batchLines)
                var bytes = 0
                // A batch also ends once it holds a MiB, so that long lines are read ahead a few at a time.
                while batch.count < batchLines, bytes < 1 << 20 {
                    guard let line = iterator.next() else {
                        exhausted = true
                        break
                    }
                    bytes += line.bytes.count
                    batch.append(line)
                }
                // The room a batch takes is given back when it is dispatched; the end of the
                // lines takes none (libdispatch traps on a semaphore released below its start).
                if batch.isEmpty { room.signal() } else { events.yield(.read(batch)) }
            }
            events.yield(.endOfLines)
        }
        reader.name = "triggerfish input reader"
        reader.start()
    }

    /// Checks and decodes one line; with more than one lane, a webhook is left for its lane to read.
    static func parse(_ bytes: InputBytes, lanes: Int) -> Result<Parsed, InputError> {
        do throws(InputError) {
            let body = try InputDecoder.check(bytes)
            guard lanes > 1 else { return .success(.decoded(try InputDecoder.decode(reading: body))) }
            switch try InputDecoder.shape(of: body) {
            case .kubewatch:
                return .success(.decoded(.kubernetes(try InputDecoder.decodeKubewatch(shaped: body))))
            case .alertmanager:
                let lane = alertLane(
                    groupKey: body.member("groupKey")?.stringValue ?? "",
                    firstFingerprint: body.member("alerts")?.elements?.first?.member("fingerprint")?.stringValue,
                    count: lanes)
                return .success(.webhook(body, lane: lane))
            }
        } catch {
            return .failure(error)
        }
    }

    static func process(_ work: Work, engine: PlaybookEngine) async -> InputReport {
        let input: RecordedInput
        switch work.input {
        case .failure: return InputReport(index: work.line, kind: nil)
        case .success(.decoded(let decoded)): input = decoded
        case .success(.webhook(let body, _)):
            do throws(InputError) {
                input = .alerts(try InputDecoder.decodeAlertmanager(shaped: body))
            } catch {
                return InputReport(index: work.line, kind: nil, error: error.message)
            }
        }
        let kind: InputReport.Kind
        switch input {
        case .kubernetes: kind = .kubernetes
        case .alerts: kind = .alertmanager
        }
        return InputReport(index: work.line, kind: kind, events: await engine.handle(input))
    }

    /// The lane of an input: by object for a Kubernetes change, by alert group for a webhook, so
    /// what must stay in order shares a lane.
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
            return alertLane(groupKey: webhook.groupKey, firstFingerprint: webhook.alerts.first?.fingerprint, count: count)
        }
        return Int(hash.value % UInt64(count))
    }

    /// The lane of a webhook: by its group key, or, without one, by its first alert's fingerprint.
    /// The parsing tasks read the two from a webhook they leave unread, so both ways give one lane.
    static func alertLane(groupKey: String, firstFingerprint: @autoclosure () -> String?, count: Int) -> Int {
        var hash = FNV1a()
        hash.combine(groupKey.isEmpty ? (firstFingerprint() ?? "") : groupKey)
        return Int(hash.value % UInt64(count))
    }
}
