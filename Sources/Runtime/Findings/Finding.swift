import Foundation

/// A notification produced by actions and sent to sinks.
public struct Finding: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable, CaseIterable {
        case debug, info, low, high

        /// Reads Robusta's severity names (`MEDIUM` is `high`, as in Robusta).
        public init?(configName: String) {
            switch configName.uppercased() {
            case "DEBUG": self = .debug
            case "INFO": self = .info
            case "LOW": self = .low
            case "MEDIUM", "HIGH": self = .high
            default: return nil
            }
        }
    }

    public var title: String
    public var description: String?
    public var severity: Severity
    public var aggregationKey: String
    public var source: String
    public var subject: FindingSubject
    public var enrichments: [Enrichment]
    /// Identifies the same finding across events: an alert's own fingerprint, otherwise a stable
    /// hash of the subject, the source and the aggregation key.
    public var fingerprint: String
    /// When what the finding reports started (an alert's `startsAt`), if known.
    public var startsAt: Date?
    /// When it ended (a resolved alert's `endsAt`); `nil` while it lasts or when unknown.
    public var endsAt: Date?
    /// What kind of finding it is, as Robusta's `finding_type` names it: `issue` (the default),
    /// `configuration_change`, `health_check`, `report`.
    public var findingType: String
    /// Whether it reports a failure (Robusta's `failure`; a configuration change does not).
    public var failure: Bool

    public init(
        title: String, description: String? = nil, severity: Severity = .info, aggregationKey: String, source: String = "none",
        subject: FindingSubject = FindingSubject(), enrichments: [Enrichment] = [], fingerprint: String? = nil,
        startsAt: Date? = nil, endsAt: Date? = nil, findingType: String = "issue", failure: Bool = true
    ) {
        self.title = title
        self.description = description
        self.severity = severity
        self.aggregationKey = aggregationKey
        self.source = source
        self.subject = subject
        self.enrichments = enrichments
        self.fingerprint = fingerprint ?? Self.defaultFingerprint(subject: subject, source: source, aggregationKey: aggregationKey)
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.findingType = findingType
        self.failure = failure
    }

    /// A stable 64-bit FNV-1a hash (hex) of the subject's kind, namespace and name, the source and
    /// the aggregation key: the same for the same thing reported again, across runs and machines.
    public static func defaultFingerprint(subject: FindingSubject, source: String, aggregationKey: String) -> String {
        let parts = [subject.kind ?? "", subject.namespace ?? "", subject.name ?? "", source, aggregationKey]
        let hex = String(FNV1a.hash(parts.joined(separator: "\u{1F}")), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension Finding {
    /// Fills in what the action that created the finding left out, from the event it ran on: the
    /// subject when it has none, the source when it is `none`, and then the fingerprint when it
    /// was the default one (it hashes the subject and the source).
    mutating func complete(from event: any TriggerfishEvent) {
        let defaultFingerprint = fingerprint == Self.defaultFingerprint(subject: subject, source: source, aggregationKey: aggregationKey)
        if subject == FindingSubject() { subject = EventSubject.of(event) }
        if source == "none" { source = EventSubject.source(of: event) }
        if defaultFingerprint { fingerprint = Self.defaultFingerprint(subject: subject, source: source, aggregationKey: aggregationKey) }
    }
}
