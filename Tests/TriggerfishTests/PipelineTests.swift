import Foundation
import Synchronization
import Testing

@testable import Triggerfish

@Suite struct PipelineTests {
    static func podUpdate(_ name: String, version: Int) -> String {
        let pod = #"{"kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "default", "resourceVersion": "\#(version)"}}"#
        return #"{"data": {"operation": "update", "kind": "Pod", "apiVersion": "v1", "obj": \#(pod), "oldObj": \#(pod)}}"#
    }

    /// The reports of `lines` (renumbered in order) through a pipeline of three working tasks,
    /// 16 inputs in flight in batches of 4, the lines read by the tasks or on a thread of their own.
    static func reports(of lines: [InputPipeline.Line], engine: PlaybookEngine, lanes: Int, linesMayWait: Bool) async -> [InputReport] {
        var lines = lines
        for index in lines.indices { lines[index].number = index }
        let reports = Mutex<[InputReport]>([])
        var pipeline = InputPipeline(engine: engine, lanes: lanes, workers: 3, maxInFlight: 16, batchLines: 4)
        pipeline.linesMayWait = linesMayWait
        await pipeline.run(lines) { report in
            reports.withLock { $0.append(report) }
        }
        return reports.withLock { $0 }
    }

    @Test(arguments: [1, 4], [false, true])
    func eachObjectsInputsRunInOrderAndReportsComeOutInInputOrder(lanes: Int, linesMayWait: Bool) async throws {
        let seen = Mutex<[String: [Int]]>([:])
        let recorder = ActionRegistration(RecordAction.self) { event, _, _ in
            guard let change = event as? any KubernetesAnyChangeEvent, let name = change.object.name,
                let version = change.object.json.value(atPath: "metadata.resourceVersion")?.stringValue.flatMap({ Int($0) })
            else { return }
            // Give other lanes a chance to overtake if ordering were broken.
            if version % 3 == 0 { await Task.yield() }
            seen.withLock { $0[name, default: []].append(version) }
        }
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", EngineHarness.actionDeclarations)])
        let config = try PlaybookConfig.load(
            text: "- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: t}}]\n", file: "test.yaml", schema: schema)
        let engine = try PlaybookEngine(config: config, actions: [recorder])
        var lines: [InputPipeline.Line] = []
        for version in 0..<40 {
            for pod in 0..<6 { lines.append(.init(number: lines.count, bytes: Array(Self.podUpdate("pod-\(pod)", version: version).utf8))) }
        }
        lines.insert(.init(number: 7, bytes: Array("{oops".utf8)), at: 7)
        let all = await Self.reports(of: lines, engine: engine, lanes: lanes, linesMayWait: linesMayWait)
        #expect(all.map(\.index) == Array(0..<lines.count))
        #expect(all[7].error == "invalid JSON at byte 1: expected a string key, found 'o'")
        #expect(all.filter { $0.error == nil }.allSatisfy { $0.events.first?.actions.map(\.action) == ["record"] })
        let versions = seen.withLock { $0 }
        #expect(versions.count == 6)
        for (pod, order) in versions { #expect(order == Array(0..<40), "pod \(pod) handled out of order") }
    }
}

extension PipelineTests {
    /// A Kubernetes change's lane is the FNV-1a hash of "kind/namespace/name", hashed piece by
    /// piece; a webhook's that of its group key, else of its first alert's fingerprint.
    @Test func anInputsLaneHashesItsObjectOrAlertGroup() throws {
        func change(_ name: String, namespace: String?) throws -> RecordedInput {
            let metadata = namespace.map { #"{"name": "\#(name)", "namespace": "\#($0)"}"# } ?? #"{"name": "\#(name)"}"#
            return try InputDecoder.decode(
                Array(#"{"data": {"operation": "update", "kind": "Pod", "obj": {"metadata": \#(metadata)}}}"#.utf8))
        }
        for count in [2, 3, 7, 64] {
            #expect(
                InputPipeline.lane(of: try change("web-1", namespace: "shop"), count: count)
                    == Int(FNV1a.hash("Pod/shop/web-1") % UInt64(count)))
            #expect(InputPipeline.lane(of: try change("db", namespace: nil), count: count) == Int(FNV1a.hash("Pod//db") % UInt64(count)))
        }
        let grouped = AlertmanagerWebhook(receiver: "r", status: "firing", groupKey: "{}:{alertname=\"A\"}")
        #expect(InputPipeline.lane(of: .alerts(grouped), count: 5) == Int(FNV1a.hash("{}:{alertname=\"A\"}") % 5))
        var ungrouped = AlertmanagerWebhook(receiver: "r", status: "firing")
        ungrouped.alerts = [PrometheusAlert(status: "firing", labels: [:], fingerprint: "56eb57c5f9c1459f")]
        #expect(InputPipeline.lane(of: .alerts(ungrouped), count: 5) == Int(FNV1a.hash("56eb57c5f9c1459f") % 5))
        #expect(FNV1a.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a") == 0xaf63_dc4c_8601_ec8c)
    }

    /// Alerts of one group are handled in order, and a webhook its lane cannot read is reported
    /// in its place with the message decoding gives it.
    @Test(arguments: [1, 4], [false, true])
    func eachGroupsWebhooksRunInOrderAndABrokenOneIsReported(lanes: Int, linesMayWait: Bool) async throws {
        let seen = Mutex<[String: [Int]]>([:])
        let recorder = ActionRegistration(RecordAction.self) { event, _, _ in
            guard let alert = (event as? any PrometheusKubernetesAlert)?.alert, let group = alert.labels["group"],
                let version = alert.labels["version"].flatMap({ Int($0) })
            else { return }
            if version % 3 == 0 { await Task.yield() }
            seen.withLock { $0[group, default: []].append(version) }
        }
        let engine = try EngineHarness.engine(
            "- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: t}}]\n", registrations: [recorder])
        func webhook(group: Int, version: Int) -> String {
            let alert =
                #"{"status": "firing", "labels": {"alertname": "A", "group": "g\#(group)", "version": "\#(version)"}, "fingerprint": "f\#(group)-\#(version)"}"#
            return
                #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g\#(group)", "version": "4", "alerts": [\#(alert)]}"#
        }
        var lines: [InputPipeline.Line] = []
        for version in 0..<30 {
            for group in 0..<5 { lines.append(.init(number: lines.count, bytes: Array(webhook(group: group, version: version).utf8))) }
        }
        let broken =
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g1", "version": "4", "alerts": [{"labels": {}}]}"#
        lines.insert(.init(number: 0, bytes: Array(broken.utf8)), at: 9)
        let all = await Self.reports(of: lines, engine: engine, lanes: lanes, linesMayWait: linesMayWait)
        #expect(all.map(\.index) == Array(0..<lines.count))
        #expect(all[9].error == "Alertmanager webhook: alerts[0].status: expected a string; found nothing (the field is missing)")
        #expect(all[9].kind == nil)
        #expect(all.filter { $0.error != nil }.count == 1)
        #expect(
            all.filter { $0.error == nil }.allSatisfy { $0.kind == .alertmanager && $0.events.first?.actions.map(\.action) == ["record"] })
        let versions = seen.withLock { $0 }
        #expect(versions.count == 5)
        for (group, order) in versions { #expect(order == Array(0..<30), "group \(group) handled out of order") }
    }

    /// A batch waiting for an earlier one must not hold what that one needs: with room for one
    /// batch and four working tasks, and with room for a few, every line is handled.
    @Test(.timeLimit(.minutes(1)), arguments: [1, 2, 5], [false, true])
    func aSmallInFlightLimitDoesNotDeadlock(maxInFlight: Int, linesMayWait: Bool) async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: t}}]\n")
        let lines = (0..<300).map { InputPipeline.Line(number: $0, bytes: Array(Self.podUpdate("pod-\($0 % 7)", version: $0).utf8)) }
        let count = Mutex(0)
        var pipeline = InputPipeline(engine: engine, lanes: 2, workers: 4, maxInFlight: maxInFlight)
        pipeline.linesMayWait = linesMayWait
        await pipeline.run(lines) { _ in
            count.withLock { $0 += 1 }
        }
        #expect(count.withLock { $0 } == 300)
    }

    /// Lines are taken from the source no further than `maxInFlight` ahead of the report being
    /// passed on, even while one lane is slow and the other runs ahead of it.
    @Test(arguments: [false, true])
    func atMostMaxInFlightLinesAreHeld(linesMayWait: Bool) async throws {
        final class Counted: Sequence, IteratorProtocol, @unchecked Sendable {
            let lines: [InputPipeline.Line]
            let taken = Mutex(0)
            init(_ lines: [InputPipeline.Line]) { self.lines = lines }
            func next() -> InputPipeline.Line? {
                taken.withLock { taken in
                    guard taken < lines.count else { return nil }
                    defer { taken += 1 }
                    return lines[taken]
                }
            }
        }
        let recorder = ActionRegistration(RecordAction.self) { event, _, _ in
            guard (event as? any KubernetesAnyChangeEvent)?.object.name == "slow-2" else { return }
            for _ in 0..<500 { await Task.yield() }
        }
        let engine = try EngineHarness.engine(
            "- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: t}}]\n", registrations: [recorder])
        // Of two lanes, "fast-2" takes lane 0 and "slow-2" lane 1: a batch with both handles the
        // fast one first and passes its lane on, so later batches can run ahead of the slow one.
        for (name, lane) in [("fast-2", 0), ("slow-2", 1)] {
            #expect(InputPipeline.lane(of: try InputDecoder.decode(Array(Self.podUpdate(name, version: 0).utf8)), count: 2) == lane)
        }
        let source = Counted(
            (0..<400).map {
                InputPipeline.Line(number: $0, bytes: Array(Self.podUpdate($0 % 100 == 1 ? "slow-2" : "fast-2", version: $0).utf8))
            })
        let ahead = Mutex((most: 0, reports: 0))
        var pipeline = InputPipeline(engine: engine, lanes: 2, workers: 3, maxInFlight: 12, batchLines: 3)
        pipeline.linesMayWait = linesMayWait
        await pipeline.run(source) { report in
            let taken = source.taken.withLock { $0 }
            ahead.withLock {
                $0.most = max($0.most, taken - report.index)
                $0.reports += 1
            }
        }
        let (most, reports) = ahead.withLock { $0 }
        #expect(reports == 400)
        #expect(most <= 12)
    }
}

