import Foundation
import Synchronization
import Testing

@testable import Triggerfish

@Suite struct PipelineTests {
    static func podUpdate(_ name: String, version: Int) -> String {
        let pod = #"{"kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "default", "resourceVersion": "\#(version)"}}"#
        return #"{"data": {"operation": "update", "kind": "Pod", "apiVersion": "v1", "obj": \#(pod), "oldObj": \#(pod)}}"#
    }

    /// The reports of `lines` (renumbered in order) through a pipeline of three parsers, 16 inputs in flight.
    static func reports(of lines: [InputPipeline.Line], engine: PlaybookEngine, lanes: Int) async -> [InputReport] {
        var lines = lines
        for index in lines.indices { lines[index].number = index }
        let reports = Mutex<[InputReport]>([])
        await InputPipeline(engine: engine, lanes: lanes, parsers: 3, maxInFlight: 16).run(lines) { report in
            reports.withLock { $0.append(report) }
        }
        return reports.withLock { $0 }
    }

    @Test(arguments: [1, 4])
    func eachObjectsInputsRunInOrderAndReportsComeOutInInputOrder(lanes: Int) async throws {
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
        let all = await Self.reports(of: lines, engine: engine, lanes: lanes)
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

    /// With several lanes a webhook is read by its lane, not by the parsing task: the lane the
    /// parsing task picks from the unread body is the one its decoded webhook has.
    @Test func anUnreadWebhookGoesToTheLaneItsDecodedWebhookHas() throws {
        let alert = #"{"status": "firing", "labels": {"alertname": "A"}, "fingerprint": "56eb57c5f9c1459f"}"#
        let bodies = [
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "{}:{alertname=\"A\"}", "version": "4", "alerts": [\#(alert)]}"#,
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "", "version": "4", "alerts": [\#(alert)]}"#,
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "", "version": "4", "alerts": [{"status": "firing", "fingerprint": null}]}"#,
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "", "version": "4", "alerts": null}"#,
            #"{"receiver": "r", "status": "firing", "externalURL": "", "groupKey": "g", "groupKey": "later", "version": "4"}"#,
        ]
        for body in bodies {
            let decoded = try InputDecoder.decode(Array(body.utf8))
            for lanes in [2, 3, 7] {
                guard case .success(.webhook(_, let lane)) = InputPipeline.parse(InputBytes(Array(body.utf8)), lanes: lanes) else {
                    Issue.record("not left for its lane: \(body)")
                    continue
                }
                #expect(lane == InputPipeline.lane(of: decoded, count: lanes), "\(body)")
            }
            guard case .success(.decoded(.alerts)) = InputPipeline.parse(InputBytes(Array(body.utf8)), lanes: 1) else {
                Issue.record("one lane: not decoded by the parsing task: \(body)")
                continue
            }
        }
    }

    /// Alerts of one group are handled in order, and a webhook its lane cannot read is reported
    /// in its place with the message decoding gives it.
    @Test(arguments: [1, 4])
    func eachGroupsWebhooksRunInOrderAndABrokenOneIsReported(lanes: Int) async throws {
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
        let all = await Self.reports(of: lines, engine: engine, lanes: lanes)
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

    /// Parsed inputs waiting for an earlier, slower parse must not hold the permits the lanes need:
    /// with one permit and two parsers, an earlier version deadlocked on the second line.
    @Test(.timeLimit(.minutes(1)), arguments: [1, 2, 5])
    func aSmallInFlightLimitDoesNotDeadlock(maxInFlight: Int) async throws {
        let engine = try EngineHarness.engine("- triggers: [{on_pod_update: {}}]\n  actions: [{record: {tag: t}}]\n")
        let lines = (0..<300).map { InputPipeline.Line(number: $0, bytes: Array(Self.podUpdate("pod-\($0 % 7)", version: $0).utf8)) }
        let count = Mutex(0)
        await InputPipeline(engine: engine, lanes: 2, parsers: 4, maxInFlight: maxInFlight).run(lines) { _ in
            count.withLock { $0 += 1 }
        }
        #expect(count.withLock { $0 } == 300)
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
