import Foundation
import Synchronization
import _TriggerfishFileIO

/// Standard output as the commands write it, with every write checked: output that does not
/// reach its destination (a full disk, a closed pipe) is an error, not a silent success. It is
/// buffered as the C library buffers `stdout`: by the line on a terminal, else in blocks.
/// ArgumentParser's help and version text do not come through here.
enum StandardOutput {
    struct State {
        var buffer: [UInt8] = []
        /// The `errno` of the first write that failed; what comes after it is dropped.
        var failure: Int32?
    }

    static let state = Mutex(State())
    static let blockSize = 64 << 10
    static let isTerminal = isatty(1) == 1

    /// Writes `text` and a newline, as `print` does.
    static func print(_ text: String) { write(text + "\n") }

    /// Writes `text` as it is.
    static func write(_ text: String) {
        state.withLock { state in
            guard state.failure == nil else { return }
            state.buffer.append(contentsOf: text.utf8)
            if isTerminal || state.buffer.count >= blockSize { flush(&state) }
        }
    }

    /// Writes out what is buffered, so what comes next from elsewhere (a sink writing to the same
    /// standard output) follows it.
    static func flush() { state.withLock { flush(&$0) } }

    static func flush(_ state: inout State) {
        var written = 0
        while written < state.buffer.count && state.failure == nil {
            let count = state.buffer.withUnsafeBytes { Foundation.write(1, $0.baseAddress! + written, $0.count - written) }
            if count >= 0 {
                written += count
            } else if errno != EINTR {
                state.failure = errno
            }
        }
        state.buffer.removeAll(keepingCapacity: true)
    }

    /// Writes out what is buffered; when anything written did not get through, returns the one
    /// line that says so (`error: cannot write to standard output: REASON`).
    static func finish() -> String? {
        state.withLock { state in
            flush(&state)
            return state.failure.map { "error: cannot write to standard output: \(FileReadError.reason(errno: $0))" }
        }
    }
}
