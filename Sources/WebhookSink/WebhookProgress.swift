import Synchronization
import Triggerfish

/// Counts findings handed to a webhook sink and what became of them, and lets `flush` wait.
final class WebhookProgress: Sendable {
    enum Outcome {
        case delivered, failed, dropped
    }

    struct State {
        var statistics = SinkStatistics()
        var handedOver = 0
        var finished = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    let state = Mutex(State())

    var statistics: SinkStatistics { state.withLock { $0.statistics } }

    func handedOver() {
        state.withLock { $0.handedOver += 1 }
    }

    func finished(_ outcome: Outcome) {
        let ready = state.withLock { state in
            switch outcome {
            case .delivered: state.statistics.delivered += 1
            case .failed: state.statistics.failed += 1
            case .dropped: state.statistics.dropped += 1
            }
            state.finished += 1
            let finished = state.finished
            let ready = state.waiters.filter { $0.target <= finished }.map(\.continuation)
            state.waiters.removeAll { $0.target <= finished }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once every finding handed over before the call has finished.
    func waitForHandedOver() async {
        let target = state.withLock { $0.handedOver }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.finished >= target { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}
