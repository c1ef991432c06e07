import Foundation

/// The finding an event gets when an action enriches it before any finding exists (Robusta's
/// `create_default_finding`): what `ActionContext.addEnrichment(_:title:makeDefault:)` creates.
public enum DefaultFinding {
    /// The default finding for any event, by its type:
    /// - an alert: ``forAlert(_:)``;
    /// - a Kubernetes change: "Update to deployment web" (or "Kubernetes update" for an object
    ///   without a name), aggregation key `GenericChange`;
    /// - a scheduled run: "General scheduled task", `GeneralScheduledTask`;
    /// - anything else: "Robusta notification", `GenericFindingKey`.
    ///
    /// As in Robusta (reference A.5), only the alert's finding has a subject and a source; the
    /// others keep the defaults: source `none`, no subject.
    public static func of(_ event: any TriggerfishEvent) -> Finding {
        if let alert = event as? any PrometheusKubernetesAlert { return forAlert(alert) }
        if let change = event as? any KubernetesAnyChangeEvent {
            let operation = change.operation.rawValue
            let title: String
            if let name = change.object.name {
                title = "\(operation.prefix(1).uppercased() + operation.dropFirst()) to \((change.object.kind ?? "").lowercased()) \(name)"
            } else {
                title = "Kubernetes \(operation)"
            }
            return Finding(title: title, aggregationKey: "GenericChange")
        }
        if event is any ScheduledExecutionEvent {
            return Finding(title: "General scheduled task", aggregationKey: "GeneralScheduledTask")
        }
        return Finding(title: "Robusta notification", aggregationKey: "GenericFindingKey")
    }

    /// An alert's finding (Robusta's, reference §3.3):
    /// - title: `[RESOLVED] ` for a resolved alert, then the `summary` annotation, or the alert
    ///   name when there is no summary;
    /// - description: the `description` annotation without a trailing `LABELS = map[...]`, `""`
    ///   when there is none;
    /// - aggregation key: the alert name;
    /// - severity: the `severity` label (critical, high, medium, error: high; warning, low: low;
    ///   info: info; debug: debug; anything else or none: info);
    /// - source `prometheus`, the alert's subject, its fingerprint, and its start and end (none
    ///   when Alertmanager sends `0001-01-01T00:00:00Z`).
    public static func forAlert(_ event: some PrometheusKubernetesAlert) -> Finding {
        let alert = event.alert
        let summary = alert.annotations["summary"] ?? ""
        let title = (alert.isResolved ? "[RESOLVED] " : "") + (summary.isEmpty ? alert.name : summary)
        return Finding(
            title: title,
            description: alert.cleanDescription,
            severity: alertSeverity(alert.label("severity")),
            aggregationKey: alert.name,
            source: "prometheus",
            subject: EventSubject.of(event),
            fingerprint: alert.fingerprint.isEmpty ? nil : alert.fingerprint,
            startsAt: alert.startDate,
            endsAt: alert.endDate)
    }

    /// Robusta's map from an alert's `severity` label (any case) to a finding severity; `info`
    /// for a missing or unknown label.
    public static func alertSeverity(_ label: String?) -> Finding.Severity {
        switch (label ?? "info").lowercased() {
        case "critical", "high", "medium", "error": .high
        case "warning", "low": .low
        case "debug": .debug
        default: .info
        }
    }
}
