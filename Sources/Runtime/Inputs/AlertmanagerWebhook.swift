/// An Alertmanager webhook (v4) body: a group of alerts sent to one receiver.
public struct AlertmanagerWebhook: Sendable, Hashable {
    public var receiver: String
    public var status: String
    public var externalURL: String
    public var groupKey: String
    public var version: String
    public var alerts: [PrometheusAlert]
    /// The group's label and annotation maps, read from the body when first asked for (see
    /// ``UnreadStrings``).
    var commonLabelsField: UnreadStrings
    var commonAnnotationsField: UnreadStrings
    var groupLabelsField: UnreadStrings

    public var commonLabels: [String: String] {
        get { commonLabelsField.value }
        set { commonLabelsField = UnreadStrings(newValue) }
    }

    public var commonAnnotations: [String: String] {
        get { commonAnnotationsField.value }
        set { commonAnnotationsField = UnreadStrings(newValue) }
    }

    public var groupLabels: [String: String] {
        get { groupLabelsField.value }
        set { groupLabelsField = UnreadStrings(newValue) }
    }

    public init(
        receiver: String, status: String, externalURL: String = "", groupKey: String = "", version: String = "4",
        alerts: [PrometheusAlert] = [], commonLabels: [String: String] = [:], commonAnnotations: [String: String] = [:],
        groupLabels: [String: String] = [:]
    ) {
        self.receiver = receiver
        self.status = status
        self.externalURL = externalURL
        self.groupKey = groupKey
        self.version = version
        self.alerts = alerts
        self.commonLabelsField = UnreadStrings(commonLabels)
        self.commonAnnotationsField = UnreadStrings(commonAnnotations)
        self.groupLabelsField = UnreadStrings(groupLabels)
    }
}

/// A map of strings that may still be in the body it came from: checked (an object whose values
/// are all strings) but not built until it is read. A webhook's common and group maps are checked
/// as Robusta checks them, but nothing in the engine reads them, and building them was an eighth
/// of a body's allocations. Compared and hashed by its value.
struct UnreadStrings: Sendable, Hashable {
    enum Storage: Sendable {
        case built([String: String])
        /// A checked object whose values are all strings.
        case unread(JSONNode)
    }

    var storage: Storage

    init(_ strings: [String: String]) { storage = .built(strings) }

    init(unread node: JSONNode) { storage = .unread(node) }

    /// The map, built again at each read of an unread one.
    var value: [String: String] {
        switch storage {
        case .built(let strings): strings
        case .unread(let node): node.strings ?? [:]
        }
    }

    static func == (left: UnreadStrings, right: UnreadStrings) -> Bool { left.value == right.value }

    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
