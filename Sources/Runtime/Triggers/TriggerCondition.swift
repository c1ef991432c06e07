import Foundation
import Synchronization

/// The runtime check of a "smart" trigger (`condition:` in the schema), built from the trigger's
/// typed parameters: what must hold of a change, and how firing is rate limited.
public struct TriggerCondition: Sendable {
    /// Whether a change (already of the trigger's kind and operation, and past its filters)
    /// satisfies the condition at the given time.
    var matches: @Sendable (KubernetesChange, Date) -> Bool
    /// The rate-limit window in seconds and the key of what is limited, for a matching change.
    var rateLimit: (@Sendable (KubernetesChange) -> (seconds: Int, key: String))?
    /// Change filters that apply instead of the playbook's `change_filters` (the default of
    /// `on_kubernetes_resource_operation`, which is always set).
    var changeFilters: ChangeFilters?
}

/// A generated trigger whose schema declares a `condition`, with its check written by hand over
/// the trigger's generated parameters. The generated trigger declares the conformance, so a
/// condition without its hand-written `makeCondition` (in an extension below) does not compile.
public protocol ConditionalTrigger: KubernetesTrigger {
    static func makeCondition(_ parameters: Parameters) -> TriggerCondition
}

extension ConditionalTrigger {
    static func condition(parameters: JSONValue, path: String) throws(ParameterError) -> TriggerCondition {
        makeCondition(try Parameters(parameterValue: parameters, path: path))
    }
}

/// Reads of a Pod's status that the pod triggers share.
enum PodStatus {
    /// Statuses of containers and init containers.
    static func containerStatuses(_ pod: KubernetesObject) -> [JSONValue] {
        (pod.value(atPath: "status.containerStatuses")?.arrayValue ?? [])
            + (pod.value(atPath: "status.initContainerStatuses")?.arrayValue ?? [])
    }

    /// Robusta's rate-limit key for pod triggers: the namespace and the pod's first owner
    /// (its ReplicaSet, Job, ...), or the pod's own name when it has no owner.
    static func ownerKey(_ pod: KubernetesObject) -> String {
        let owner = pod.value(atPath: "metadata.ownerReferences[0].name")?.stringValue ?? pod.name ?? ""
        return "\(pod.namespace ?? ""):\(owner)"
    }

    static func isOOMKilled(_ status: JSONValue) -> Bool {
        status.value(atPath: "state.terminated.reason")?.stringValue == "OOMKilled"
    }
}

extension OnPodCrashLoop {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        TriggerCondition(
            matches: { change, _ in
                PodStatus.containerStatuses(change.object).contains { status in
                    guard let waiting = status.value(atPath: "state.waiting"), !waiting.isNull else { return false }
                    guard (status["restartCount"]?.intValue ?? 0) >= parameters.restartCount else { return false }
                    guard let reason = parameters.restartReason else { return true }
                    return (waiting["reason"]?.stringValue ?? "").contains(reason)
                }
            },
            rateLimit: { change in (parameters.rateLimit, PodStatus.ownerKey(change.object)) })
    }
}

extension OnImagePullBackoff {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        TriggerCondition(
            matches: { change, now in
                // A pod without a start time counts as just started.
                guard let started = change.object.value(atPath: "status.startTime")?.stringValue.flatMap(RFC3339.date),
                    now.timeIntervalSince(started) >= Double(parameters.fireDelay)
                else { return false }
                return PodStatus.containerStatuses(change.object).contains {
                    $0.value(atPath: "state.waiting.reason")?.stringValue == "ImagePullBackOff"
                }
            },
            rateLimit: { change in (parameters.rateLimit, PodStatus.ownerKey(change.object)) })
    }
}

extension OnPodOomKilled {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        TriggerCondition(
            matches: { change, _ in
                let pod = change.object
                let excluded = (parameters.exclude ?? []).contains { rule in
                    (rule.name.map { (pod.name ?? "").hasPrefix($0) } ?? true)
                        && (rule.namespace.map { pod.namespace == $0 } ?? true)
                }
                return !excluded && PodStatus.containerStatuses(pod).contains(where: PodStatus.isOOMKilled)
            },
            rateLimit: { change in (parameters.rateLimit, PodStatus.ownerKey(change.object)) })
    }
}

