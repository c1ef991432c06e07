/// The 64-bit FNV-1a hash: stable across runs and machines (unlike `Hasher`), for the input
/// pipeline's lanes and scheduled jobs' ids (findings' fingerprints are SHA-256, as Robusta's).
enum FNV1a {
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
