/// What every generated event type conforms to. The hierarchy itself (`ExecutionBaseEvent`,
/// `PodEvent`, `PrometheusKubernetesAlert`, ...) is generated from `schema/events.yaml` as
/// protocols, so an event with several parents is accepted wherever any parent is expected.
///
/// Each event protocol `X` has a concrete struct `XInstance` that triggers build.
public protocol TriggerfishEvent: Sendable {
    /// The schema name of the event's type, e.g. `PodChangeEvent`.
    static var eventName: String { get }
}

/// Where a trigger's input comes from.
public enum TriggerSource: String, Sendable, CaseIterable {
    case kubernetes, prometheus, schedule
}
