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
    public var summary: String {
        get { summaryParts.text }
        set { summaryParts = .text(newValue) }
    }
    /// The summary as the engine knows it: joined when read, since most reports are counted or
    /// dropped unread, and joining it was an allocation per input.
    var summaryParts: Summary
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
        summaryParts = .text(summary)
    }

    init(summary: Summary) {
        summaryParts = summary
    }

    /// An event's summary, as text or as its parts.
    enum Summary: Sendable {
        case text(String)
        /// "what namespace/name how" ("Pod shop/web-1 update", "alert KubePodCrashLooping firing").
        case parts(what: String, namespace: String?, name: String, how: String)

        var text: String {
            switch self {
            case .text(let text): return text
            case .parts(let what, let namespace, let name, let how):
                // Allocated once at its size: built by interpolation, it grew its buffer and
                // joined the namespace and "/" apart.
                var text = String()
                text.reserveCapacity(what.utf8.count + (namespace.map { $0.utf8.count + 1 } ?? 0) + name.utf8.count + how.utf8.count + 2)
                text += what
                text += " "
                if let namespace {
                    text += namespace
                    text += "/"
                }
                text += name
                text += " "
                text += how
                return text
            }
        }
    }

    public var failedActions: [ActionRun] { actions.filter { $0.failure != nil } }

    /// The event as `triggerfish replay` prints it, without the final newline.
    public var description: String { String(ReportFormatting.text(self).dropLast()) }
}
