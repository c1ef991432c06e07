import Foundation
import Logging
import Synchronization
import Testing
import TriggerfishTesting
import TriggerfishWebhookSink

@testable import Triggerfish

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Deliveries a test finishes by hand: each waits until the test ends it (or it is cancelled, and
/// then it was not delivered).
final class HeldDeliveries: Sendable {
    struct State {
        var started: [String] = []
        var held: [String: CheckedContinuation<SinkQueue<String>.Outcome, Never>] = [:]
        var ended: Set<String> = []
    }

    let state = Mutex(State())

    func deliver(_ item: String) async -> SinkQueue<String>.Outcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ended = state.withLock { state in
                    state.started.append(item)
                    if state.ended.contains(item) { return true }
                    state.held[item] = continuation
                    return false
                }
                if ended { continuation.resume(returning: .notDelivered) }
            }
        } onCancel: {
            end(item, .notDelivered)
        }
    }

    func end(_ item: String, _ outcome: SinkQueue<String>.Outcome) {
        let held = state.withLock { state in
            state.ended.insert(item)
            return state.held.removeValue(forKey: item)
        }
        held?.resume(returning: outcome)
    }

    var started: [String] { state.withLock { $0.started } }

    /// Waits until `count` deliveries have started; the test's time limit ends a wait that never ends.
    func waitForStarted(_ count: Int) async {
        while started.count < count && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SinkQueueTests {
    /// Event processing only queues: a full queue refuses at once, and the refusals are counted.
    @Test func deliversInOrderOneAtATimeAndCountsEveryItem() async {
        let queue = SinkQueue<String>(capacity: 2)
        let held = HeldDeliveries()
        let server = Task { await queue.serve(concurrency: 1) { await held.deliver($0) } }
        #expect(queue.enqueue("a") == nil)
        await held.waitForStarted(1)
        #expect(["b", "c", "d"].map { queue.enqueue($0) } == [nil, nil, .full])
        #expect(queue.waiting == 2)
        held.end("a", .delivered)
        await held.waitForStarted(2)
        held.end("b", .failed)
        await held.waitForStarted(3)
        queue.close()
        #expect(queue.enqueue("e") == .closed)
        held.end("c", .delivered)
        await server.value
        await queue.flush()
        #expect(held.started == ["a", "b", "c"])
        #expect(queue.statistics == SinkStatistics(delivered: 2, failed: 1, dropped: 2))
    }

    @Test func runsAtMostConcurrencyDeliveriesAtOnceStartingInOrder() async {
        let queue = SinkQueue<String>(capacity: 10)
        let held = HeldDeliveries()
        let server = Task { await queue.serve(concurrency: 3) { await held.deliver($0) } }
        for item in ["a", "b", "c", "d", "e"] { #expect(queue.enqueue(item) == nil) }
        await held.waitForStarted(3)
        #expect(held.started.sorted() == ["a", "b", "c"])
        #expect(queue.waiting == 2)
        held.end("b", .delivered)
        await held.waitForStarted(4)
        #expect(held.started.last == "d")
        #expect(queue.waiting == 1)
        queue.close()
        for item in ["a", "c", "d"] { held.end(item, .delivered) }
        await held.waitForStarted(5)
        held.end("e", .delivered)
        await server.value
        #expect(queue.statistics == SinkStatistics(delivered: 5))
    }

    /// Cancelling the server gives up: what is being delivered and what waits count as not delivered.
    @Test func cancellingTheServerCountsWhatIsLeftAsNotDelivered() async {
        let queue = SinkQueue<String>(capacity: 10)
        let held = HeldDeliveries()
        let server = Task { await queue.serve(concurrency: 2) { await held.deliver($0) } }
        for item in ["a", "b", "c", "d", "e"] { _ = queue.enqueue(item) }
        await held.waitForStarted(2)
        held.end(held.started[0], .delivered)
        await held.waitForStarted(3)
        server.cancel()
        await server.value
        await queue.flush()
        #expect(queue.statistics == SinkStatistics(delivered: 1, notDelivered: 4))
        #expect(queue.enqueue("late") == .closed)
        #expect(queue.statistics == SinkStatistics(delivered: 1, dropped: 1, notDelivered: 4))
    }

    @Test func recordedItemsCountWithoutTheQueue() async {
        let queue = SinkQueue<String>(capacity: 1)
        queue.record(.delivered)
        queue.record(.failed)
        await queue.flush()
        #expect(queue.statistics == SinkStatistics(delivered: 1, failed: 1))
    }

    /// Any number a program passes becomes a wait no arithmetic overflows on.
    @Test func waitsAreCutToTheLongestWait() {
        let year = Duration.seconds(365 * 86_400)
        #expect(SinkShutdown.longestWait == year)
        #expect(
            [Int.max, Int.min, 0, 3600].map(SinkShutdown.wait(seconds:)) == [year, .zero, .zero, .seconds(3600)])
        #expect(
            [Double.infinity, -.infinity, .nan, 1e300, -1, 0.5].map(SinkShutdown.wait(seconds:)) == [
                year, .zero, .zero, year, .zero, .milliseconds(500),
            ])
        #expect([Duration.seconds(Int64.max), .seconds(-1), .seconds(2)].map(SinkShutdown.wait(_:)) == [year, .zero, .seconds(2)])
        #expect(
            [Duration.seconds(20), .milliseconds(50), .milliseconds(1500), .zero, .seconds(Int64.max)].map(SinkShutdown.describe) == [
                "20 s", "0.05 s", "1.5 s", "0 s", "31536000 s",
            ])
    }

    /// The deadline cancels the shutdowns still running; sinks that finish in time are left alone.
    @Test func shutdownWithADeadlineGivesUpOnlyOnWhatIsLeft() async {
        let clock = ManualClock()
        let quick = CapturingSink(name: "quick")
        let stuck = StuckSink(name: "stuck")
        let shutdown = Task { await SinkShutdown.shutDown([quick, stuck], deadline: .seconds(20), clock: clock) }
        await clock.advanceWhenSleeping(.seconds(20))
        #expect(await shutdown.value == false)
        #expect(stuck.statistics == SinkStatistics(notDelivered: 1))
        #expect(await SinkShutdown.shutDown([quick], deadline: .seconds(20), clock: clock) == true)
    }
}