@Suite struct LaneTurnsTests {
    /// Whether `turn(of:among:)` for `batch` is waiting, once it either waits or answers; and its answer.
    static func startTurn(_ turns: LaneTurns, batch: Int, among lanes: [Int]) async -> (waiting: Bool, answer: Task<Int, Never>) {
        let answered = Mutex(false)
        let answer = Task {
            let lane = await turns.turn(of: batch, among: lanes)
            answered.withLock { $0 = true }
            return lane
        }
        while !turns.isWaiting(batch) && !answered.withLock({ $0 }) { await Task.yield() }
        return (turns.isWaiting(batch), answer)
    }

    /// A batch's turn in a lane comes once every earlier batch has passed it; a batch with
    /// nothing for a lane passes it early, and the turn skips it when it comes; a batch waiting
    /// for several lanes gets the first that becomes free.
    @Test func turnsComeInBatchOrderAndSkipBatchesThatPassedEarly() async {
        let turns = LaneTurns(count: 3)
        #expect(await turns.turn(of: 0, among: [0, 1, 2]) == 0)
        // Batch 1 waits for lanes 1 and 2 while batch 0 holds them all.
        let (waiting, answer) = await Self.startTurn(turns, batch: 1, among: [1, 2])
        #expect(waiting)
        // Batch 2 has nothing for lane 2 and passes it early.
        turns.pass(batch: 2, lanes: [2])
        turns.pass(batch: 0, lanes: [2, 0])
        #expect(await answer.value == 2)
        // Lane 0 is batch 1's now, without waiting.
        #expect(await turns.turn(of: 1, among: [0, 1]) == 0)
        turns.pass(batch: 1, lanes: [2])
        // Lane 2's turn skipped batch 2, which passed it early: batch 3 has it at once.
        #expect(await turns.turn(of: 3, among: [2]) == 2)
        let (batch2Waiting, batch2) = await Self.startTurn(turns, batch: 2, among: [0, 1])
        #expect(batch2Waiting)
        turns.pass(batch: 0, lanes: [1])
        // Lane 1 is still batch 1's.
        #expect(turns.isWaiting(2))
        turns.pass(batch: 1, lanes: [1])
        #expect(await batch2.value == 1)
        #expect(!turns.isWaiting(2))
    }
}

