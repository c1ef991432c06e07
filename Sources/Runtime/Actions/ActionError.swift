import _TriggerfishCore

/// Why an action could not run or failed.
public struct ActionError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The event is not of the type the action accepts.
        case eventMismatch = "event_mismatch"
        /// The parameters do not fit the action's parameter types.
        case invalidParameters = "invalid_parameters"
        /// The action failed while running.
        case failed
        /// The action is declared in the schema but Triggerfish does not implement it yet.
        case notImplemented = "not_implemented"
        /// No action of that name is registered.
        case unknownAction = "unknown_action"
    }

    public var code: Code
    public var action: String
    public var message: String

    public init(_ code: Code, action: String, message: String) {
        self.code = code
        self.action = action
        self.message = message
    }

    public var description: String { "action \(quoted: action): \(message)" }
}
