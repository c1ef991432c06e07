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
///
/// Lines are not copied one by one. The reader copies the complete lines it has read (up to
/// `blockLimit` bytes of them) into one array, a block, and its lines are ``InputBytes`` of it.
/// With `mapping`, a regular file is instead mapped into memory a part at a time (about a MiB,
/// from the page of the first unread line), and its lines are ``InputBytes`` of the part, which
/// spares the kernel's copy of the file; what the file holds beyond the size it had when opened
/// is read as without. A block or a part stays while any of its lines (or a document read from
/// one) does.
///
/// A mapped file that is truncated while its lines are read, or whose disk fails, raises
/// `SIGBUS` at the read, which stops the process unless it handles the signal (`replay` says
/// what happened and exits 1). So mapping is for a program that owns its process, and is off by
/// default.
public final class LineReader: Sequence, IteratorProtocol {
    /// The longest line read by default: 32 MiB.
    public static let defaultMaxLineLength = 32 << 20
    static let chunk = 1 << 20
    /// The most bytes of lines copied into one block, unless a single line is longer.
    static let blockLimit = 256 << 10
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    public let maxLineLength: Int
    /// How the limit is changed, named in the message about a line over it (`--max-line-bytes`).
    public let limitName: String?
    let descriptor: Int32
    let closeWhenDone: Bool
    /// Bytes read and not yet returned are `bytes[start..<end]`; `bytes` is `buffer` or the
    /// mapped part of the file.
    var bytes: UnsafePointer<UInt8>
    var start = 0
    var end = 0
    /// Where `bytes[0]` is in the file.
    var consumed = 0
    /// What `read(2)` reads into.
    var buffer: UnsafeMutablePointer<UInt8>
    var capacity: Int
    /// The mapped part of the file, and how much of the file is mapped as it goes (its size when
    /// opened; 0 once the rest is read).
    var window: MappedRegion?
    var mappedSize = 0
    /// The block lines read into `buffer` are sliced from, and where it is in the file.
    var block: [UInt8] = []
    var blockStart = 0
    var blockEnd = 0
    var number = -1
    var finished = false
    /// Why reading stopped before the end of the file, until it is reported.
    var readError: Int32?

    /// Opens a regular file; `-` reads standard input. With `mapping`, a regular file is mapped
    /// into memory rather than read (see above: the process must expect `SIGBUS`).
    public convenience init(
        path: String, maxLineLength: Int = defaultMaxLineLength, limitName: String? = nil, mapping: Bool = false
    ) throws(FileReadError) {
        if path == "-" {
            self.init(descriptor: 0, closeWhenDone: false, mapping: false, maxLineLength: maxLineLength, limitName: limitName)
        } else {
            self.init(
                descriptor: try FileReadError.openRegularFile(path), closeWhenDone: true, mapping: mapping, maxLineLength: maxLineLength,
                limitName: limitName)
        }
    }

