import Foundation
import Synchronization
import _TriggerfishCore

/// Passes reports on in sequence order, holding back those that finish early.
final class ReorderBuffer: Sendable {
    struct State {
        var next = 0
        var waiting: [Int: InputReport] = [:]
    }

    let state = Mutex(State())
    let onReport: @Sendable (InputReport) -> Void

    init(_ onReport: @escaping @Sendable (InputReport) -> Void) {
        self.onReport = onReport
    }

    func put(_ sequence: Int, _ report: InputReport) {
        state.withLock { state in
            state.waiting[sequence] = report
            // Called under the lock so reports leave in order even when lanes finish together.
            while let ready = state.waiting.removeValue(forKey: state.next) {
                state.next += 1
                onReport(ready)
            }
        }
    }
}

/// A counting semaphore for tasks; permits are taken and given back several at a time, and
/// waiters are served in order.
actor AsyncSemaphore {
    var available: Int
    var waiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(_ count: Int) {
        available = count
    }

    /// Takes `count` permits (at most the semaphore's size), waiting until they are free.
    func acquire(_ count: Int = 1) async {
        if waiters.isEmpty && available >= count {
            available -= count
            return
        }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    func release(_ count: Int = 1) {
        available += count
        while let first = waiters.first, available >= first.count {
            available -= first.count
            waiters.removeFirst().continuation.resume()
        }
    }
}
