import _TriggerfishCore

/// The two forms the replay prints: JSON (one object per input, for tools) and text (for people).
public enum ReportFormatting {
    /// The JSON object for one input. Documented in docs/replay.md; tools compare runs with it,
    /// so keys are only ever added.
    public static func json(_ report: InputReport) -> JSONValue {
        let events = report.events
        var object: [String: JSONValue] = [
            "index": .int(report.index),
            "input": report.kind.map { .string($0.rawValue) } ?? .null,
            "error": report.error.map(JSONValue.string) ?? .null,
            "events": .array(
                events.map { event in
                    [
                        "summary": .string(event.summary), "duplicate": .bool(event.duplicate),
                        "playbooks": .array(event.playbooks.map(JSONValue.string)),
                        "actions": .array(event.actions.map { .string($0.action) }),
                    ]
                }),
            "playbooks": .array(events.flatMap(\.playbooks).map(JSONValue.string)),
            "actions": .array(events.flatMap(\.actions).map { .string($0.action) }),
            "action_errors": .array(events.flatMap(\.failedActions).map { .string($0.action) }),
            "failures": .array(
                events.flatMap { event in
                    event.failedActions.map { run in
                        [
                            "action": .string(run.action), "playbook": .string(run.playbook), "event": .string(event.summary),
                            "code": .string(run.failure?.code.rawValue ?? ""), "message": .string(run.failure?.message ?? ""),
                        ]
                    }
                }),
            "duplicates": .int(events.filter(\.duplicate).count),
        ]
        object["findings"] = .array(
            events.flatMap(\.findings).map { routed in
                guard case .object(var finding) = routed.finding.jsonValue else { return routed.finding.jsonValue }
                finding["sinks"] = .array(routed.sinks.map(JSONValue.string))
                finding["undefined_sinks"] = .array(routed.undefinedSinks.map(JSONValue.string))
                return .object(finding)
            })
        object["logs"] = .array(events.flatMap(\.logs).map(JSONValue.string))
        return .object(object)
    }

    /// A few lines for one input: what it was, which playbooks fired, which actions ran (and
    /// how those that failed failed), and each finding with the sinks it would go to.
    public static func text(_ report: InputReport, details: Bool = false) -> String {
        guard report.error == nil else {
            return "#\(report.index) unreadable input (line \(report.index + 1)): \(report.error ?? "")\n"
        }
        if report.events.isEmpty {
            return "#\(report.index) \(report.kind == .alertmanager ? "Alertmanager webhook with no alerts" : "input with no events")\n"
        }
        return report.events.flatMap { lines($0, head: "#\(report.index) ", details: details) }.joined(separator: "\n") + "\n"
    }

    /// The lines of ``text(_:details:)`` for one event, without the input's number: what
    /// `EventReport.description` is.
    public static func text(_ event: EventReport, details: Bool = false) -> String {
        lines(event, head: "", details: details).joined(separator: "\n") + "\n"
    }

    static func lines(_ event: EventReport, head prefix: String, details: Bool) -> [String] {
        var lines: [String] = []
        var head = prefix + event.summary
        if event.duplicate { head += ": duplicate, already handled" }
        if !event.duplicate && event.playbooks.isEmpty { head += ": no playbook fired" }
        lines.append(head)
        for playbook in event.playbooks {
            let runs = event.actions.filter { $0.playbook == playbook }
            let names = runs.map { $0.failure == nil ? $0.action : "\($0.action) (failed)" }
            lines.append("    \(playbook): \(names.isEmpty ? "no action ran" : names.joined(separator: ", "))")
        }
        for run in event.failedActions {
            lines.append(
                "    error: action '\(run.action)' in \(run.playbook) on \(event.summary): \(MessageText.escaped(run.failure?.message ?? "")) [\(run.failure?.code.rawValue ?? "")]"
            )
        }
        for log in event.logs { lines.append("    log: \(log)") }
        for routed in event.findings {
            var target = routed.sinks.isEmpty ? "no sink" : routed.sinks.joined(separator: ", ")
            if !routed.undefinedSinks.isEmpty {
                let names = routed.undefinedSinks.joined(separator: ", ")
                target += " (\(names) \(routed.undefinedSinks.count == 1 ? "is" : "are") not defined)"
            } else if routed.sinks.isEmpty {
                target += " accepts it"
            }
            lines.append("    finding [\(routed.finding.severity.rawValue.uppercased())] \(routed.finding.title) → \(target)")
            if details {
                for line in FindingText.render(routed.finding).split(separator: "\n", omittingEmptySubsequences: false) {
                    lines.append("        " + line)
                }
            }
        }
        return lines
    }
}

/// Totals over a replay, for the summary line.
public struct ReplayTotals: Sendable {
    public var inputs = 0
    public var unreadable = 0
    public var kubernetesChanges = 0
    public var webhooks = 0
    public var alerts = 0
    public var duplicates = 0
    public var playbookRuns = 0
    public var actionRuns = 0
    public var actionFailures = 0
    public var findings = 0
    public var findingsBySink: [String: Int] = [:]
    public var unroutedFindings = 0

    public init() {}

    public mutating func add(_ report: InputReport) {
        inputs += 1
        switch report.kind {
        case nil: unreadable += 1
        case .kubernetes: kubernetesChanges += 1
        case .alertmanager:
            webhooks += 1
            alerts += report.events.count
        }
        for event in report.events {
            if event.duplicate { duplicates += 1 }
            playbookRuns += event.playbooks.count
            actionRuns += event.actions.count
            actionFailures += event.failedActions.count
            findings += event.findings.count
            for routed in event.findings {
                if routed.sinks.isEmpty { unroutedFindings += 1 }
                for sink in routed.sinks { findingsBySink[sink, default: 0] += 1 }
            }
        }
    }

    public var summary: String {
        var text =
            "Replayed \(inputs) input\(inputs == 1 ? "" : "s"): \(kubernetesChanges) Kubernetes change\(kubernetesChanges == 1 ? "" : "s"), "
        text += "\(webhooks) Alertmanager webhook\(webhooks == 1 ? "" : "s") with \(alerts) alert\(alerts == 1 ? "" : "s")"
        text += " (\(duplicates) duplicate\(duplicates == 1 ? "" : "s")), \(unreadable) unreadable.\n"
        text +=
            "Playbooks fired \(playbookRuns) time\(playbookRuns == 1 ? "" : "s"); \(actionRuns) action\(actionRuns == 1 ? "" : "s") ran, "
        text += "\(actionFailures) failed; \(findings) finding\(findings == 1 ? "" : "s")"
        let sinks = findingsBySink.keys.sorted().map { "\($0): \(findingsBySink[$0]!)" }
        if !sinks.isEmpty || unroutedFindings > 0 {
            text += " (" + (sinks + (unroutedFindings > 0 ? ["no sink: \(unroutedFindings)"] : [])).joined(separator: ", ") + ")"
        }
        return text + ".\n"
    }
}
