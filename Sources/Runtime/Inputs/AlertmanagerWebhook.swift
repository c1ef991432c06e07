/// An Alertmanager webhook (v4) body: a group of alerts sent to one receiver.
public struct AlertmanagerWebhook: Sendable, Hashable {
    public var receiver: String
    public var status: String
    public var externalURL: String
    public var groupKey: String
    public var version: String
    public var alerts: [PrometheusAlert]
    public var commonLabels: [String: String]
    public var commonAnnotations: [String: String]
    public var groupLabels: [String: String]

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
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.groupLabels = groupLabels
    }
}
