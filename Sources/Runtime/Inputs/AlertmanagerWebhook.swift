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
