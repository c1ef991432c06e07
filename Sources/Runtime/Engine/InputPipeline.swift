import Foundation
import Synchronization
import _TriggerfishCore

/// Feeds a stream of recorded inputs (one JSON document per line) through a ``PlaybookEngine``:
/// lines are parsed in parallel, inputs about the same object are handled one after another in
/// input order, inputs about different objects may run concurrently (`lanes`), and reports come
/// out in input order. At most `maxInFlight` inputs are held at once, so memory stays bounded
/// however long the stream is.
public struct InputPipeline: Sendable {
    public let engine: PlaybookEngine
    /// How many inputs are handled at once. With 1, which is the default, rate limits, alert
    /// de-duplication and alert resolution see the inputs in exactly their order, so two runs
    /// over the same recording give the same reports.
    public var lanes: Int
    /// How many lines are parsed at once.
    public var parsers: Int
    public var maxInFlight: Int

    public init(engine: PlaybookEngine, lanes: Int = 1, parsers: Int = ProcessInfo.processInfo.activeProcessorCount, maxInFlight: Int = 64)
    {
        self.engine = engine
        self.lanes = max(1, lanes)
        self.parsers = max(1, parsers)
        self.maxInFlight = max(1, maxInFlight)
    }

    /// One numbered input line.
    public struct Line: Sendable {
        /// 0-based line number, reported as the input's `index`.
        public var number: Int
        public var bytes: [UInt8]
        /// Why the line could not be read (it is too long, say), reported instead of parsing `bytes`.
        public var error: InputError?

        public init(number: Int, bytes: [UInt8]) {
            self.number = number
            self.bytes = bytes
        }

        /// A line that could not be read.
        public init(number: Int, error: InputError) {
            self.number = number
            self.bytes = []
            self.error = error
        }
    }

    struct Work: Sendable {
        var sequence: Int
        var line: Int
        var input: Result<RecordedInput, InputError>
    }

    /// Processes every line; `onReport` is called once per line, in line order.
    public func run<Lines: Sequence>(_ lines: Lines, onReport: @escaping @Sendable (InputReport) -> Void) async
    where Lines.Element == Line {
        let output = ReorderBuffer(onReport)
        let permits = AsyncSemaphore(maxInFlight)
        let engine = self.engine
        let laneCount = lanes
        await withTaskGroup(of: Void.self) { laneGroup in
            var lanes: [AsyncStream<Work>.Continuation] = []
            for _ in 0..<laneCount {
                let (stream, continuation) = AsyncStream<Work>.makeStream()
                lanes.append(continuation)
                laneGroup.addTask {
                    for await work in stream {
                        output.put(work.sequence, await Self.process(work, engine: engine))
                        await permits.release()
                    }
                }
            }
            await withTaskGroup(of: Work.self) { parseGroup in
                // Lines are parsed `parsers` at a time. Parsed inputs wait in `ready` until every
                // earlier one is parsed too, so they leave in order; `ready` is bounded, and when it
                // is full the loop waits for the missing earlier parse, which is always running.
                // Permits bound what the lanes hold; taking one can only wait for a lane, which
                // always makes progress.
                let readyLimit = 4 * parsers
                var sequence = 0
                var parsing = 0
                var ready: [Int: Work] = [:]
                var nextToDispatch = 0
                var iterator = lines.makeIterator()
                var exhausted = false
                while true {
                    if !exhausted, parsing < parsers, ready.count < readyLimit {
                        if let line = iterator.next() {
                            let number = sequence
                            parseGroup.addTask {
                                Work(sequence: number, line: line.number, input: line.error.map { .failure($0) } ?? Self.decode(line.bytes))
                            }
                            sequence += 1
                            parsing += 1
                            continue
                        }
                        exhausted = true
                    }
                    guard let parsed = await parseGroup.next() else { break }
                    parsing -= 1
                    ready[parsed.sequence] = parsed
                    while let work = ready.removeValue(forKey: nextToDispatch) {
                        nextToDispatch += 1
                        switch work.input {
                        case .failure(let error):
                            output.put(work.sequence, InputReport(index: work.line, kind: nil, error: error.message))
                        case .success(let input):
                            await permits.acquire()
                            lanes[laneCount == 1 ? 0 : Self.lane(of: input, count: laneCount)].yield(work)
                        }
                    }
                }
            }
            for lane in lanes { lane.finish() }
        }
    }

    static func decode(_ bytes: [UInt8]) -> Result<RecordedInput, InputError> {
        do throws(InputError) {
            return .success(try InputDecoder.decode(bytes))
        } catch {
            return .failure(error)
        }
    }

    static func process(_ work: Work, engine: PlaybookEngine) async -> InputReport {
        guard case .success(let input) = work.input else { return InputReport(index: work.line, kind: nil) }
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
        let key: String
        switch input {
        case .kubernetes(let change):
            key = "\(change.kind)/\(change.object.namespace ?? "")/\(change.object.name ?? "")"
        case .alerts(let webhook):
            key = webhook.groupKey.isEmpty ? (webhook.alerts.first?.fingerprint ?? "") : webhook.groupKey
        }
        return Int(FNV1a.hash(key) % UInt64(count))
    }
}
