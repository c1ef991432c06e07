/// An action's error, as reported.
public struct ActionFailure: Sendable, Hashable {
    /// Why it failed; reports print its raw value (`event_mismatch`, `invalid_parameters`,
    /// `failed`, `not_implemented`, `unknown_action`).
    public var code: ActionError.Code
    public var message: String
}
