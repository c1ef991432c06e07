import _TriggerfishCore

/// An input that is not valid JSON, or not a body Robusta's runner accepts. The message names the field
/// by its path (`data.operation`, `alerts[0].labels.severity`) and says what was expected and what was found.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = MessageText.escaped(message)
    }

    public var description: String { message }
}
