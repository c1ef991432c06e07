import Testing
import _TriggerfishCore

@testable import Triggerfish

/// Runtime errors quote values from configs and requests the way diagnostics do: one line, no
/// terminal escapes, long values cut with their length stated.
@Suite struct RuntimeMessageEscapingTests {
    /// Values quoted into action errors are escaped; the message keeps its own line breaks (some are
    /// Robusta's), and the text report escapes them where it prints the error on one line.
    @Test func actionErrorsQuoteValuesEscaped() {
        let error = ActionError(.failed, action: "echo\nx", message: "invalid regular expression \(quoted: "a\u{1B}[31m(")")
        #expect(error.description == #"action 'echo\nx': invalid regular expression 'a\u{1B}[31m('"#)
    }

    @Test func inputErrorsAreOneLine() {
        #expect(InputError(message: "x\ny\u{2028}z").message == #"x\ny\u{2028}z"#)
    }

    @Test func longActionNamesAreCut() {
        let error = ActionError(.unknownAction, action: String(repeating: "a", count: 5000), message: "unknown")
        #expect(error.description == "action '\(String(repeating: "a", count: 100))…' (5,000 characters): unknown")
    }
}
