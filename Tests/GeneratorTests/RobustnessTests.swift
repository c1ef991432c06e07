import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore

/// Nothing crashes on any input: mutations of real configs and random bytes go through the
/// validator, which must answer with diagnostics (a trap would end the test run).
@Suite struct RobustnessTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A small deterministic generator, so a failure reproduces.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func validator() throws -> ConfigValidator {
        let schema = try #require(try TextFiles.loadSchema(directory: Self.root.appendingPathComponent("schema").path).schema)
        return ConfigValidator(schema: schema)
    }

    @Test func mutatedConfigsNeverCrash() throws {
        let validator = try validator()
        let seed = try String(contentsOfFile: Self.root.appendingPathComponent("config/default.yaml").path, encoding: .utf8)
        let pieces = [
            "&a ", "*a", "<<: *a", "{", "}", "[", "]", ": ", "- ", "\n", "  ", "'", "\"", "#", "!!str ", "!!int ", "~", "null", "1e9",
            "0x1F", "on_pod_update", "scope:", "include:", "- name: '('", "\t", "\u{FEFF}", "\u{0}", "é", "? ", "|\n", ">-\n",
        ]
        var random = SplitMix(state: 20_261_126)
        var scalars = Array(seed.unicodeScalars)
        var withErrors = 0
        for _ in 0..<400 {
            var mutated = scalars
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0...mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated.insert(contentsOf: pieces.randomElement(using: &random)!.unicodeScalars, at: position)
                case 1: if position < mutated.count { mutated.remove(at: position) }
                default:
                    let end = min(mutated.count, position + Int.random(in: 1...40, using: &random))
                    mutated.removeSubrange(position..<end)
                }
            }
            var text = String.UnicodeScalarView()
            text.append(contentsOf: mutated)
            let result = validator.validate(text: String(text), file: "mutated.yaml")
            if result.hasErrors { withErrors += 1 }
            if Int.random(in: 0..<50, using: &random) == 0 { scalars = mutated }
        }
        // Most mutations break something; all of them were answered.
        #expect(withErrors > 100)
    }

    @Test func randomBytesNeverCrash() throws {
        let validator = try validator()
        var random = SplitMix(state: 42)
        for length in [0, 1, 2, 7, 64, 500, 4096] {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
                _ = validator.validate(text: String(decoding: bytes, as: UTF8.self), file: "random.yaml")
            }
        }
    }
}
