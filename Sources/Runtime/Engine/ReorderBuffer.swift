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

/// A counting semaphore for tasks.
actor AsyncSemaphore {
    var available: Int
    var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ count: Int) {
        available = count
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
