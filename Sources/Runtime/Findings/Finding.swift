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

    public init(
        title: String, description: String? = nil, severity: Severity = .info, aggregationKey: String, source: String = "none",
        subject: FindingSubject = FindingSubject(), enrichments: [Enrichment] = [], fingerprint: String? = nil,
        startsAt: Date? = nil, endsAt: Date? = nil
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
    }

    /// A stable 64-bit FNV-1a hash (hex) of the subject's kind, namespace and name, the source and
    /// the aggregation key: the same for the same thing reported again, across runs and machines.
    public static func defaultFingerprint(subject: FindingSubject, source: String, aggregationKey: String) -> String {
        let parts = [subject.kind ?? "", subject.namespace ?? "", subject.name ?? "", source, aggregationKey]
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in parts.joined(separator: "\u{1F}").utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// What a finding is about.
public struct FindingSubject: Sendable, Hashable {
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var node: String?
    public var labels: [String: String]
    public var annotations: [String: String]

    public init(
        kind: String? = nil, name: String? = nil, namespace: String? = nil, node: String? = nil, labels: [String: String] = [:],
        annotations: [String: String] = [:]
    ) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.node = node
        self.labels = labels
        self.annotations = annotations
    }

    /// The subject for a Kubernetes object (a pod's node comes from `spec.nodeName`).
    public init(_ object: KubernetesObject) {
        self.init(
            kind: object.kind, name: object.name, namespace: object.namespace,
            node: object.kind == "Node" ? object.name : object.json.value(atPath: "spec.nodeName")?.stringValue,
            labels: object.labels, annotations: object.annotations)
    }
}

/// A titled group of blocks attached to a finding.
public struct Enrichment: Sendable, Hashable {
    public var title: String?
    public var blocks: [Block]

    public init(title: String? = nil, blocks: [Block]) {
        self.title = title
        self.blocks = blocks
    }
}

/// One piece of a finding's content.
public enum Block: Sendable, Hashable {
    case markdown(String)
    case table(headers: [String], rows: [[String]])
    case list([String])
    case json(JSONValue)
    case file(name: String, contents: String)
    /// Changed paths of a Kubernetes object, with old and new values.
    case kubernetesDiff([DiffEntry])
}

/// One changed path between two versions of an object.
public struct DiffEntry: Sendable, Hashable {
    public var path: String
    public var old: JSONValue?
    public var new: JSONValue?

    public init(path: String, old: JSONValue?, new: JSONValue?) {
        self.path = path
        self.old = old
        self.new = new
    }

    /// Every leaf path that differs between two JSON values, sorted by path.
    public static func between(_ old: JSONValue?, _ new: JSONValue?, path: String = "") -> [DiffEntry] {
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            return Set(a.keys).union(b.keys).sorted().flatMap { key in
                between(a[key], b[key], path: path.isEmpty ? key : path + "." + key)
            }
        case (.array(let a)?, .array(let b)?) where a.count == b.count:
            return a.indices.flatMap { between(a[$0], b[$0], path: "\(path)[\($0)]") }
        default:
            return old == new ? [] : [DiffEntry(path: path, old: old, new: new)]
        }
    }
}
