import Foundation
import Synchronization
import _TriggerfishCore

/// Passes reports on in sequence order, holding back those that finish early. Reports arrive a
/// batch at a time (the reports of consecutive sequence numbers), so the lock is taken once a batch.
final class ReorderBuffer: Sendable {
    struct State {
        var next = 0
        /// Batches that finished early, by the sequence number of their first report.
        var waiting: [Int: [InputReport]] = [:]
    }

    let state = Mutex(State())
    let onReport: @Sendable (InputReport) -> Void
    /// Called once each batch's reports are passed on.
    let batchPassed: @Sendable () -> Void

    init(_ onReport: @escaping @Sendable (InputReport) -> Void, batchPassed: @escaping @Sendable () -> Void = {}) {
        self.onReport = onReport
        self.batchPassed = batchPassed
    }

    /// The reports of sequence numbers `first` to `first + reports.count - 1`.
    func put(_ first: Int, _ reports: [InputReport]) {
        state.withLock { state in
            state.waiting[first] = reports
            // Called under the lock so reports leave in order even when batches finish together.
            while let ready = state.waiting.removeValue(forKey: state.next) {
                state.next += ready.count
                for report in ready { onReport(report) }
                batchPassed()
            }
        }
    }
}
