import Foundation
import _TriggerfishCore
import _TriggerfishFileIO

/// Reads a file (or standard input) as numbered lines, without loading it whole. Every physical
/// line has a number and comes back in one of three ways:
/// - its bytes, without the line break (LF or CRLF; the last line may have none);
/// - not at all, when it is blank (nothing but spaces and tabs), though it keeps its number;
/// - with an ``InputError`` instead of its bytes when it is longer than `maxLineLength` bytes
///   (its line break not counted): such a line is skipped as it streams by, so memory stays
///   within about `maxLineLength` however long it is.
///
/// A file that cannot be read to its end ends with a line that says so. The reader is its own
/// iterator: lines are read once.
public final class LineReader: Sequence, IteratorProtocol {
    /// The longest line read by default: 32 MiB.
    public static let defaultMaxLineLength = 32 << 20
    static let chunk = 1 << 20
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")

    public let maxLineLength: Int
    /// How the limit is changed, named in the message about a line over it (`--max-line-bytes`).
    public let limitName: String?
    let descriptor: Int32
    let closeWhenDone: Bool
    /// Bytes read and not yet returned are `bytes[start..<end]`.
    var bytes: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var start = 0
    var end = 0
    var number = -1
    var finished = false
    /// Why reading stopped before the end of the file, until it is reported.
    var readError: Int32?

    /// Opens a regular file; `-` reads standard input.
    public init(path: String, maxLineLength: Int = defaultMaxLineLength, limitName: String? = nil) throws(FileReadError) {
        if path == "-" {
            descriptor = 0
            closeWhenDone = false
        } else {
            descriptor = try FileReadError.openRegularFile(path)
            closeWhenDone = true
        }
        self.maxLineLength = Swift.max(1, maxLineLength)
        self.limitName = limitName
        capacity = 2 * Self.chunk
        bytes = .allocate(capacity: capacity)
    }

    deinit {
        bytes.deallocate()
        if closeWhenDone && !finished { close(descriptor) }
    }

    /// What a line over the limit is reported as.
    public static func tooLongMessage(length: Int, limit: Int, limitName: String? = nil) -> String {
        "the line is \(length) bytes long, more than the limit of \(limit) bytes\(limitName.map { " (\($0))" } ?? "")"
    }

    /// Reads up to one chunk after `end`, first moving what is after `start` to the front (and
    /// growing the buffer when it has no room for a chunk); false at the end of the file or on
    /// a read error.
    func fill() -> Bool {
        guard !finished else { return false }
        if start > 0 {
            memmove(bytes, bytes + start, end - start)
            end -= start
            start = 0
        }
        if capacity - end < Self.chunk {
            // Never more than a line at the limit, its CRLF and a chunk need.
            let grownCapacity = Swift.max(end + Self.chunk, Swift.min(2 * capacity, maxLineLength + 2 + Self.chunk))
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: grownCapacity)
            grown.initialize(from: bytes, count: end)
            bytes.deallocate()
            bytes = grown
            capacity = grownCapacity
        }
        var count = 0
        repeat {
            count = read(descriptor, bytes + end, Self.chunk)
        } while count < 0 && errno == EINTR
        if count > 0 {
            end += count
            return true
        }
        if count < 0 { readError = errno }
        if closeWhenDone { close(descriptor) }
        finished = true
        return false
    }

    /// The index of the first newline at or after `index`, before `end`.
    func firstNewline(from index: Int) -> Int? {
        guard index < end else { return nil }
        return memchr(bytes + index, Int32(Self.newline), end - index).map { $0.assumingMemoryBound(to: UInt8.self) - bytes }
    }

    public func next() -> InputPipeline.Line? {
        while true {
            // Bytes after `start` already searched for a newline.
            var scanned = 0
            var newline: Int?
            while true {
                newline = firstNewline(from: start + scanned)
                scanned = end - start
                // Past the limit however the line ends (a CR before its LF is not counted).
                if newline != nil || scanned > maxLineLength + 1 || !fill() { break }
            }
            let lineStart = start
            var length: Int
            var lastByte: UInt8?
            if let newline {
                length = newline - start
                lastByte = length > 0 ? bytes[newline - 1] : nil
                start = newline + 1
            } else if scanned > maxLineLength + 1 {
                length = skipRestOfLine(lastByte: &lastByte)
            } else if scanned > 0 {
                // The last line, with no line break.
                length = scanned
                lastByte = bytes[end - 1]
                start = end
            } else {
                guard let code = readError else { return nil }
                readError = nil
                number += 1
                return InputPipeline.Line(
                    number: number, error: InputError(message: "cannot read the rest of the file: \(FileReadError.reason(errno: code))"))
            }
            if lastByte == Self.carriageReturn { length -= 1 }
            number += 1
            if length > maxLineLength {
                return InputPipeline.Line(
                    number: number,
                    error: InputError(message: Self.tooLongMessage(length: length, limit: maxLineLength, limitName: limitName)))
            }
            var index = lineStart
            while index < lineStart + length && (bytes[index] == 0x20 || bytes[index] == 0x09) { index += 1 }
            if index == lineStart + length { continue }
            let line = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
                buffer.baseAddress!.initialize(from: bytes + lineStart, count: length)
                count = length
            }
            return InputPipeline.Line(number: number, bytes: line)
        }
    }

    /// Reads and drops the rest of a line known to be too long, all of `bytes[start..<end]` so
    /// far, up to and including its newline, leaving `start` after it. Returns the line's length
    /// up to its LF (a CR before it still counted) and sets `lastByte` to its last byte.
    func skipRestOfLine(lastByte: inout UInt8?) -> Int {
        var length = end - start
        lastByte = bytes[end - 1]
        start = end
        while fill() {
            if let found = firstNewline(from: 0) {
                length += found
                if found > 0 { lastByte = bytes[found - 1] }
                start = found + 1
                return length
            }
            length += end
            lastByte = bytes[end - 1]
            start = end
        }
        return length
    }
}
