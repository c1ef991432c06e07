/// An action as generated from its schema declaration: its name, the event type it accepts and
/// its parameters type.
public protocol ActionDefinition: Sendable {
    associatedtype Parameters: ActionParameters
    static var name: String { get }
    /// The schema name of the event type the action accepts.
    static var eventName: String { get }
    /// `false` for a built-in action declared in the schema but not implemented yet; its
    /// registration decodes the parameters and then throws a `notImplemented` action error.
    static var isImplemented: Bool { get }
    /// Whether an event of this concrete type can be given to the action (the Swift type system's
    /// answer: does the type conform to the action's event protocol).
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool
}
