import Synchronization

/// A runnable action: what the runtime calls, built from a generated protocol requirement and
/// the user's (or the runtime's) implementation of it.
public struct ActionRegistration: Sendable {
    public let name: String
    public let eventName: String
    let acceptsType: @Sendable (any TriggerfishEvent.Type) -> Bool
    let prepareBody: @Sendable (JSONValue) -> PreparedAction

    public init<A: ActionDefinition>(
        _ definition: A.Type,
        run: @escaping @Sendable (any TriggerfishEvent, A.Parameters, ActionContext) async throws -> Void
    ) {
        self.name = A.name
        self.eventName = A.eventName
        self.acceptsType = { A.accepts($0) }
        self.prepareBody = { parameters in
            // Decoded once, when a config is loaded; a failure is the action's error each time it runs,
            // after the event check, as Robusta reports it. The run closure holds the decoded
            // parameters themselves rather than a `Result` of them: this code is generic and not
            // specialized, and reading a `Result<A.Parameters, ActionError>` looked its type up in
            // the runtime's metadata cache at every run.
            let accepted = AcceptedEventType()
            @Sendable func check(_ event: any TriggerfishEvent) throws(ActionError) {
                guard accepted.contains(type(of: event)) || accepted.remember(type(of: event), if: A.accepts) else {
                    throw ActionError(
                        .eventMismatch, action: A.name,
                        message: "needs a \(A.eventName), but was given a \(type(of: event).eventName)")
                }
            }
            do {
                let typed = try A.Parameters(parameterValue: parameters, path: A.name)
                return PreparedAction(name: A.name) { event, context in
                    try check(event)
                    try await run(event, typed, context)
                }
            } catch {
                let failure = ActionError(.invalidParameters, action: A.name, message: "\(error)")
                return PreparedAction(name: A.name) { event, _ in
                    try check(event)
                    throw failure
                }
            }
        }
    }

    /// Whether the action accepts events of this concrete type.
    public func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { acceptsType(eventType) }

    /// The action with its parameters decoded into their generated type, ready to run on events.
    public func prepare(parameters: JSONValue) -> PreparedAction { prepareBody(parameters) }

    /// Runs the action on an event with its (untyped) parameters, decoding them first. The
    /// findings it adds to the context are about that event (see ``ActionContext/addFinding(_:)``).
    public func run(_ event: any TriggerfishEvent, parameters: JSONValue, context: ActionContext) async throws {
        try await prepare(parameters: parameters).run(event, context: context)
    }
}

/// An action with its parameters decoded, as a loaded config holds it: running it decodes nothing.
public struct PreparedAction: Sendable {
    public let name: String
    let body: @Sendable (any TriggerfishEvent, ActionContext) async throws -> Void

    init(name: String, body: @escaping @Sendable (any TriggerfishEvent, ActionContext) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the action on an event. The findings it adds to the context are about that event.
    public func run(_ event: any TriggerfishEvent, context: ActionContext) async throws {
        context.event = event
        try await body(event, context)
    }
}

/// The event type a prepared action last accepted. Asking Swift whether a type conforms to the
/// action's event protocol looks the conformance up in the runtime's table at each run; a
/// playbook's action is nearly always given events of one type, so the answer is kept.
final class AcceptedEventType: Sendable {
    /// The accepted type's `ObjectIdentifier` as bits; 0 before any.
    private let last = Atomic<UInt>(0)

    func contains(_ type: any TriggerfishEvent.Type) -> Bool {
        last.load(ordering: .relaxed) == UInt(bitPattern: ObjectIdentifier(type))
    }

    /// Whether `accepts` accepts `type`, which is kept when it does.
    func remember(_ type: any TriggerfishEvent.Type, if accepts: (any TriggerfishEvent.Type) -> Bool) -> Bool {
        guard accepts(type) else { return false }
        last.store(UInt(bitPattern: ObjectIdentifier(type)), ordering: .relaxed)
        return true
    }
}
