/// One invocation of an action.
public struct ActionRun: Sendable, Hashable {
    public var action: String
    public var playbook: String
    /// Why it failed; `nil` when it succeeded.
    public var failure: ActionFailure?
}
