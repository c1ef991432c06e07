import Synchronization

/// Parameters of an action, generated from its schema declaration.
public protocol ActionParameters: ParameterDecodable, Sendable {}

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

    public var description: String { "action '\(action)': \(message)" }
}

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

/// What an action can do besides reading its event: add findings, stop further processing.
/// One context is shared by every playbook that runs for one incoming event.
public final class ActionContext: Sendable {
    struct State {
        /// Newest first, each with the sinks of the playbook that created it.
        var findings: [(finding: Finding, sinks: [String])] = []
        var logs: [String] = []
        var stopProcessing = false
        var currentSinks: [String] = []
        var changes: [DiffEntry]?
        /// The event the running action was given; findings it adds are completed from it.
        var event: (any TriggerfishEvent)?
    }

    let state = Mutex(State())

    public init() {}

    /// Findings so far, newest first (as Robusta inserts them).
    public var findings: [Finding] { state.withLock { $0.findings.map(\.finding) } }

    /// Findings so far, newest first, each with the sinks it is meant for.
    public var pendingFindings: [PendingFinding] {
        state.withLock { $0.findings.map { PendingFinding(finding: $0.finding, sinks: $0.sinks) } }
    }

    /// Adds a finding, meant for the running playbook's sinks; later enrichments attach to it.
    ///
    /// A finding is about the event the running action was given: one created without a subject
    /// gets the event's (the changed object, an alert's resource), and one with source `none` the
    /// event's source (`kubernetes_api_server`, `prometheus`, `scheduler`), as ``EventSubject``
    /// gives them, so `Finding(title:aggregationKey:)` from a pod event is about the pod, whether
    /// the action is built in (`create_finding`) or the user's. Its default fingerprint follows.
    public func addFinding(_ finding: Finding) {
        state.withLock { state in
            var finding = finding
            if let event = state.event { finding.complete(from: event) }
            state.findings.insert((finding, state.currentSinks), at: 0)
        }
    }

    /// Adds blocks to the newest finding, creating `makeDefault()` first when there is none.
    public func addEnrichment(_ blocks: [Block], title: String? = nil, makeDefault: () -> Finding) {
        let fallback = state.withLock { $0.findings.isEmpty } ? makeDefault() : nil
        state.withLock { state in
            if state.findings.isEmpty, let fallback { state.findings.append((fallback, state.currentSinks)) }
            state.findings[0].finding.enrichments.append(Enrichment(title: title, blocks: blocks))
        }
    }

    /// Changes every finding so far.
    public func updateFindings(_ change: (inout Finding) -> Void) {
        state.withLock { state in
            for index in state.findings.indices { change(&state.findings[index].finding) }
        }
    }

    /// Messages actions wrote to the runner's log, oldest first.
    public var logs: [String] { state.withLock { $0.logs } }

    /// Writes a message to the runner's log for this event.
    public func log(_ message: String) {
        state.withLock { $0.logs.append(message) }
    }

    /// Set by an action to skip the remaining actions and playbooks for this event.
    public var stopProcessing: Bool {
        get { state.withLock { $0.stopProcessing } }
        set { state.withLock { $0.stopProcessing = newValue } }
    }

    /// The sinks findings created from now on are meant for (set by the engine per playbook).
    public var currentSinks: [String] {
        get { state.withLock { $0.currentSinks } }
        set { state.withLock { $0.currentSinks = newValue } }
    }

    /// The event the running action was given (set by ``ActionRegistration/run(_:parameters:context:)``).
    var event: (any TriggerfishEvent)? {
        get { state.withLock { $0.event } }
        set { state.withLock { $0.event = newValue } }
    }

    /// For a Kubernetes update, the differences the running playbook's change filters kept;
    /// `nil` when the trigger has no change filters (actions then compare the objects themselves).
    public var filteredChanges: [DiffEntry]? {
        get { state.withLock { $0.changes } }
        set { state.withLock { $0.changes = newValue } }
    }
}