/// A sink whose shutdown never ends unless cancelled.
final class StuckSink: FindingSink {
    let name: String
    let counters = Mutex(SinkStatistics())

    init(name: String) { self.name = name }

    func deliver(_ finding: Finding) async {}
    func flush() async {}
    var statistics: SinkStatistics { counters.withLock { $0 } }

    func shutdown() async {
        try? await Task.sleep(for: .seconds(3600))
        counters.withLock { $0.notDelivered += 1 }
    }
}

@Suite(.timeLimit(.minutes(1))) struct FileSinkBlockingTests {
    let logs = LogCapture()

    func fifo() throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("findings.fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        return (directory, path)
    }

    /// A finding bigger than a pipe holds (64 KiB on Linux).
    func big(_ title: String) -> Finding {
        Finding(title: title, description: String(repeating: "x", count: 1 << 20), aggregationKey: "k", fingerprint: title)
    }

    /// Opening a FIFO nobody reads would block; the sink opens it without blocking and fails the
    /// finding at once, saying why.
    @Test func aFIFOWithoutAReaderFailsAtOnce() async throws {
        let (directory, path) = try fifo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let sink = FileSink(name: "audit", path: path, console: ConsoleCapture().output, logger: logs.logger)
        await sink.deliver(Finding(title: "t", aggregationKey: "k", fingerprint: "f"))
        await sink.flush()
        #expect(sink.statistics == SinkStatistics(failed: 1))
        #expect(logs.messages == ["file_sink 'audit': could not write finding 't' to \(path): it is a named pipe (FIFO) with no reader"])
        await sink.shutdown()
    }

    /// A reader that stops reading: the line waits `writeTimeout` on the sink's clock, then fails;
    /// meanwhile `deliver` only queues, and drops what does not fit.
    @Test func aReaderThatDoesNotReadFailsTheLineAfterTheWriteTimeout() async throws {
        let (directory, path) = try fifo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        #expect(reader >= 0)
        defer { close(reader) }
        let clock = ManualClock()
        let sink = FileSink(
            name: "audit", path: path, console: ConsoleCapture().output, logger: logs.logger, queueCapacity: 1,
            writeTimeout: .milliseconds(20), clock: clock)
        await sink.deliver(big("first"))
        await clock.waitForSleep(.milliseconds(10))
        await sink.deliver(big("second"))
        await sink.deliver(big("third"))
        #expect(sink.statistics == SinkStatistics(dropped: 1), "the first waits for the reader, the second for the first")
        await clock.advanceWhenSleeping(.milliseconds(10))
        await clock.advanceWhenSleeping(.milliseconds(10))
        // The pipe is still full: the second line waits its own timeout.
        await clock.advanceWhenSleeping(.milliseconds(10))
        await clock.advanceWhenSleeping(.milliseconds(10))
        await sink.flush()
        #expect(sink.statistics == SinkStatistics(failed: 2, dropped: 1))
        #expect(
            logs.messages == [
                "file_sink 'audit': dropped finding 'third' (fingerprint third) for \(path): the queue is full (1 findings waiting)",
                "file_sink 'audit': could not write finding 'first' to \(path): the pipe is full and its reader did not read for 0.02 s",
                "file_sink 'audit': could not write finding 'second' to \(path): the pipe is full and its reader did not read for 0.02 s",
            ])
        await sink.shutdown()
    }

    /// Shutdown gets a deadline: what is being written and what waits are then not delivered.
    @Test func shutdownGivesUpAtItsDeadline() async throws {
        let (directory, path) = try fifo()
        defer { try? FileManager.default.removeItem(at: directory) }
        let reader = open(path, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        let clock = ManualClock()
        let sink = FileSink(name: "audit", path: path, console: ConsoleCapture().output, logger: logs.logger, clock: clock)
        for title in ["a", "b", "c"] { await sink.deliver(big(title)) }
        await clock.waitForSleep(.milliseconds(10))
        let deadline = ManualClock()
        let shutdown = Task { await sink.shutdown(deadline: .seconds(20), clock: deadline) }
        await deadline.advanceWhenSleeping(.seconds(20))
        #expect(await shutdown.value == false)
        #expect(sink.statistics == SinkStatistics(notDelivered: 3))
        await sink.deliver(big("late"))
        #expect(sink.statistics == SinkStatistics(dropped: 1, notDelivered: 3))
        #expect(
            logs.messages == ["file_sink 'audit': dropped finding 'late' (fingerprint late) for \(path): the sink has shut down"])
    }
}

