import _TriggerfishCore

/// The Kubernetes API permissions a config needs, derived from `schema/permissions.yaml`: the
/// runner's (watch the kinds its triggers fire for, read the objects alerts name, a Lease for
/// leader election, a ConfigMap for the schedule state) and those of its actions, each rule
/// applied only where its `when:` parameters match. `triggerfish rbac` prints them as a
/// ClusterRole (``clusterRules``) and a Role in the runner's namespace (``namespacedRules``).
///
/// Rules are merged (one rule per API group and set of verbs) and sorted: the same config always
/// gives the same text, with no wildcard.
public struct RequiredPermissions: Sendable, Equatable {
    /// Cluster-wide rules: the ClusterRole.
    public var clusterRules: [PermissionRule]
    /// Rules in the runner's own namespace: the Role.
    public var namespacedRules: [PermissionRule]

    /// An action named by a manual trigger that the schema does not declare.
    public struct UnknownAction: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var known: [String]
        public var description: String { "unknown action \(quoted: name)\(Suggestions.didYouMean(name, in: known))" }
    }

    /// The permissions of `config`'s playbooks, plus those of `manualActions`, actions run by
    /// hand (`/api/trigger`, `triggerfish trigger`): reading the object of the event a manual
    /// trigger builds, and every rule of the action whatever its parameters (they are given
    /// with the trigger).
    public init(config: PlaybookConfig, manualActions: [String] = []) throws(UnknownAction) {
        let schema = config.schema
        let runner = schema.runnerPermissions
        var cluster = RuleSet()
        for kind in Self.watchedKinds(of: config) {
            cluster.add(kind: kind, verbs: runner.watchedKindVerbs)
        }
        let triggers = config.playbooks.flatMap(\.triggers).compactMap { schema.trigger(named: $0.key) }
        if triggers.contains(where: { $0.source == .prometheus }) {
            for kind in Self.alertKinds(in: schema) { cluster.add(kind: kind, verbs: runner.alertKindVerbs) }
        }
        for playbook in config.playbooks {
            for action in playbook.actions {
                guard let definition = schema.action(named: action.name), let permissions = schema.permissions(ofAction: action.name)
                else { continue }
                for rule in permissions.rules where Self.applies(rule, to: action.parameters, of: definition) {
                    cluster.add(rule.rule)
                }
                if !permissions.eventKindVerbs.isEmpty {
                    for kind in Self.eventKinds(of: playbook.triggers, for: definition, in: schema) {
                        cluster.add(kind: kind, verbs: permissions.eventKindVerbs)
                    }
                }
            }
        }
        for name in manualActions {
            guard let definition = schema.action(named: name) else {
                throw UnknownAction(name: name, known: schema.actions.map(\.name))
            }
            let kinds = Self.manualKinds(for: definition, in: schema)
            for kind in kinds { cluster.add(kind: kind, verbs: runner.manualKindVerbs) }
            guard let permissions = schema.permissions(ofAction: name) else { continue }
            for rule in permissions.rules { cluster.add(rule.rule) }
            for kind in kinds { cluster.add(kind: kind, verbs: permissions.eventKindVerbs) }
        }
        var namespaced = RuleSet()
        for rule in runner.leaderElection { namespaced.add(rule) }
        if triggers.contains(where: { $0.source == .schedule }) {
            for rule in runner.scheduleState { namespaced.add(rule) }
        }
        clusterRules = cluster.rules
        namespacedRules = namespaced.rules
    }

    /// The kinds `config`'s Kubernetes triggers fire for, in the schema's order: what a watch of
    /// the API server must list and watch. A trigger for any kind (`on_kubernetes_any_resource_*`)
    /// needs every kind of the schema, `on_kubernetes_resource_operation` the kinds its
    /// `resources` name (every kind when it names none).
    public static func watchedKinds(of config: PlaybookConfig) -> [KindDefinition] {
        let names = Set(config.playbooks.flatMap(\.triggers).flatMap { kinds(firedBy: $0, in: config.schema).map(\.name) })
        return config.schema.kinds.filter { names.contains($0.name) }
    }

    /// The kinds one trigger fires for; none for a trigger that is not a Kubernetes one.
    static func kinds(firedBy trigger: PlaybookConfig.Trigger, in schema: Schema) -> [KindDefinition] {
        guard let definition = schema.trigger(named: trigger.key), definition.source == .kubernetes else { return [] }
        if let kind = definition.kind { return schema.kinds.filter { $0.name == kind } }
        if definition.condition == "resource_operation", let named = trigger.parameters["resources"]?.arrayValue, !named.isEmpty {
            let lowercased = Set(named.compactMap(\.stringValue).map { $0.lowercased() })
            return schema.kinds.filter { lowercased.contains($0.lowercased) }
        }
        return schema.kinds
    }

    /// The kinds an alert may name: those of the schema's alert labels, and Node.
    static func alertKinds(in schema: Schema) -> [KindDefinition] {
        let names = Set(schema.alertLabels.map(\.kind) + ["Node"])
        return schema.kinds.filter { names.contains($0.name) }
    }

    /// The kinds of the objects an action bound to `triggers` is given: those the triggers fire for
    /// (alerts: the kinds they name) whose events the action accepts.
    static func eventKinds(of triggers: [PlaybookConfig.Trigger], for action: _TriggerfishCore.ActionDefinition, in schema: Schema)
        -> [KindDefinition]
    {
        var names: Set<String> = []
        for trigger in triggers {
            guard let definition = schema.trigger(named: trigger.key) else { continue }
            let kinds = definition.source == .prometheus ? alertKinds(in: schema) : kinds(firedBy: trigger, in: schema)
            for kind in kinds where schema.selfAndAncestors(of: kind.changeEventName).contains(action.event) {
                names.insert(kind.name)
            }
        }
        return schema.kinds.filter { names.contains($0.name) }
    }

    /// The kinds whose event a manual trigger of `action` can build.
    static func manualKinds(for action: _TriggerfishCore.ActionDefinition, in schema: Schema) -> [KindDefinition] {
        schema.kinds.filter { schema.selfAndAncestors(of: $0.eventName).contains(action.event) }
    }

    /// Whether each `when:` parameter of `rule` has its value: as the playbook gives it, else by
    /// the action's default.
    static func applies(_ rule: ActionPermissions.Rule, to parameters: JSONValue, of action: _TriggerfishCore.ActionDefinition) -> Bool {
        rule.when.allSatisfy { name, expected in
            let given = parameters[name] ?? action.parameters.first { $0.name == name }?.defaultValue
            return given == expected
        }
    }

    /// Rules being merged: verbs by API group and resource.
    struct RuleSet {
        var verbs: [String: [String: Set<String>]] = [:]

        mutating func add(_ rule: PermissionRule) {
            for group in rule.apiGroups {
                for resource in rule.resources { verbs[group, default: [:]][resource, default: []].formUnion(rule.verbs) }
            }
        }

        mutating func add(kind: KindDefinition, verbs: [String]) {
            guard !verbs.isEmpty else { return }
            let resource = KubernetesResource(kind: kind.name, apiVersion: kind.apiVersion, namespaced: kind.namespaced)
            add(PermissionRule(apiGroups: [resource.group], resources: [resource.plural], verbs: verbs))
        }

        /// One rule per API group and set of verbs, its resources sorted; rules sorted by group,
        /// then by their first resource; verbs in ``PermissionRule/verbs`` order.
        var rules: [PermissionRule] {
            var result: [PermissionRule] = []
            for group in verbs.keys.sorted() {
                var byVerbs: [[String]: [String]] = [:]
                for (resource, set) in verbs[group]! {
                    byVerbs[PermissionRule.verbs.filter(set.contains), default: []].append(resource)
                }
                result += byVerbs.map { verbs, resources in PermissionRule(apiGroups: [group], resources: resources.sorted(), verbs: verbs)
                }
                .sorted { $0.resources[0] < $1.resources[0] }
            }
            return result
        }
    }
}

