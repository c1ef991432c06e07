/// A trigger as generated from `schema/triggers.yaml` (and the kinds): its YAML key, the event
/// type it declares, and its typed parameters.
public protocol Trigger: Sendable {
    associatedtype Parameters: ParameterDecodable & Sendable
    /// The event type the trigger declares; compatibility is decided on it.
    associatedtype Event: TriggerfishEvent
    static var key: String { get }
    static var source: TriggerSource { get }
}

extension Trigger {
    public static var eventName: String { Event.eventName }
    /// The declared event type, usable through `any Trigger.Type`.
    public static var eventType: any TriggerfishEvent.Type { Event.self }
}

/// A trigger fed by Kubernetes changes.
public protocol KubernetesTrigger: Trigger {
    /// The kind it listens to (`Pod`), `nil` for any kind.
    static var kind: String? { get }
    /// The operation it listens to, `nil` for every operation.
    static var operation: KubernetesOperation? { get }
    /// The event this trigger builds for a change, or `nil` when the change's kind or operation
    /// is not the trigger's. Filters (prefixes, labels, scope, conditions) are applied separately.
    static func makeEvent(from change: KubernetesChange) -> (any TriggerfishEvent)?
}

extension KubernetesTrigger {
    /// Whether a change has this trigger's kind and operation.
    public static func listens(to change: KubernetesChange) -> Bool {
        (kind == nil || kind == change.kind) && (operation == nil || operation == change.operation)
    }
}

/// A trigger fed by Prometheus alerts.
public protocol AlertTrigger: Trigger {
    /// Builds the event for an alert and the objects resolved from its labels, keyed by kind.
    static func makeEvent(alert: PrometheusAlert, resources: [String: KubernetesObject]) -> Event
}

/// A trigger fed by the scheduler.
public protocol ScheduleTrigger: Trigger {
    /// Builds the event for the `recurrence`-th run (0-based).
    static func makeEvent(recurrence: Int) -> Event
}