@Suite(.timeLimit(.minutes(1))) struct WebhookSinkDeadlineTests {
    let logs = LogCapture()

    func finding(_ title: String) -> Finding { Finding(title: title, aggregationKey: "k", fingerprint: title) }

    /// Up to `concurrency` requests are at the receiver at once; the next starts when one ends.
    @Test func sendsUpToConcurrencyFindingsAtOnce() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.hang, .hang, .hang], otherwise: .status(200))
            let clock = ManualClock()
            let sink = WebhookSink(
                name: "hook", options: .init(url: receiver.url, timeout: 5, retries: 0, concurrency: 3), logger: logs.logger, clock: clock)
            for index in 0..<5 { await sink.deliver(finding("f\(index)")) }
            await receiver.waitForRequests(3)
            #expect(receiver.requests.count == 3)
            #expect(sink.statistics == SinkStatistics())
            // The three hanging requests time out together; then the last two are sent and answered.
            await clock.waitForSleep(.seconds(5))
            while clock.pendingSleeps.count < 3 { try await Task.sleep(for: .milliseconds(5)) }
            clock.advance(by: .seconds(5))
            await sink.flush()
            #expect(receiver.requests.count == 5)
            #expect(sink.statistics == SinkStatistics(delivered: 2, failed: 3))
            let titles: [String] = receiver.requests.map { request in String(request.text.prefix { $0 != "\n" }) }
            #expect(Set(titles.prefix(3)) == ["[INFO] f0", "[INFO] f1", "[INFO] f2"])
            await sink.shutdown()
        }
    }

    /// A receiver that never answers: shutdown gives up at its deadline, counting the requests
    /// under way and the findings still queued as not delivered.
    @Test func shutdownGivesUpOnAReceiverThatNeverAnswers() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([], otherwise: .hang)
            let sink = WebhookSink(
                name: "hook", options: .init(url: receiver.url, timeout: 3600, retries: 100, concurrency: 2), logger: logs.logger,
                clock: ManualClock())
            for index in 0..<10 { await sink.deliver(finding("f\(index)")) }
            await receiver.waitForRequests(2)
            let deadline = ManualClock()
            let shutdown = Task { await sink.shutdown(deadline: .seconds(20), clock: deadline) }
            await deadline.advanceWhenSleeping(.seconds(20))
            #expect(await shutdown.value == false)
            #expect(sink.statistics == SinkStatistics(notDelivered: 10))
            #expect(receiver.requests.count == 2)
            #expect(logs.messages == [])
        }
    }

    /// Values no config can give (validation bounds them) but a program can: nothing traps, a
    /// retry count of Int.max retries, and waits are cut to a year.
    @Test func extremeOptionsDoNotTrap() async throws {
        try await HTTPReceiver.withReceiver { receiver in
            receiver.answer([.status(500), .hang, .status(200)])
            let clock = ManualClock()
            let options = WebhookSink.Options(
                url: receiver.url, sizeLimit: Int.max, timeout: Int.max, retries: Int.max, queueCapacity: Int.max,
                concurrency: Int.max, initialBackoff: .infinity, maxBackoff: 1e6)
            let sink = WebhookSink(name: "hook", options: options, logger: logs.logger, clock: clock)
            await sink.deliver(sampleFinding())
            await receiver.waitForRequests(1)
            await clock.advanceWhenSleeping(.seconds(1e6))
            await receiver.waitForRequests(2)
            await clock.advanceWhenSleeping(SinkShutdown.longestWait)
            await clock.advanceWhenSleeping(.seconds(1e6))
            await sink.flush()
            #expect(clock.completedSleeps == [.seconds(1e6), SinkShutdown.longestWait, .seconds(1e6)])
            #expect(sink.statistics == SinkStatistics(delivered: 1))
            #expect(receiver.requests.map(\.text) == Array(repeating: FindingText.render(sampleFinding()), count: 3))
            await sink.shutdown()

            var negative = WebhookSink.Options(url: receiver.url, sizeLimit: Int.min, retries: Int.min, initialBackoff: .nan)
            negative.timeout = Int.min
            negative.queueCapacity = Int.min
            negative.concurrency = Int.min
            negative.maxBackoff = -.infinity
            receiver.answer([], otherwise: .hang)
            let other = WebhookSink(name: "hook", options: negative, logger: logs.logger, clock: clock)
            await other.deliver(Finding(title: "t", aggregationKey: "k", fingerprint: "f"))
            await other.flush()
            #expect(other.statistics == SinkStatistics(failed: 1), "no retries, and a timeout of zero")
            #expect(
                logs.messages.last
                    == "webhook_sink 'hook': gave up on finding 't' (fingerprint f) for \(receiver.url) after 1 attempt: timed out")
            await other.shutdown()
        }
    }
}