extension RequiredPermissions {
    /// The ClusterRole and, when there are namespaced rules, the Role (in `namespace`), both named
    /// `name`, as one YAML stream; `source` is the command that made it, written in a comment.
    public func yaml(name: String, namespace: String, source: String) -> String {
        var text = "# Made by `\(source)` from schema/permissions.yaml; regenerate it rather than edit it (docs/deploy.md).\n"
        text += Self.role(kind: "ClusterRole", name: name, namespace: nil, rules: clusterRules)
        if !namespacedRules.isEmpty {
            text += "---\n" + Self.role(kind: "Role", name: name, namespace: namespace, rules: namespacedRules)
        }
        return text
    }

    static func role(kind: String, name: String, namespace: String?, rules: [PermissionRule]) -> String {
        var lines = ["apiVersion: rbac.authorization.k8s.io/v1", "kind: \(kind)", "metadata:", "  name: \(name)"]
        if let namespace { lines.append("  namespace: \(namespace)") }
        if rules.isEmpty {
            lines.append("rules: []")
        } else {
            lines.append("rules:")
            for rule in rules {
                lines.append("  - apiGroups: \(flowList(rule.apiGroups))")
                lines.append("    resources: \(flowList(rule.resources))")
                lines.append("    verbs: \(flowList(rule.verbs))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `[get, list]`, `[""]`: groups, resources and verbs are plain YAML scalars, except the core group.
    static func flowList(_ items: [String]) -> String {
        "[" + items.map { $0.isEmpty ? "\"\"" : $0 }.joined(separator: ", ") + "]"
    }
}
