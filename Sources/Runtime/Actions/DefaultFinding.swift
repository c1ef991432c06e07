import Foundation

/// The finding an event gets when an action enriches it before any finding exists (Robusta's
/// `create_default_finding`): what `ActionContext.addEnrichment(_:title:makeDefault:)` creates.
public enum DefaultFinding {
    /// The default finding for any event, by its type:
    /// - an alert: ``forAlert(_:)``;
    /// - a Kubernetes change: "Update to deployment web" (or "Kubernetes update" for an object
    ///   without a name), aggregation key `GenericChange`;
    /// - a scheduled run: "General scheduled task", `GeneralScheduledTask`, source `scheduler`;
    /// - anything else: "Robusta notification", `GenericFindingKey`.
    ///
    /// As in Robusta, only the alert's finding has a subject.
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
            return Finding(title: "General scheduled task", aggregationKey: "GeneralScheduledTask", source: "scheduler")
        }
        return Finding(title: "Robusta notification", aggregationKey: "GenericFindingKey")
    }

    /// An alert's finding (Robusta's, reference §3.3):
    /// - title: `[RESOLVED] ` for a resolved alert, then the `summary` annotation, or the alert
    ///   name when there is no summary;
    /// - description: the `description` annotation without a trailing `LABELS = map[...]`;
    /// - aggregation key: the alert name;
    /// - severity: the `severity` label (critical, high, medium, error: high; warning, low: low;
    ///   info: info; debug: debug; anything else or none: info);
    /// - source `prometheus`, the alert's subject, its fingerprint, and its start and end (none
    ///   when Alertmanager sends `0001-01-01T00:00:00Z`).
    public static func forAlert(_ event: some PrometheusKubernetesAlert) -> Finding {
        let alert = event.alert
        let summary = alert.annotations["summary"] ?? ""
        let title = (alert.isResolved ? "[RESOLVED] " : "") + (summary.isEmpty ? alert.name : summary)
        let description = alert.cleanDescription
        return Finding(
            title: title,
            description: description.isEmpty ? nil : description,
            severity: alertSeverity(alert.labels["severity"]),
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

extension PrometheusAlert {
    /// Whether Alertmanager reports the alert as resolved (`status`, any case).
    public var isResolved: Bool { status.lowercased() == "resolved" }

    /// The `description` annotation with a `LABELS = map[...]` at its end removed (Alertmanager
    /// templates often append the labels, which the labels table already shows); empty when
    /// there is none. Only the last line is considered, and text before the marker is kept.
    public var cleanDescription: String {
        guard let text = annotations["description"], !text.isEmpty else { return "" }
        // The marker and its closing bracket must be on the last line (a final newline is kept).
        let body = text.hasSuffix("\n") ? text.dropLast() : Substring(text)
        let lineStart = body.lastIndex(of: "\n").map { body.index(after: $0) } ?? body.startIndex
        let lastLine = body[lineStart...]
        guard let marker = lastLine.range(of: "LABELS = map["), lastLine.hasSuffix("]") else { return text }
        return String(text[..<marker.lowerBound]) + (text.hasSuffix("\n") ? "\n" : "")
    }

    /// `startsAt` as a date; `nil` when it is missing, not RFC 3339, or Alertmanager's
    /// `0001-01-01T00:00:00Z` (no time).
    public var startDate: Date? { Self.date(fromRFC3339: startsAt) }

    /// `endsAt` as a date; `nil` while the alert lasts (`0001-01-01T00:00:00Z`) or when missing.
    public var endDate: Date? { Self.date(fromRFC3339: endsAt) }

    /// Reads an alert's RFC 3339 timestamp (``RFC3339/date(_:)``). Times at or before the Unix
    /// epoch count as none, as in Robusta, so Alertmanager's `0001-01-01T00:00:00Z` gives `nil`.
    public static func date(fromRFC3339 text: String) -> Date? {
        RFC3339.date(text).flatMap { $0.timeIntervalSince1970 > 0 ? $0 : nil }
    }
}
