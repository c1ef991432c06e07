import Foundation
import Triggerfish

// Embedding the Triggerfish runtime: the playbooks of playbooks.yaml (checked at build time, and
// embedded by the plugin) run with the built-in actions and this package's own (Actions.swift),
// fed with inputs from Swift, exactly as `triggerfish replay` or a runner would run them.

let config: PlaybookConfig
do {
    config = try EmbeddedPlaybooks.config(named: "playbooks.yaml")
} catch {
    // No embedded file of that name: the error names the files there are.
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
let engine = try PlaybookEngine(config: config, actions: BuiltinActionImplementations().registrations + Actions().registrations)
print(
    "\(config.playbooks.count) playbooks from \(EmbeddedPlaybooks.files.map(\.name).joined(separator: ", ")); "
        + "actions of this package: \(Actions().registrations.map(\.name).joined(separator: ", "))"
)

/// A report as `triggerfish replay` prints it, then what each finding is about and where it came from.
func show(_ report: EventReport) {
    print(report)
    for finding in report.findings.map(\.finding) {
        let subject = "\(finding.subject.kind ?? "?") \(finding.subject.namespace ?? "-")/\(finding.subject.name ?? "?")"
        print("    '\(finding.title)' is about \(subject), from \(finding.source)")
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
