#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of one input, shared rather than copied: part of an array (a block of lines
/// ``LineReader`` read, or a whole request body), or part of a file mapped into memory (what
/// ``LineReader`` gives when asked to map). What is read from them on demand keeps them alive:
/// the array, or the mapping, which is unmapped once nothing holds it.
///
/// `Array` cannot view memory it did not allocate, hence a type of our own. Reading a file through
/// `read(2)` copied every byte once more in the kernel: on two cores, that copy was about 7% of
/// the pipeline's samples, on the thread that reads the lines.
public struct InputBytes: RandomAccessCollection, Sendable {
    enum Storage: Sendable {
        case array([UInt8])
        case mapped(MappedRegion)
    }

    let storage: Storage
    /// Where the bytes start in the storage.
    let offset: Int
    public let count: Int

    /// All of `array`.
    public init(_ array: [UInt8]) {
        self.init(array, offset: 0, count: array.count)
    }

    init(_ array: [UInt8], offset: Int, count: Int) {
        storage = .array(array)
        self.offset = offset
        self.count = count
    }

    init(_ region: MappedRegion, offset: Int, count: Int) {
        storage = .mapped(region)
        self.offset = offset
        self.count = count
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "InputBytes index out of range")
        switch storage {
        case .array(let array): return array[offset &+ position]
        case .mapped(let region): return withExtendedLifetime(region) { region.base[offset &+ position] }
        }
    }

    /// Runs `body` with the bytes; the pointer is valid only inside `body`.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        switch storage {
        case .array(let array):
            return try array.withUnsafeBufferPointer { buffer in try body(UnsafeBufferPointer(rebasing: buffer[offset..<offset + count])) }
        case .mapped(let region):
            return try withExtendedLifetime(region) { try body(UnsafeBufferPointer(start: region.base + offset, count: count)) }
        }
    }

    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R? {
        try withUnsafeBufferPointer(body)
    }

    /// `range` of the bytes, copied into an array of its own (which does not keep these alive).
    func copied(_ range: Range<Int>) -> [UInt8] {
        withUnsafeBufferPointer { Array(UnsafeBufferPointer(rebasing: $0[range])) }
    }
}

/// Part of a file mapped read-only into memory, unmapped when the last value that holds it goes.
/// It is never written, so sharing it between threads is safe.
final class MappedRegion: @unchecked Sendable {
    let base: UnsafePointer<UInt8>
    let length: Int

    /// Maps `length` bytes of `descriptor` from `fileOffset` (a multiple of the page size);
    /// `nil`, with `errno` set, when the system refuses.
    init?(descriptor: Int32, fileOffset: Int, length: Int) {
        #if os(Linux)
            // Sets up the page tables now, on the reading thread, rather than on a fault at each
            // first touch by the threads that check the lines.
            let flags = MAP_PRIVATE | MAP_POPULATE
        #else
            let flags = MAP_PRIVATE
        #endif
        guard let address = mmap(nil, length, PROT_READ, flags, descriptor, off_t(fileOffset)), address != MAP_FAILED else {
            return nil
        }
        base = UnsafePointer(address.assumingMemoryBound(to: UInt8.self))
        self.length = length
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
    }
}