@Suite struct LineReaderTests {
    /// How a regular file is read (mapped), how it is when the system will not map it (and what
    /// it gains after it is opened), and how a pipe is.
    enum Way: CaseIterable {
        case mappedFile, readFile, pipe
    }

    /// The lines of `text` read each way, as "NUMBER:TEXT" or "NUMBER:error: MESSAGE"; the ways
    /// must agree.
    func lines(_ text: String, maxLineLength: Int = 1 << 20) throws -> [String] {
        let ways = try Way.allCases.map { way in
            try Self.read(text, way, maxLineLength: maxLineLength).map {
                "\($0.number):" + ($0.error.map { "error: \($0.message)" } ?? String(decoding: $0.bytes, as: UTF8.self))
            }
        }
        #expect(ways[1] == ways[0], "read(2) from the file")
        #expect(ways[2] == ways[0], "read from a pipe")
        return ways[0]
    }

    static func read(_ text: String, _ way: Way, maxLineLength: Int = 1 << 20) throws -> [InputPipeline.Line] {
        switch way {
        case .mappedFile, .readFile:
            let url = FileManager.default.temporaryDirectory.appending(path: "lines-\(UUID().uuidString)")
            try Data(text.utf8).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let descriptor = open(url.path, O_RDONLY)
            #expect(descriptor >= 0)
            return Array(
                LineReader(
                    descriptor: descriptor, closeWhenDone: true, mapping: way == .mappedFile, maxLineLength: maxLineLength, limitName: nil))
        case .pipe:
            var ends: [Int32] = [0, 0]
            #expect(pipe(&ends) == 0)
            let (output, input) = (ends[0], ends[1])
            let bytes = Array(text.utf8)
            let writer = Thread {
                var written = 0
                while written < bytes.count {
                    let count = bytes.withUnsafeBytes { write(input, $0.baseAddress! + written, bytes.count - written) }
                    guard count > 0 else { break }
                    written += count
                }
                close(input)
            }
            writer.start()
            return Array(LineReader(descriptor: output, closeWhenDone: true, mapping: false, maxLineLength: maxLineLength, limitName: nil))
        }
    }

