import Foundation
import Triggerfish

// A tiny run of the `count_pods` action: build the event a pod update produces, look the action up
// among the generated registrations, run it with parameters as a playbook would give them, and
// print the findings.

let actions = Actions()
let registrations = Dictionary(uniqueKeysWithValues: actions.registrations.map { ($0.name, $0) })

/// A pod as kubewatch sends it.
func pod(_ name: String) throws -> KubernetesObject {
    let json = """
        {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": "\(name)", "namespace": "default", "labels": {"app": "web"}},
         "spec": {"nodeName": "node-1"}}
        """
    return KubernetesObject(json: try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)))
}

print("playbook files: \(EmbeddedPlaybooks.files.map(\.name).joined(separator: ", "))")
print("actions: \(registrations.keys.sorted().joined(separator: ", "))")

for name in ["web-1", "web-2", "db-1"] {
    let change = KubernetesChange(operation: .update, kind: "Pod", apiVersion: "v1", object: try pod(name))
    let event = PodChangeEventInstance(change: change)
    let context = ActionContext()
    try await registrations["log_change"]!.run(event, parameters: ["label": "pod"], context: context)
    try await registrations["count_pods"]!.run(event, parameters: ["prefix": "web-", "threshold": 2], context: context)
    for finding in context.findings {
        print(
            "finding: [\(finding.severity.rawValue)] \(finding.title) (\(finding.subject.namespace ?? "-")/\(finding.subject.name ?? "?") on \(finding.subject.node ?? "?"))"
        )
    }
}

// A node event is not a pod event: the registration refuses it.
do {
    let node = NodeEventInstance()
    try await registrations["count_pods"]!.run(node, parameters: ["prefix": "web-"], context: ActionContext())
} catch let error as ActionError {
    print("refused: \(error)")
}
