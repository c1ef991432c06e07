import Synchronization
import Triggerfish

/// The implementations of the actions declared in `actions.yaml`.
///
/// `PlaybookActions` is generated from `actions.yaml`: each requirement takes the event type the
/// action declares (`some PodEvent`, `some KubernetesAnyChangeEvent`) and its typed parameters, so
/// the compiler rejects an implementation that disagrees with the YAML. A class, so that the tally
/// of pods seen is shared by every call.
final class Actions: PlaybookActions {
    /// Pods seen so far per name prefix, shared by every call.
    let seen = Mutex<[String: Set<String>]>([:])

    func countPods(_ event: some PodEvent, parameters: CountPodsAction.Parameters, context: ActionContext) async throws {
        guard let pod = event.pod, let name = pod.name, name.hasPrefix(parameters.prefix) else { return }
        let count = seen.withLock { seen in
            seen[parameters.prefix, default: []].insert("\(pod.namespace ?? "")/\(name)")
            return seen[parameters.prefix]!.count
        }
        // The finding is about the pod (its subject) and from Kubernetes (its source): the engine
        // fills in both from the event, as it does for the built-in create_finding.
        context.addFinding(
            Finding(
                title: "\(count) pod(s) named \(parameters.prefix)* seen",
                severity: count >= parameters.threshold ? .high : .info,
                aggregationKey: "PodCount"))
    }

    func logChange(_ event: some KubernetesAnyChangeEvent, parameters: LogChangeAction.Parameters, context: ActionContext) async throws {
        let object = event.object
        print("\(parameters.label): \(event.operation.rawValue) \(object.kind ?? "?") \(object.namespace ?? "-")/\(object.name ?? "?")")
    }
}
