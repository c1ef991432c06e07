/// A runnable action: what the runtime calls, built from a generated protocol requirement and
/// the user's (or the runtime's) implementation of it.
public struct ActionRegistration: Sendable {
    public let name: String
    public let eventName: String
    let acceptsType: @Sendable (any TriggerfishEvent.Type) -> Bool
    let body: @Sendable (any TriggerfishEvent, JSONValue, ActionContext) async throws -> Void

    public init<A: ActionDefinition>(
        _ definition: A.Type,
        run: @escaping @Sendable (any TriggerfishEvent, A.Parameters, ActionContext) async throws -> Void
    ) {
        self.name = A.name
        self.eventName = A.eventName
        self.acceptsType = { A.accepts($0) }
        self.body = { event, parameters, context in
            guard A.accepts(type(of: event)) else {
                throw ActionError(
                    .eventMismatch, action: A.name,
                    message: "needs a \(A.eventName), but was given a \(type(of: event).eventName)")
            }
            let typed: A.Parameters
            do {
                typed = try A.Parameters(parameterValue: parameters, path: A.name)
            } catch {
                throw ActionError(.invalidParameters, action: A.name, message: "\(error)")
            }
            try await run(event, typed, context)
        }
    }

    /// Whether the action accepts events of this concrete type.
    public func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { acceptsType(eventType) }

    /// Runs the action on an event with its (untyped) parameters. The findings it adds to the
    /// context are about that event (see ``ActionContext/addFinding(_:)``).
    public func run(_ event: any TriggerfishEvent, parameters: JSONValue, context: ActionContext) async throws {
        context.event = event
        try await body(event, parameters, context)
    }
}
