import Synchronization
import Testing

@testable import Triggerfish

/// ``InputQueue``'s waiting admission, which a watch uses instead of being refused.
@Suite struct InputQueueTests {
    /// Handles inputs only when the test lets one through (``pass()``).
    final class Gate: Sendable {
        let handled = Mutex([Int]())
        struct Permits {
            var count = 0
            var waiting: [CheckedContinuation<Void, Never>] = []
        }
        let permits = Mutex(Permits())

        func pass() {
            let waiter = permits.withLock { permits -> CheckedContinuation<Void, Never>? in
                if permits.waiting.isEmpty {
                    permits.count += 1
                    return nil
                }
                return permits.waiting.removeFirst()
            }
            waiter?.resume()
        }

        func handle(_ input: Int) async {
            await withCheckedContinuation { continuation in
                let now = permits.withLock { permits -> Bool in
                    if permits.count > 0 {
                        permits.count -= 1
                        return true
                    }
                    permits.waiting.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
            handled.withLock { $0.append(input) }
        }
    }

    @Test func submitWaitsForRoomAndKeepsTheOrder() async throws {
        let gate = Gate()
        let queue = InputQueue<Int>(capacity: 1, lanes: 1, lane: { _, _ in 0 }, handle: { await gate.handle($0) })
        let running = Task { await queue.run() }
        #expect(queue.offer(1) == .accepted)
        #expect(queue.offer(2) == .full)
        let second = Task { await queue.submit(2) }
        // The second waits until the first is handled.
        while queue.state.withLock({ $0.waiting.isEmpty }) { await Task.yield() }
        gate.pass()
        #expect(await second.value == .accepted)
        gate.pass()
        queue.close()
        await running.value
        #expect(gate.handled.withLock { $0 } == [1, 2])
    }

    @Test func closingOrCancellingEndsTheWaitWithoutTakingTheInput() async throws {
        let gate = Gate()
        let queue = InputQueue<Int>(capacity: 1, lanes: 1, lane: { _, _ in 0 }, handle: { await gate.handle($0) })
        let running = Task { await queue.run() }
        #expect(queue.offer(1) == .accepted)
        let cancelled = Task { await queue.submit(2) }
        while queue.state.withLock({ $0.waiting.count }) < 1 { await Task.yield() }
        cancelled.cancel()
        #expect(await cancelled.value == .closed)
        let closed = Task { await queue.submit(3) }
        while queue.state.withLock({ $0.waiting.count }) < 1 { await Task.yield() }
        queue.close()
        #expect(await closed.value == .closed)
        gate.pass()
        await running.value
        #expect(gate.handled.withLock { $0 } == [1])
        #expect(await queue.submit(4) == .closed)
    }
}
