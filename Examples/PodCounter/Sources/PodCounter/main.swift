import Triggerfish

// Embedding the Triggerfish runtime: the playbooks of playbooks.yaml (checked at build time, and
// embedded by the plugin) run with the built-in actions and this package's own (Actions.swift),
// fed with inputs from Swift, exactly as `triggerfish replay` or a runner would run them.

let schema = try PlaybookConfig.schema(addingActions: EmbeddedPlaybooks.actionFiles)
let file = EmbeddedPlaybooks.files[0]
let config = try PlaybookConfig.load(text: file.text, file: file.name, schema: schema)
let engine = try PlaybookEngine(config: config, actions: BuiltinActionImplementations().registrations + Actions().registrations)
print(
    "\(config.playbooks.count) playbooks from \(file.name); actions of this package: \(Actions().registrations.map(\.name).joined(separator: ", "))"
)

func show(_ report: EventReport) {
    let actions = report.actions.isEmpty ? "no action" : report.actions.map(\.action).joined(separator: ", ")
    print("\(report.summary): \(report.duplicate ? "duplicate, skipped" : actions)")
    for routed in report.findings {
        let subject = "\(routed.finding.subject.namespace ?? "-")/\(routed.finding.subject.name ?? "?")"
        print("  finding [\(routed.finding.severity.rawValue)] \(routed.finding.title) (\(subject))")
    }
}

/// A pod update as kubewatch POSTs it to a runner.
func podUpdate(_ name: String) -> String {
    let pod =
        #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "\#(name)", "namespace": "default"}, "spec": {"nodeName": "node-1"}}"#
    return #"{"specversion": "1.0", "data": {"operation": "update", "kind": "Pod", "apiVersion": "v1", "obj": \#(pod), "oldObj": \#(pod)}}"#
}

// Inputs in the wire format...
for name in ["web-1", "web-2", "db-1"] {
    for report in await engine.handle(try InputDecoder.decode(podUpdate(name))) { show(report) }
}

// ...or built in Swift.
let alert = PrometheusAlert(
    status: "firing", labels: ["alertname": "KubePodNotReady", "pod": "api-7", "namespace": "shop"], fingerprint: "f1")
show(await engine.handle(alert))
show(await engine.handle(alert))  // the same alert again is a duplicate

// A bad input is an error value, not a crash.
do {
    _ = try InputDecoder.decode(#"{"data": {"operation": "patch", "kind": "Pod", "obj": {}}}"#)
} catch {
    print("refused: \(error)")
}
