/// One recorded input line, as Robusta's runner receives it over HTTP.
public enum RecordedInput: Sendable {
    /// A kubewatch CloudEvent (`POST /api/handle`).
    case kubernetes(KubernetesChange)
    /// An Alertmanager webhook v4 body (`POST /api/alerts`).
    case alerts(AlertmanagerWebhook)
}
