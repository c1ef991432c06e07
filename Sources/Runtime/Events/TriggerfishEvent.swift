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

/// The fields of a generated event type (and of a ``PrometheusAlert``), held behind one reference
/// with value semantics.
///
/// An event travels as an existential, and each action receives it as the existential of the
/// protocol it accepts (`event as? any PodEvent`). A value wider than an existential's three
/// inline words is copied into a heap box of its own for each of those: an allocation and a
/// retain of every field per action run (an alert's event, its fields stored inline, was 288
/// bytes). Behind one reference the event fits inline, and handing it on costs one retain.
///
/// The storage never changes once made, so it is `Sendable` without a lock; setting a field
/// makes new storage (events are built by triggers and tests, and actions only read them).
public struct EventStorage<Fields: Sendable>: Sendable {
    @usableFromInline
    final class Box: Sendable {
        @usableFromInline let fields: Fields

        @inlinable init(_ fields: Fields) { self.fields = fields }
    }

    @usableFromInline var box: Box

    @inlinable public init(_ fields: Fields) { box = Box(fields) }

    @inlinable public var fields: Fields {
        get { box.fields }
        set { box = Box(newValue) }
    }
}
