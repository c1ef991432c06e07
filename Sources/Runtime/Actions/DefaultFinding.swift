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

    /// Reads an RFC 3339 timestamp (`2024-05-01T12:30:00Z`, `2024-05-01T14:30:00.123456789+02:00`).
    /// Times at or before the Unix epoch count as none, as in Robusta, so Alertmanager's
    /// `0001-01-01T00:00:00Z` gives `nil`.
    public static func date(fromRFC3339 text: String) -> Date? {
        let scalars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[index..<index + digits] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }
        func expect(_ allowed: String) -> Bool {
            guard index < scalars.count, allowed.utf8.contains(scalars[index]) else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect("-"), let month = number(2), expect("-"), let day = number(2), expect("Tt "),
            let hour = number(2), expect(":"), let minute = number(2), expect(":"), let second = number(2)
        else { return nil }
        var fraction = 0.0
        if index < scalars.count, scalars[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < scalars.count, scalars[index] >= 48, scalars[index] <= 57 {
                fraction += Double(scalars[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        var offset = 0
        if expect("Zz") {
            offset = 0
        } else if index < scalars.count, scalars[index] == UInt8(ascii: "+") || scalars[index] == UInt8(ascii: "-") {
            let sign = scalars[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let hours = number(2), expect(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
        } else {
            return nil
        }
        guard index == scalars.count, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24,
            minute < 60, second <= 60
        else { return nil }
        let seconds = Double(daysFromEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
        let interval = seconds + fraction
        return interval > 0 ? Date(timeIntervalSince1970: interval) : nil
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar.
    static func daysFromEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
