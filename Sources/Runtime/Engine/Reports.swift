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

/// One invocation of an action.
public struct ActionRun: Sendable, Hashable {
    public var action: String
    public var playbook: String
    /// Why it failed; `nil` when it succeeded.
    public var failure: ActionFailure?
}

/// An action's error, as reported.
public struct ActionFailure: Sendable, Hashable {
    /// `event_mismatch`, `invalid_parameters`, `failed`, `not_implemented`, `unknown_action`.
    public var code: String
    public var message: String
}

/// A finding and the sinks it goes to (after the sinks' scope, match and stop).
public struct RoutedFinding: Sendable {
    public var finding: Finding
    public var sinks: [String]
    /// Sinks the playbook named that the config does not define (so nothing was sent there).
    public var undefinedSinks: [String] = []
}

/// What happened to one input (one line of a recording, one HTTP body). Its `description` is
/// what `triggerfish replay` prints for it.
public struct InputReport: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case kubernetes
        case alertmanager
    }

    /// 0-based position in the input stream.
    public var index: Int
    /// `nil` when the input could not be read.
    public var kind: Kind?
    /// Why the input could not be read; `nil` when it was.
    public var error: String?
    /// The events it became: one for a Kubernetes change, one per alert of a webhook.
    public var events: [EventReport]

    public init(index: Int, kind: Kind?, error: String? = nil, events: [EventReport] = []) {
        self.index = index
        self.kind = kind
        self.error = error
        self.events = events
    }

    /// The input as `triggerfish replay` prints it, without the final newline.
    public var description: String { String(ReportFormatting.text(self).dropLast()) }
}
