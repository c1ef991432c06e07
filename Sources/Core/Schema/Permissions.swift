/// One RBAC policy rule: `verbs` on `resources` (a plural, or `plural/subresource`) of `apiGroups`
/// (`""` is the core group), as a Kubernetes `Role` or `ClusterRole` lists it.
public struct PermissionRule: Sendable, Hashable {
    public var apiGroups: [String]
    public var resources: [String]
    public var verbs: [String]

    public init(apiGroups: [String], resources: [String], verbs: [String]) {
        self.apiGroups = apiGroups
        self.resources = resources
        self.verbs = verbs
    }

    /// The verbs a rule in `schema/permissions.yaml` may name, in the order rules list them. The
    /// wildcard `*` is not one of them: Triggerfish asks for exactly what it uses.
    public static let verbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]
}

/// What one built-in action needs from the Kubernetes API (`permissions` in `schema/permissions.yaml`).
public struct ActionPermissions: Sendable {
    /// A rule, applying always or only when the action's parameters have given values.
    public struct Rule: Sendable {
        public var rule: PermissionRule
        /// Parameter values the rule depends on (`when:`): it applies only when every one of these
        /// parameters has this value, as the playbook gives it or else by its default. Empty: always.
        public var when: [String: JSONValue]
        public var location: SourceLocation
    }

    public var action: String
    public var rules: [Rule]
    /// Verbs on the kinds of the objects the action is given (the kinds its playbook's triggers
    /// fire for, or the kind a manual trigger names); empty when it reads no such object.
    public var eventKindVerbs: [String]
    public var location: SourceLocation
}

/// What the runner itself needs (`runner_permissions` in `schema/permissions.yaml`).
public struct RunnerPermissions: Sendable {
    /// Verbs on each kind a playbook's Kubernetes trigger watches.
    public var watchedKindVerbs: [String] = []
    /// Verbs on each kind an alert names (the kinds of `alert_labels`, and Node), read when a
    /// Prometheus trigger fires.
    public var alertKindVerbs: [String] = []
    /// Verbs on the kind a manual trigger's event is built from.
    public var manualKindVerbs: [String] = []
    /// Rules in the runner's own namespace for leader election (a Lease); always needed.
    public var leaderElection: [PermissionRule] = []
    /// Rules in the runner's own namespace for the scheduler's state (a ConfigMap); needed when
    /// a playbook runs on a schedule.
    public var scheduleState: [PermissionRule] = []

    public init() {}
}

extension Schema {
    /// The Kubernetes API permissions `action` needs; `nil` when it needs none.
    public func permissions(ofAction action: String) -> ActionPermissions? {
        actionPermissions.first { $0.action == action }
    }
}
