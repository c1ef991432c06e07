import Foundation

/// What the actions read from an alert beyond its fields: resolution, a clean description, times.
extension PrometheusAlert {
    /// Whether Alertmanager reports the alert as resolved (`status`, any case).
    public var isResolved: Bool { status.lowercased() == "resolved" }

    /// The `description` annotation with a `LABELS = map[...]` at its end removed (Alertmanager
    /// templates often append the labels, which the labels table already shows); empty when
    /// there is none. Only the last line is considered, and text before the marker is kept.
    public var cleanDescription: String {
        guard let text = annotations["description"], !text.isEmpty else { return "" }
        // Most descriptions have no marker; looking for its bytes first spares them the search
        // by characters below, which cost more than the rest of an alert's finding. Where the
        // bytes are missing no line holds the marker, even by Foundation's comparison of
        // characters: the marker is ASCII, and no other character decomposes canonically into
        // any of its characters.
        guard AlertResources.contains(text, "LABELS = map[") else { return text }
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
