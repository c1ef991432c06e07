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
    /// Identifies the same finding across events: an alert's own fingerprint, otherwise
    /// Robusta's: the sha256 hex of the subject, the source and the aggregation key
    /// (``defaultFingerprint(subject:source:aggregationKey:)``), computed when the finding is made.
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

    /// Robusta's default fingerprint: the sha256 hex of
    /// `"{subject_type},{name},{namespace},{node},{source}{aggregation_key}"` written as Python
    /// writes those values: the subject type as its enum member (`FindingSubjectType.TYPE_POD`,
    /// `FindingSubjectType.TYPE_NONE` for kinds Robusta has no type for), a missing value as
    /// `None` (so is the source `none`), and nothing between the source and the key. The same
    /// thing reported again gets the same fingerprint, here and in Robusta.
    public static func defaultFingerprint(subject: FindingSubject, source: String, aggregationKey: String) -> String {
        func python(_ value: String?) -> String { value ?? "None" }
        let parts = [subjectTypeName(kind: subject.kind), python(subject.name), python(subject.namespace), python(subject.node)]
        let sourceValue = source == "none" ? "None" : source
        return SHA256.hex(parts.joined(separator: ",") + "," + sourceValue + aggregationKey)
    }

    /// Robusta's `FindingSubjectType.from_kind` (the kind lower-cased), written as Python writes
    /// the enum member: `FindingSubjectType.TYPE_DEPLOYMENT`; any other kind is `TYPE_NONE`.
    static func subjectTypeName(kind: String?) -> String {
        "FindingSubjectType." + (subjectType(kind: kind)?.member ?? "TYPE_NONE")
    }

    /// Robusta's subject type for a kind: its enum member and value (`TYPE_POD`, `pod`); `nil`
    /// for a kind it has no type for (`TYPE_NONE`, whose value is None).
    static func subjectType(kind: String?) -> (member: String, value: String)? {
        switch kind?.lowercased() {
        case "deployment": ("TYPE_DEPLOYMENT", "deployment")
        case "node": ("TYPE_NODE", "node")
        case "pod": ("TYPE_POD", "pod")
        case "job": ("TYPE_JOB", "job")
        case "daemonset": ("TYPE_DAEMONSET", "daemonset")
        case "statefulset": ("TYPE_STATEFULSET", "statefulset")
        case "horizontalpodautoscaler": ("TYPE_HPA", "horizontalpodautoscaler")
        case "helmreleases": ("TYPE_HELM_RELEASES", "helmreleases")
        default: nil
        }
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