    /// Reads `descriptor`, mapping it when it is a regular file and `mapping` says so.
    init(descriptor: Int32, closeWhenDone: Bool, mapping: Bool, maxLineLength: Int, limitName: String?) {
        self.descriptor = descriptor
        self.closeWhenDone = closeWhenDone
        var status = stat()
        if mapping && fstat(descriptor, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG { mappedSize = Int(status.st_size) }
        self.maxLineLength = Swift.max(1, maxLineLength)
        self.limitName = limitName
        capacity = 2 * Self.chunk
        buffer = .allocate(capacity: capacity)
        bytes = UnsafePointer(buffer)
    }

    deinit {
        buffer.deallocate()
        if closeWhenDone && !finished { close(descriptor) }
    }

    /// What a line over the limit is reported as.
    public static func tooLongMessage(length: Int, limit: Int, limitName: String? = nil) -> String {
        "the line is \(length) bytes long, more than the limit of \(limit) bytes\(limitName.map { " (\($0))" } ?? "")"
    }

    /// Makes up to one chunk more available after `end`, keeping `bytes[start..<end]` (which may
    /// move): by mapping the file from the page of `start`, or by reading (first moving what is
    /// after `start` to the front of `buffer`, growing it when it has no room for a chunk).
    /// False at the end of the file or on a read error.
    func fill() -> Bool {
        guard !finished else { return false }
        let unread = consumed + start
        let readTo = consumed + end
        if readTo < mappedSize {
            let pageStart = unread - unread % Self.pageSize
            let mapTo = Swift.min(mappedSize, readTo + Self.chunk)
            if let region = MappedRegion(descriptor: descriptor, fileOffset: pageStart, length: mapTo - pageStart) {
                window = region
                bytes = region.base
                consumed = pageStart
                start = unread - pageStart
                end = mapTo - pageStart
                return true
            }
            // The system would not map it: the rest is read.
        }
        if mappedSize > 0 {
            mappedSize = 0
            if lseek(descriptor, off_t(readTo), SEEK_SET) < 0 {
                readError = errno
                return finish()
            }
        }
        if bytes != UnsafePointer(buffer) {
            // What is unread in the mapped part moves to `buffer`.
            let count = end - start
            if capacity < count + Self.chunk { grow(to: count + Self.chunk, keeping: 0) }
            buffer.update(from: bytes + start, count: count)
            window = nil
            bytes = UnsafePointer(buffer)
            consumed += start
            end = count
            start = 0
        } else if start > 0 {
            memmove(buffer, bytes + start, end - start)
            end -= start
            consumed += start
            start = 0
        }
        if capacity - end < Self.chunk {
            // Never more than a line at the limit, its CRLF and a chunk need.
            grow(to: Swift.max(end + Self.chunk, Swift.min(2 * capacity, maxLineLength + 2 + Self.chunk)), keeping: end)
        }
        var count = 0
        repeat {
            count = read(descriptor, buffer + end, Self.chunk)
        } while count < 0 && errno == EINTR
        if count > 0 {
            end += count
            return true
        }
        if count < 0 { readError = errno }
        return finish()
    }

    /// Replaces `buffer` by one of `newCapacity` bytes holding its first `count`.
    func grow(to newCapacity: Int, keeping count: Int) {
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.initialize(from: buffer, count: count)
        let wasCurrent = bytes == UnsafePointer(buffer)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
        if wasCurrent { bytes = UnsafePointer(buffer) }
    }

    /// Ends reading: false, for `fill`.
    func finish() -> Bool {
        if closeWhenDone { close(descriptor) }
        finished = true
        return false
    }

    /// The index of the first newline at or after `index`, before `end`.
    func firstNewline(from index: Int) -> Int? {
        guard index < end else { return nil }
        return memchr(bytes + index, Int32(Self.newline), end - index).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes }
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
            if let window { return InputPipeline.Line(number: number, bytes: InputBytes(window, offset: lineStart, count: length)) }
            let lineInFile = consumed + lineStart
            if lineInFile < blockStart || lineInFile + length > blockEnd { copyBlock(from: lineStart, lineLength: length) }
            return InputPipeline.Line(number: number, bytes: InputBytes(block, offset: lineInFile - blockStart, count: length))
        }
    }

    /// Makes the block of the line at `lineStart` (`lineLength` bytes, its line break not
    /// counted): it and the complete lines after it, up to `blockLimit` bytes.
    func copyBlock(from lineStart: Int, lineLength: Int) {
        let lineEnd = lineStart + lineLength
        var copyEnd = Swift.min(end, Swift.max(lineEnd, lineStart + Self.blockLimit))
        // Back to the end of the last line break: lines are copied whole.
        while copyEnd > lineEnd && bytes[copyEnd - 1] != Self.newline { copyEnd -= 1 }
        block = Array(UnsafeBufferPointer(start: bytes + lineStart, count: copyEnd - lineStart))
        blockStart = consumed + lineStart
        blockEnd = consumed + copyEnd
    }

    /// Reads and drops the rest of a line known to be too long, all of `bytes[start..<end]` so
    /// far, up to and including its newline, leaving `start` after it. Returns the line's length
    /// up to its LF (a CR before it still counted) and sets `lastByte` to its last byte.
    func skipRestOfLine(lastByte: inout UInt8?) -> Int {
        var length = end - start
        lastByte = bytes[end - 1]
        start = end
        while fill() {
            if let found = firstNewline(from: start) {
                length += found - start
                if found > start { lastByte = bytes[found - 1] }
                start = found + 1
                return length
            }
            length += end - start
            lastByte = bytes[end - 1]
            start = end
        }
        return length
    }
}
