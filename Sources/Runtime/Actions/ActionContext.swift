import Foundation
import Synchronization

/// What an action can do besides reading its event: add findings, stop further processing.
/// One context is shared by every playbook that runs for one incoming event.
public final class ActionContext: Sendable {
    struct State {
        /// Newest first, each with the sinks of the playbook that created it.
        var findings: [(finding: Finding, sinks: [String])] = []
        var logs: [String] = []
        var stopProcessing = false
        var currentSinks: [String] = []
        var changes: [DiffEntry]?
        /// The event the running action was given; findings it adds are completed from it.
        var event: (any TriggerfishEvent)?
    }

    let state = Mutex(State())

    /// The cluster, for actions that read or change it; `nil` when the runner has no access to
    /// the Kubernetes API (``kubernetesAPI(for:)`` then throws saying so).
    public let kubernetes: (any KubernetesAPI)?

    /// The engine's clock (``PlaybookEngine/Options/now``), for actions that compare times with
    /// now (a container that crashed "less than 15 minutes ago").
    public let now: @Sendable () -> Date

    public init(kubernetes: (any KubernetesAPI)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.kubernetes = kubernetes
        self.now = now
    }

    /// The cluster, for an action that cannot do its job without it.
    public func kubernetesAPI(for action: String) throws(ActionError) -> any KubernetesAPI {
        guard let kubernetes else {
            throw ActionError(
                .failed, action: action,
                message:
                    "needs the Kubernetes API, and this runner was started without it (serve --kubernetes auto, in-cluster or kubeconfig)"
            )
        }
        return kubernetes
    }

    /// Findings so far, newest first (as Robusta inserts them).
    public var findings: [Finding] { state.withLock { $0.findings.map(\.finding) } }

    /// Findings so far, newest first, each with the sinks it is meant for (the engine routes them).
    package var pendingFindings: [PendingFinding] {
        state.withLock { $0.findings.map { PendingFinding(finding: $0.finding, sinks: $0.sinks) } }
    }

    /// Adds a finding, meant for the running playbook's sinks; later enrichments attach to it.
    ///
    /// A finding is about the event the running action was given: one created without a subject
    /// gets the event's (the changed object, an alert's resource), and one with source `none` the
    /// event's source (`kubernetes_api_server`, `prometheus`, `scheduler`), as ``EventSubject``
    /// gives them, so `Finding(title:aggregationKey:)` from a pod event is about the pod, whether
    /// the action is built in (`create_finding`) or the user's. Its default fingerprint follows.
    public func addFinding(_ finding: Finding) {
        state.withLock { state in
            var finding = finding
            if let event = state.event { finding.complete(from: event) }
            state.findings.insert((finding, state.currentSinks), at: 0)
        }
    }

    /// Adds blocks to the newest finding, creating `makeDefault()` first when there is none;
    /// `type` is Robusta's `enrichment_type` (`k8s_events`, `crash_info`, ...).
    public func addEnrichment(_ blocks: [Block], title: String? = nil, type: String? = nil, makeDefault: () -> Finding) {
        let fallback = state.withLock { $0.findings.isEmpty } ? makeDefault() : nil
        state.withLock { state in
            if state.findings.isEmpty, let fallback { state.findings.append((fallback, state.currentSinks)) }
            state.findings[0].finding.enrichments.append(Enrichment(title: title, blocks: blocks, type: type))
        }
    }

    /// Changes every finding so far.
    public func updateFindings(_ change: (inout Finding) -> Void) {
        state.withLock { state in
            for index in state.findings.indices { change(&state.findings[index].finding) }
        }
    }

    /// Messages actions wrote to the runner's log, oldest first.
    public var logs: [String] { state.withLock { $0.logs } }

    /// Writes a message to the runner's log for this event.
    public func log(_ message: String) {
        state.withLock { $0.logs.append(message) }
    }

    /// Set by an action to skip the remaining actions and playbooks for this event.
    public var stopProcessing: Bool {
        get { state.withLock { $0.stopProcessing } }
        set { state.withLock { $0.stopProcessing = newValue } }
    }

    /// The sinks findings created from now on are meant for (set by the engine per playbook).
    package var currentSinks: [String] {
        get { state.withLock { $0.currentSinks } }
        set { state.withLock { $0.currentSinks = newValue } }
    }

    /// The event the running action was given (set by ``ActionRegistration/run(_:parameters:context:)``).
    package var event: (any TriggerfishEvent)? {
        get { state.withLock { $0.event } }
        set { state.withLock { $0.event = newValue } }
    }

    /// For a Kubernetes update, the differences the running playbook's change filters kept;
    /// `nil` when the trigger has no change filters (actions then compare the objects themselves).
    /// Set by the engine per playbook.
    public package(set) var filteredChanges: [DiffEntry]? {
        get { state.withLock { $0.changes } }
        set { state.withLock { $0.changes = newValue } }
    }
}
