import Testing
import _TriggerfishCore

@testable import Triggerfish

/// Runtime errors quote values from configs and requests the way diagnostics do: one line, no
/// terminal escapes, long values cut with their length stated.
@Suite struct RuntimeMessageEscapingTests {
    @Test func actionErrorsAreOneLine() {
        let error = ActionError(.failed, action: "echo\nx", message: "invalid regular expression \(quoted: "a\u{1B}[31m(")\r\nforged")
        #expect(error.message == #"invalid regular expression 'a\u{1B}[31m('\r\nforged"#)
        #expect(error.description == #"action 'echo\nx': invalid regular expression 'a\u{1B}[31m('\r\nforged"#)
    }

    @Test func inputErrorsAreOneLine() {
        #expect(InputError(message: "x\ny\u{2028}z").message == #"x\ny\u{2028}z"#)
    }

    @Test func longActionNamesAreCut() {
        let error = ActionError(.unknownAction, action: String(repeating: "a", count: 5000), message: "unknown")
        #expect(error.description == "action '\(String(repeating: "a", count: 100))…' (5,000 characters): unknown")
    }
}
