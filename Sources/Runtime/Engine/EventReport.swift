/// What happened to one event (a Kubernetes change, or one alert of a webhook).
///
/// Its `description` is what `triggerfish replay` prints for the event (``ReportFormatting``):
///
/// ```
/// Pod default/web-1 update
///     playbook 1 (playbooks.yaml:2): count_pods
///     finding [INFO] 1 pod(s) named web-* seen → no sink accepts it
/// ```
public struct EventReport: Sendable, CustomStringConvertible {
    /// What the event is about, e.g. `Pod default/web-1 update` or `alert KubePodCrashLooping firing`.
    public var summary: String
    /// `true` for an alert already handled within the de-duplication window (nothing ran).
    public var duplicate = false
    /// Display names of the playbooks that fired, in execution order.
    public var playbooks: [String] = []
    /// Actions invoked, in execution order.
    public var actions: [ActionRun] = []
    /// Findings, newest first, each with the sinks that accept it.
    public var findings: [RoutedFinding] = []
    /// Messages actions wrote to the log.
    public var logs: [String] = []

    public init(summary: String) {
        self.summary = summary
    }

    public var failedActions: [ActionRun] { actions.filter { $0.failure != nil } }

    /// The event as `triggerfish replay` prints it, without the final newline.
    public var description: String { String(ReportFormatting.text(self).dropLast()) }
}
