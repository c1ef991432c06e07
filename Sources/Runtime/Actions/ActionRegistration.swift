import Synchronization

/// A runnable action: what the runtime calls, built from a generated protocol requirement and
/// the user's (or the runtime's) implementation of it.
public struct ActionRegistration: Sendable {
    public let name: String
    public let eventName: String
    let acceptsType: @Sendable (any TriggerfishEvent.Type) -> Bool
    let prepareBody: @Sendable (JSONValue) -> PreparedAction

    /// What runs an action on an event of one concrete type, with its decoded parameters.
    public typealias Run<Parameters> = @Sendable (any TriggerfishEvent, Parameters, ActionContext) async throws -> Void

    /// A registration whose `run` takes any event the action accepts (``ActionDefinition/accepts(_:)``).
    public init<A: ActionDefinition>(_ definition: A.Type, run: @escaping Run<A.Parameters>) {
        self.init(definition, opening: { type in A.accepts(type) ? run : nil })
    }

    /// A registration that, for each concrete event type, `open` gives a run for: `nil` when the
    /// action does not accept the type, else a run that may take the event as that very type.
    ///
    /// Generated registrations pass the event to the implementation as the action's event
    /// protocol. Converting an event to an existential of that protocol at each run looked the
    /// conformance up in the runtime's table (about 3% of an alert's handling at 1,000
    /// playbooks); `open` does it once per type and hands back a run for that type, which
    /// ``OpenedRuns`` keeps.
    public init<A: ActionDefinition>(
        _ definition: A.Type, opening open: @escaping @Sendable (any TriggerfishEvent.Type) -> Run<A.Parameters>?
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
            let runs = OpenedRuns(open)
            @Sendable func run(for event: any TriggerfishEvent) throws(ActionError) -> Run<A.Parameters> {
                guard let run = runs.run(for: type(of: event)) else {
                    throw ActionError(
                        .eventMismatch, action: A.name,
                        message: "needs a \(A.eventName), but was given a \(type(of: event).eventName)")
                }
                return run
            }
            do {
                let typed = try A.Parameters(parameterValue: parameters, path: A.name)
                return PreparedAction(name: A.name) { event, context in
                    try await run(for: event)(event, typed, context)
                }
            } catch {
                let failure = ActionError(.invalidParameters, action: A.name, message: "\(error)")
                return PreparedAction(name: A.name) { event, _ in
                    _ = try run(for: event)
                    throw failure
                }
            }
        }
    }

    /// `event` as `Event`, the concrete type an opener of ``init(_:opening:)`` was asked about:
    /// the runs it gives are only handed events of that type (``OpenedRuns`` keys them by it). A
    /// cast to a concrete type compares type metadata; there is no conformance to look up.
    public static func event<Event: TriggerfishEvent>(_ event: any TriggerfishEvent, as _: Event.Type) -> Event {
        event as! Event
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

/// The runs a prepared action's opener gave, one per concrete event type it met. A playbook's
/// action is nearly always given events of one type: the last one used is found without a lock.
final class OpenedRuns<Parameters>: Sendable {
    final class Entry: Sendable {
        let type: ObjectIdentifier
        let run: ActionRegistration.Run<Parameters>

        init(type: ObjectIdentifier, run: @escaping ActionRegistration.Run<Parameters>) {
            self.type = type
            self.run = run
        }
    }

    private let open: @Sendable (any TriggerfishEvent.Type) -> ActionRegistration.Run<Parameters>?
    /// Every entry made, kept for as long as this is.
    private let entries = Mutex<[Entry]>([])
    /// The address of the entry last used (unretained: `entries` keeps it); 0 before any.
    private let last = Atomic<UInt>(0)

    init(_ open: @escaping @Sendable (any TriggerfishEvent.Type) -> ActionRegistration.Run<Parameters>?) {
        self.open = open
    }

    /// The run for events of `type`; `nil` when the action does not accept them.
    func run(for type: any TriggerfishEvent.Type) -> ActionRegistration.Run<Parameters>? {
        let id = ObjectIdentifier(type)
        if let pointer = UnsafeMutableRawPointer(bitPattern: last.load(ordering: .acquiring)) {
            let entry = Unmanaged<Entry>.fromOpaque(pointer).takeUnretainedValue()
            if entry.type == id { return entry.run }
        }
        return entries.withLock { entries in
            let entry: Entry
            if let known = entries.first(where: { $0.type == id }) {
                entry = known
            } else {
                guard let run = open(type) else { return nil }
                entry = Entry(type: id, run: run)
                entries.append(entry)
            }
            last.store(UInt(bitPattern: Unmanaged.passUnretained(entry).toOpaque()), ordering: .releasing)
            return entry.run
        }
    }
}