extension OnContainerOomKilled {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        TriggerCondition(
            matches: { change, _ in
                let namespace = change.object.namespace
                return PodStatus.containerStatuses(change.object).contains { status in
                    guard PodStatus.isOOMKilled(status) else { return false }
                    let container = status["name"]?.stringValue ?? ""
                    return !(parameters.exclude ?? []).contains { rule in
                        (rule.name.map { container.hasPrefix($0) } ?? true) && (rule.namespace.map { namespace == $0 } ?? true)
                    }
                }
            },
            rateLimit: { change in (parameters.rateLimit, PodStatus.ownerKey(change.object)) })
    }
}

extension OnPodEvicted {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        TriggerCondition(
            matches: { change, _ in change.object.value(atPath: "status.reason")?.stringValue == "Evicted" },
            rateLimit: { change in (parameters.rateLimit, "\(change.object.namespace ?? ""):\(change.object.name ?? "")") })
    }
}

extension OnJobFailure {
    /// Edge-triggered: the new version has a `Failed` condition and the old one did not.
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        TriggerCondition(
            matches: { change, _ in
                func failed(_ job: KubernetesObject?) -> Bool {
                    (job?.value(atPath: "status.conditions")?.arrayValue ?? []).contains { $0["type"]?.stringValue == "Failed" }
                }
                return failed(change.object) && !failed(change.oldObject)
            },
            rateLimit: nil)
    }
}

/// Robusta's warning-event check, shared by the four warning-event triggers.
enum WarningEvents {
    static func condition(operations: [String]?, include: [String], exclude: [String], rateLimit: Int) -> TriggerCondition {
        let operations = operations.map { Set($0.map { $0.lowercased() }) }
        let include = include.map { $0.lowercased() }
        let exclude = exclude.map { $0.lowercased() }
        return TriggerCondition(
            matches: { change, _ in
                let event = change.object.json
                guard event["type"]?.stringValue == "Warning", let regarding = event["regarding"], !regarding.isNull else {
                    return false
                }
                if let operations, !operations.contains(change.operation.rawValue) { return false }
                let text = ((event["reason"]?.stringValue ?? "") + (event["note"]?.stringValue ?? "")).lowercased()
                if exclude.contains(where: { text.contains($0) }) { return false }
                if !include.isEmpty && !include.contains(where: { text.contains($0) }) { return false }
                return true
            },
            rateLimit: { change in
                let event = change.object.json
                let regarding = event["regarding"]
                let subject = [
                    regarding?["namespace"]?.stringValue ?? "", regarding?["kind"]?.stringValue ?? "",
                    regarding?["name"]?.stringValue ?? "",
                ]
                return (rateLimit, "\(event["reason"]?.stringValue ?? ""):\(subject.joined(separator: "/"))")
            })
    }
}

extension OnKubernetesWarningEvent {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        WarningEvents.condition(
            operations: parameters.operations, include: parameters.include, exclude: parameters.exclude, rateLimit: parameters.rateLimit)
    }
}

extension OnKubernetesWarningEventCreate {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        WarningEvents.condition(operations: nil, include: parameters.include, exclude: parameters.exclude, rateLimit: parameters.rateLimit)
    }
}

extension OnKubernetesWarningEventUpdate {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        WarningEvents.condition(operations: nil, include: parameters.include, exclude: parameters.exclude, rateLimit: parameters.rateLimit)
    }
}

extension OnKubernetesWarningEventDelete {
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        WarningEvents.condition(operations: nil, include: parameters.include, exclude: parameters.exclude, rateLimit: parameters.rateLimit)
    }
}

extension OnKubernetesResourceOperation {
    /// Kinds and operations compared ignoring case; empty lists mean all. Its change filters
    /// (by default, spec changes other than spec.replicas) apply to updates.
    public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
        let kinds = Set((parameters.resources ?? []).map { $0.lowercased() })
        let operations = Set((parameters.operations ?? []).map { $0.lowercased() })
        return TriggerCondition(
            matches: { change, _ in
                (kinds.isEmpty || kinds.contains(change.kind.lowercased()))
                    && (operations.isEmpty || operations.contains(change.operation.rawValue))
            },
            rateLimit: nil, changeFilters: parameters.changeFilters)
    }
}
