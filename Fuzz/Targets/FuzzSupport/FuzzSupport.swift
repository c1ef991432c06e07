import CLibFuzzer
import Foundation

// What every fuzz target shares: libFuzzer's driver, the input as text or lines, and a check that
// stops the run with a message libFuzzer prints next to the crashing input.

/// Runs libFuzzer with the process's arguments on `test`, the target's `LLVMFuzzerTestOneInput`:
/// a target's `main`. SwiftPM links an executable's `main` to the module's own (`--defsym`), which
/// replaces libFuzzer's; so the target's `main` starts libFuzzer's driver itself.
public func runLibFuzzer(_ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, test))
}

/// The fuzzer's bytes as UTF-8 text, invalid sequences replaced (as the decoders' callers see text).
public func text(_ data: UnsafePointer<UInt8>?, _ size: Int) -> String {
    String(decoding: bytes(data, size), as: UTF8.self)
}

/// The fuzzer's bytes (libFuzzer may pass a null pointer for the empty input).
public func bytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size == 0 ? nil : data, count: size)
}

/// Stops the run when `condition` is false: an invariant a target checks beyond "does not crash".
/// A `fatalError` rather than `precondition`, so that it holds in every build configuration.
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz invariant: \(message())") }
}

/// Splits an input into at most `count` lines (the last one keeps any further newlines), for
/// targets that read several fields from one input.
public func fields(_ text: String, count: Int) -> [String] {
    var parts = text.split(separator: "\n", maxSplits: count - 1, omittingEmptySubsequences: false).map(String.init)
    while parts.count < count { parts.append("") }
    return parts
}

/// At most `limit` Unicode scalars of `text`.
public func prefix(_ text: String, scalars limit: Int) -> String {
    var scalars = String.UnicodeScalarView()
    scalars.append(contentsOf: text.unicodeScalars.prefix(limit))
    return String(scalars)
}
