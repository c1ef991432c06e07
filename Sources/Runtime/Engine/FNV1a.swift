/// The 64-bit FNV-1a hash: stable across runs and machines (unlike `Hasher`), for the input
/// pipeline's lanes and scheduled jobs' ids (findings' fingerprints are SHA-256, as Robusta's).
/// Fed piece by piece, it hashes what the pieces joined would, without joining them.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    mutating func combine(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    mutating func combine(_ text: String) {
        for byte in text.utf8 { combine(byte) }
    }

    static func hash(_ text: String) -> UInt64 {
        var hash = FNV1a()
        hash.combine(text)
        return hash.value
    }
}
