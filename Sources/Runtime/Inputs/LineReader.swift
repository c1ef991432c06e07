import Foundation
import Synchronization
import _TriggerfishCore
import _TriggerfishFileIO

/// Reads a file (or standard input) as numbered lines, without loading it whole. Blank lines are
/// skipped but still counted; a line longer than `maxLineLength` is returned cut short (so it
/// fails to parse and is reported) and the rest of it is skipped.
public struct LineReader: Sequence, IteratorProtocol {
    let descriptor: Int32
    let closeWhenDone: Bool
    var buffer: [UInt8] = []
    var start = 0
    var number = -1
    var finished = false
    public let maxLineLength: Int

    /// Opens a regular file; `-` reads standard input.
    public init(path: String, maxLineLength: Int = 32 << 20) throws(FileReadError) {
        if path == "-" {
            descriptor = 0
            closeWhenDone = false
        } else {
            descriptor = try FileReadError.openRegularFile(path)
            closeWhenDone = true
        }
        self.maxLineLength = maxLineLength
    }

    mutating func fill() -> Bool {
        guard !finished else { return false }
        if start > 0 {
            buffer.removeFirst(start)
            start = 0
        }
        let chunk = 1 << 20
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var readCount = 0
        repeat {
            readCount = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + oldCount, chunk) }
        } while readCount < 0 && errno == EINTR
        buffer.removeLast(chunk - Swift.max(0, readCount))
        if readCount <= 0 {
            if closeWhenDone { close(descriptor) }
            finished = true
            return false
        }
        return true
    }

    public mutating func next() -> InputPipeline.Line? {
        let newlineByte = UInt8(ascii: "\n")
        while true {
            // Bytes after `start` already searched for a newline.
            var scanned = 0
            var newline: Int?
            while newline == nil {
                if let found = buffer[(start + scanned)...].firstIndex(of: newlineByte) {
                    newline = found
                    break
                }
                scanned = buffer.count - start
                if scanned > maxLineLength || finished { break }
                _ = fill()
            }
            let end = newline ?? buffer.count
            if newline == nil && end == start { return nil }
            number += 1
            var line = Array(buffer[start..<Swift.min(end, start + maxLineLength)])
            if let newline {
                start = newline + 1
            } else if finished {
                start = buffer.count
            } else {
                // Too long: skip the rest of the line.
                start = buffer.count
                while fill() {
                    if let found = buffer[start...].firstIndex(of: newlineByte) {
                        start = found + 1
                        break
                    }
                    start = buffer.count
                }
            }
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            return InputPipeline.Line(number: number, bytes: line)
        }
    }
}
