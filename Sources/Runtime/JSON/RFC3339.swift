import Foundation
import Synchronization

/// RFC 3339 timestamps as Kubernetes and Alertmanager write them.
public enum RFC3339 {
    /// `nil` when the text is not a timestamp.
    public static func date(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// UTC, with fractional seconds only when there are any.
    public static func format(_ date: Date) -> String {
        let whole = date.timeIntervalSince1970.rounded(.down)
        let style =
            date.timeIntervalSince1970 == whole
            ? Date.ISO8601FormatStyle(timeZone: .gmt) : Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        return date.formatted(style)
    }
}