    /// A file is mapped at the size it had when opened; what is written to it afterwards is
    /// read, the line cut at that size whole.
    @Test func whatAFileGainsAfterItIsOpenedIsReadToo() throws {
        let url = FileManager.default.temporaryDirectory.appending(path: "growing-\(UUID().uuidString)")
        try Data("a\nb".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let reader = try LineReader(path: url.path, mapping: true)
        #expect(reader.mappedSize == 3)
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("c\r\n\nd\n".utf8))
        try handle.close()
        #expect(reader.map { "\($0.number):" + String(decoding: $0.bytes, as: UTF8.self) } == ["0:a", "1:bc", "3:d"])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        #expect(try lines("a\n\n  \nb\r\nc") == ["0:a", "3:b", "4:c"])
        #expect(try lines("\t\r\n\r\nd\r") == ["2:d"])
        #expect(try lines("") == [])
        #expect(try lines("\n\n") == [])
    }

    /// A line over the limit is reported with its length and the limit, never cut short and
    /// parsed, never taken for blank; its CR before the LF, like a line's LF, is not counted.
    @Test func aTooLongLineIsReportedAndSkipped() throws {
        let message = { (length: Int) in "error: the line is \(length) bytes long, more than the limit of 10 bytes" }
        #expect(
            try lines("short\n" + String(repeating: "x", count: 50) + "\nnext\n", maxLineLength: 10) == [
                "0:short", "1:\(message(50))", "2:next",
            ])
        #expect(try lines(String(repeating: " ", count: 11) + "{}\n{}", maxLineLength: 10) == ["0:\(message(13))", "1:{}"])
        #expect(
            try lines("0123456789\r\n0123456789\n01234567890\r\n", maxLineLength: 10) == [
                "0:0123456789", "1:0123456789", "2:\(message(11))",
            ])
        #expect(try lines("0123456789\r", maxLineLength: 10) == ["0:0123456789"])
        #expect(try lines("01234567890", maxLineLength: 10) == ["0:\(message(11))"])
    }

    /// A line longer than the limit and than several read chunks is skipped chunk by chunk and
    /// measured whole; the line after it is read as usual.
    @Test func aLineOverTheLimitAcrossChunksIsMeasuredWhole() throws {
        let long = String(repeating: "z", count: (3 << 20) + 5)
        #expect(
            try lines("a\n\(long)\r\nb\n\(long)", maxLineLength: 1 << 20) == [
                "0:a", "1:error: the line is 3145733 bytes long, more than the limit of 1048576 bytes", "2:b",
                "3:error: the line is 3145733 bytes long, more than the limit of 1048576 bytes",
            ])
        #expect(
            LineReader.tooLongMessage(length: 5, limit: 4, limitName: "--max-line-bytes")
                == "the line is 5 bytes long, more than the limit of 4 bytes (--max-line-bytes)")
    }

    @Test func linesSpanningReadChunksStayWhole() throws {
        let long = String(repeating: "y", count: 3 << 20)
        let read = try lines("a\n\(long)\nb\n", maxLineLength: 8 << 20)
        #expect(read.count == 3)
        #expect(read[1] == "1:" + long)
        #expect(read[2] == "2:b")
        // Exactly at the limit, and a chunk boundary inside a CRLF.
        let atLimit = String(repeating: "w", count: (1 << 20) - 1)
        #expect(try lines("\(atLimit)\r\nv", maxLineLength: (1 << 20) - 1) == ["0:" + atLimit, "1:v"])
    }

    /// Lines read together share memory: each line starts right after the line before it (and
    /// its line break). A block of lines read with read(2) holds up to `blockLimit` bytes of
    /// them; a mapped part of a file, a read chunk and the line it starts with. Every line reads
    /// back whole, whatever block, part or chunk it falls in.
    @Test(arguments: [Way.mappedFile, .readFile]) func linesShareTheMemoryTheyWereReadInto(way: Way) throws {
        var random = SplitMix64(seed: 11)
        var lines: [String] = []
        var text = ""
        while text.utf8.count < 3 << 20 {
            let letter = Character(UnicodeScalar(UInt8(97 + lines.count % 26)))
            let line = String(repeating: letter, count: Int.random(in: 1...40_000, using: &random))
            lines.append(line)
            text += line + (lines.count % 5 == 0 ? "\r\n" : "\n")
        }
        let read = try Self.read(text, way)
        #expect(read.map { String(decoding: $0.bytes, as: UTF8.self) } == lines)
        #expect(read.map(\.number) == Array(0..<lines.count))
        // The lines in each stretch of memory.
        var stretches: [[Int]] = []
        var expected: UnsafePointer<UInt8>?
        for (index, line) in read.enumerated() {
            line.bytes.withUnsafeBufferPointer { buffer in
                if buffer.baseAddress == expected { stretches[stretches.count - 1].append(index) } else { stretches.append([index]) }
                expected = buffer.baseAddress! + buffer.count + (index % 5 == 4 ? 2 : 1)
            }
        }
        let limit = way == .readFile ? LineReader.blockLimit : LineReader.chunk + 40_002 + LineReader.pageSize
        for (number, stretch) in stretches.enumerated() {
            let bytes = stretch.map { read[$0].bytes.count + ($0 % 5 == 4 ? 2 : 1) }.reduce(0, +)
            #expect(stretch.count == 1 || bytes <= limit, "stretch \(number): \(stretch.count) lines, \(bytes) bytes")
        }
        // A block or part ends at its limit, or where the lines read so far end.
        let full = (3 << 20) / limit
        #expect(stretches.count >= full && stretches.count <= 2 * full + 1, "\(stretches.count) stretches")
    }

    @Test func aMissingFileIsAnError() {
        #expect(throws: (any Error).self) { try LineReader(path: "/nonexistent/recording.jsonl") }
    }
}
