/// A playbook config after validation: the compiled model the runtime executes. Parameters are
/// JSON with `global_config` merged under every action's own and each sink's schema defaults
/// filled in; scopes, sink `match` rules and `alert_relabel` rules are compiled. Validation is
/// the only place these rules are implemented, so a config that validates is a config that runs.
public struct ValidatedConfig: Sendable {
    public enum Format: String, Sendable {
        case runnerConfig = "runner config"
        case helmValues = "Helm values"
        case playbookList = "playbook list"
        case empty
    }

    public struct Trigger: Sendable {
        public var key: String
        /// The trigger's parameters as written (`{}` when it has none).
        public var parameters: JSONValue
        /// Its `scope` parameter, compiled.
        public var scope: CompiledScope?
        public var location: SourceLocation

        public init(key: String, parameters: JSONValue = [:], scope: CompiledScope? = nil, location: SourceLocation) {
            self.key = key
            self.parameters = parameters
            self.scope = scope
            self.location = location
        }
    }

    public struct Action: Sendable {
        public var name: String
        /// The action's parameters over `global_config` (the action's own values win).
        public var parameters: JSONValue
        public var location: SourceLocation

        public init(name: String, parameters: JSONValue = [:], location: SourceLocation) {
            self.name = name
            self.parameters = parameters
            self.location = location
        }
    }

    public struct Playbook: Sendable {
        public var name: String?
        public var triggers: [Trigger]
        public var actions: [Action]
        public var sinks: [String]?
        public var stop: Bool
        public var location: SourceLocation
        /// Why Robusta's Helm chart would leave this playbook out of the runner's config
        /// (`enablePlatformPlaybooks` off, or named in `disabledPlaybooks`); `nil` when it runs.
        /// Such playbooks are still checked.
        public var inactiveReason: String? = nil
    }

    /// One entry of `sinks_config`: the sink type, its name, and the parameters every sink shares.
    ///
    /// `activity`, `mute_intervals` and `grouping` are kept in ``parameters`` but not applied yet:
    /// a sink with them receives findings at all times, ungrouped.
    public struct Sink: Sendable {
        /// The sink type key: `console_sink`, `file_sink`, `webhook_sink`, `slack_sink`, ...
        public var type: String
        /// The unique name playbooks list sinks by.
        public var name: String
        /// `default`: whether findings of playbooks that list no sinks go here.
        public var isDefault: Bool
        /// `stop`: once this sink accepted a finding, routing ends for the event.
        public var stop: Bool
        /// `scope`, compiled.
        public var scope: CompiledScope?
        /// The legacy `match`, compiled.
        public var match: FindingMatch
        /// The sink's whole parameter mapping, with the schema's defaults for those not given.
        public var parameters: JSONValue
        public var location: SourceLocation
    }

    /// One `alert_relabel` rule: copy label `source` to `target`; `replace` also removes `source`.
    public struct AlertRelabel: Sendable, Hashable {
        public var source: String
        public var target: String
        public var replace: Bool

        public init(source: String, target: String, replace: Bool) {
            self.source = source
            self.target = target
            self.replace = replace
        }
    }

    public var format: Format
    public var playbooks: [Playbook] = []
    public var sinks: [Sink] = []
    public var globalConfig: YAMLNode?
    /// The runner config's `alert_relabel` rules (Helm's `alertRelabel`).
    public var alertRelabel: [AlertRelabel] = []
}

/// Validates playbook configs in Robusta's formats — a runner config (`active_playbooks`), Helm
/// values (`customPlaybooks`, `builtinPlaybooks`, ...) or a bare list of playbooks — against a
/// ``Schema``. This one implementation serves the build-time plugin and `triggerfish validate`.
public struct ConfigValidator: Sendable {
    public let schema: Schema
    public var limits: YAMLLimits
    /// Where custom actions are declared for this caller, added to "unknown action" errors that
    /// have no close match: the build reads a target's `actions.yaml`, the CLI takes `--actions FILE`.
    public var customActionsHint: String?

    public init(schema: Schema, limits: YAMLLimits = .default, customActionsHint: String? = nil) {
        self.schema = schema
        self.limits = limits
        self.customActionsHint = customActionsHint
    }

    public struct Output: Sendable {
        /// The config as read; present even when there are errors, as far as it could be read.
        public var config: ValidatedConfig?
        public var diagnostics: [Diagnostic]
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    static let runnerKeys = ["active_playbooks", "sinks_config", "global_config", "playbook_repos", "alert_relabel", "light_actions"]
    static let helmPlaybookKeys = [
        "priorityBuiltinPlaybooks", "customPlaybooks", "namedCustomPlaybooks", "builtinPlaybooks", "platformPlaybooks",
    ]
    static let helmKeys = helmPlaybookKeys + ["sinksConfig", "globalConfig", "disabledPlaybooks", "enablePlatformPlaybooks", "clusterName"]
    static let playbookKeys = ["triggers", "actions", "sinks", "stop", "name"]

    /// Scope attributes available to Kubernetes triggers, alert triggers and sinks (Robusta's).
    static let kubernetesScopeAttributes = ["name", "namespace", "labels", "annotations", "attributes"]
    static let alertScopeAttributes = ["labels", "annotations"]
    /// A sink's scope sees what its legacy `match` sees, and the namespace's labels.
    static let sinkScopeAttributes = FindingMatch.attributes + ["namespace_labels"]

    public func validate(text: String, file: String) -> Output {
        let parsed = YAMLDocument.parse(text, file: file, limits: limits)
        var run = Run(schema: schema, customActionsHint: customActionsHint)
        run.diagnostics.append(contentsOf: parsed.diagnostics)
        guard let root = parsed.root else {
            // Empty, or YAML too broken to read on.
            let config = parsed.diagnostics.isEmpty ? ValidatedConfig(format: .empty) : nil
            return Output(config: config, diagnostics: run.diagnostics.sorted)
        }
        let config = run.read(root)
        return Output(config: config, diagnostics: run.diagnostics.sorted)
    }

    /// Where values built in code (not read from a file) are said to be in diagnostics.
    public static let codeLocation = SourceLocation.wholeFile("<code>")

    /// Checks and compiles one sink built in code, with the rules a config's sinks go through.
    public func compileSink(type: String, parameters: JSONValue) -> (sink: ValidatedConfig.Sink?, diagnostics: [Diagnostic]) {
        var run = Run(schema: schema, customActionsHint: customActionsHint)
        guard let definition = schema.sink(named: type) else {
            run.diagnostics.error(
                Self.codeLocation, "unknown sink type \(quoted: type)\(Suggestions.didYouMean(type, in: schema.sinks.map(\.key)))")
            return (nil, run.diagnostics.sorted)
        }
        let sink = run.compileSink(definition, parameters: YAMLNode(json: parameters, at: Self.codeLocation), at: Self.codeLocation)
        return (sink, run.diagnostics.sorted)
    }

    /// Checks and compiles a scope built in code; `attributes` limits the attributes it may test
    /// (`nil`: any).
    public func compileScope(_ scope: JSONValue, attributes: [String]? = nil) -> (scope: CompiledScope?, diagnostics: [Diagnostic]) {
        var checker = ParameterChecker(schema: schema, scopeAttributes: attributes)
        let node = YAMLNode(json: scope, at: Self.codeLocation)
        checker.checkScope(node, what: "scope")
        return (checker.compiledScopes[ObjectIdentifier(node)], checker.diagnostics.sorted)
    }
}

private struct Run {
    let schema: Schema
    var diagnostics = DiagnosticList()
    var sinkNames: [String: SourceLocation] = [:]
    var sinksDefined = false
    var sinkReferences: [(String, SourceLocation)] = []
    /// `global_config`, merged under every action's parameters (Robusta's rule).
    var globalParameters: [YAMLPair] = []

    let customActionsHint: String?

    init(schema: Schema, customActionsHint: String?) {
        self.schema = schema
        self.customActionsHint = customActionsHint
    }

    mutating func read(_ root: YAMLNode) -> ValidatedConfig {
        var config: ValidatedConfig
        switch root.content {
        case .sequence(let items):
            config = ValidatedConfig(format: .playbookList)
            config.playbooks = readPlaybooks(items)
        case .mapping(let pairs):
            if pairs.contains(where: { ConfigValidator.helmKeys.contains($0.key) }) {
                globalParameters = root["globalConfig"]?.mapping ?? []
                config = readHelm(root, pairs)
            } else {
                globalParameters = root["global_config"]?.mapping ?? []
                config = readRunner(root, pairs)
            }
        case .scalar:
            diagnostics.error(
                root.location,
                "expected a playbook config: a runner config (a mapping with 'active_playbooks'), Helm values (a mapping with 'customPlaybooks', 'builtinPlaybooks', ...) or a list of playbooks; found \(root.foundDescription)"
            )
            return ValidatedConfig(format: .empty)
        }
        if sinksDefined {
            for (name, location) in sinkReferences where sinkNames[name] == nil {
                if name == "robusta_ui_sink" {
                    // Robusta's Helm chart adds this sink itself when the Robusta platform is enabled.
                    diagnostics.warning(
                        location,
                        "sink 'robusta_ui_sink' is not defined in this file; Robusta's chart defines it when the Robusta platform is enabled, otherwise findings for it are dropped"
                    )
                    continue
                }
                let defined = sinkNames.keys.sorted()
                let suggestion = Suggestions.didYouMean(name, in: defined)
                diagnostics.error(
                    location,
                    "unknown sink \(quoted: name)\(defined.isEmpty ? "; no sinks are defined" : "; defined sinks: \(defined.joined(separator: ", "))")\(suggestion)"
                )
            }
        }
        return config
    }

    mutating func readRunner(_ root: YAMLNode, _ pairs: [YAMLPair]) -> ValidatedConfig {
        var config = ValidatedConfig(format: .runnerConfig)
        for pair in pairs {
            switch pair.key {
            case "active_playbooks":
                config.playbooks = readPlaybookList(pair.value, what: "'active_playbooks'")
            case "sinks_config":
                config.sinks = readSinks(pair.value, what: "'sinks_config'")
            case "global_config":
                config.globalConfig = readGlobalConfig(pair.value, what: "'global_config'")
            case "playbook_repos":
                readPlaybookRepos(pair.value)
            case "alert_relabel":
                config.alertRelabel = readAlertRelabel(pair.value)
            case "light_actions":
                readStringList(pair.value, what: "'light_actions'")
            default:
                let message = MappingReader.unknownKeyMessage(pair.key, in: "the runner config", allowed: ConfigValidator.runnerKeys)
                let hint =
                    pairs.contains(where: { $0.key == "active_playbooks" })
                    ? "" : " (a runner config holds its playbooks under 'active_playbooks')"
                diagnostics.error(pair.keyLocation, message + hint)
            }
        }
        return config
    }

    mutating func readHelm(_ root: YAMLNode, _ pairs: [YAMLPair]) -> ValidatedConfig {
        var config = ValidatedConfig(format: .helmValues)
        // Robusta's chart renders: priorityBuiltin + custom + namedCustom + builtin + platform.
        let platformEnabled = root["enablePlatformPlaybooks"]?.scalar?.value == .bool(true)
        let disabled = Set((root["disabledPlaybooks"]?.sequence ?? []).compactMap { $0.scalar?.string })
        for key in ConfigValidator.helmPlaybookKeys {
            guard let value = pairs.first(where: { $0.key == key })?.value else { continue }
            let first = config.playbooks.count
            defer {
                for index in first..<config.playbooks.count {
                    if key == "platformPlaybooks" && !platformEnabled {
                        config.playbooks[index].inactiveReason = "a platform playbook, and enablePlatformPlaybooks is not true"
                    } else if key != "customPlaybooks" && key != "namedCustomPlaybooks", let name = config.playbooks[index].name,
                        disabled.contains(name)
                    {
                        config.playbooks[index].inactiveReason = "named in disabledPlaybooks"
                    }
                }
            }
            if key == "namedCustomPlaybooks" {
                guard let named = value.mapping else {
                    if value.scalar?.value != .null {
                        diagnostics.error(
                            value.location,
                            "'namedCustomPlaybooks' must be a mapping of names to playbooks, found \(value.foundDescription)")
                    }
                    continue
                }
                config.playbooks += readPlaybooks(named.map(\.value))
            } else {
                config.playbooks += readPlaybookList(value, what: "\(quoted: key)")
            }
        }
        if let sinks = pairs.first(where: { $0.key == "sinksConfig" })?.value {
            config.sinks = readSinks(sinks, what: "'sinksConfig'")
        }
        if let global = pairs.first(where: { $0.key == "globalConfig" })?.value {
            config.globalConfig = readGlobalConfig(global, what: "'globalConfig'")
        }
        if let relabel = pairs.first(where: { $0.key == "alertRelabel" })?.value {
            // The chart renders it as the runner's alert_relabel.
            config.alertRelabel = readAlertRelabel(relabel)
        }
        if let disabled = pairs.first(where: { $0.key == "disabledPlaybooks" })?.value {
            readStringList(disabled, what: "'disabledPlaybooks'")
        }
        return config
    }

    mutating func readStringList(_ node: YAMLNode, what: String) {
        if node.scalar?.value == .null { return }
        guard let items = node.sequence else {
            diagnostics.error(node.location, "\(what) must be a list of strings, found \(node.foundDescription)")
            return
        }
        for item in items where item.scalar?.string == nil {
            diagnostics.error(item.location, "items of \(what) must be strings, found \(item.foundDescription)")
        }
    }

    mutating func readGlobalConfig(_ node: YAMLNode, what: String) -> YAMLNode? {
        if node.scalar?.value == .null { return nil }
        guard node.mapping != nil else {
            diagnostics.error(node.location, "\(what) must be a mapping, found \(node.foundDescription)")
            return nil
        }
        return node
    }

    mutating func readPlaybookRepos(_ node: YAMLNode) {
        if node.scalar?.value == .null { return }
        guard let repos = node.mapping else {
            diagnostics.error(node.location, "'playbook_repos' must be a mapping of names to repositories, found \(node.foundDescription)")
            return
        }
        for repo in repos {
            let what = "playbook repository \(quoted: repo.key)"
            guard let reader = MappingReader(repo.value, what: what, into: &diagnostics) else { continue }
            reader.rejectUnknownKeys(
                allowed: ["url", "key", "branch", "pip_install", "http_headers", "build_isolation"], in: what, into: &diagnostics)
            if reader["url"] == nil { diagnostics.error(repo.keyLocation, "\(what) is missing 'url'") }
            _ = reader.string("url", in: what, into: &diagnostics)
            _ = reader.string("key", in: what, into: &diagnostics)
            _ = reader.string("branch", in: what, into: &diagnostics)
            _ = reader.bool("pip_install", in: what, into: &diagnostics)
            _ = reader.bool("build_isolation", in: what, into: &diagnostics)
        }
    }

    mutating func readAlertRelabel(_ node: YAMLNode) -> [ValidatedConfig.AlertRelabel] {
        if node.scalar?.value == .null { return [] }
        guard let rules = node.sequence else {
            diagnostics.error(node.location, "'alert_relabel' must be a list of rules, found \(node.foundDescription)")
            return []
        }
        var result: [ValidatedConfig.AlertRelabel] = []
        for (index, rule) in rules.enumerated() {
            let what = "alert_relabel rule \(index + 1)"
            guard let reader = MappingReader(rule, what: what, into: &diagnostics) else { continue }
            reader.rejectUnknownKeys(allowed: ["source", "target", "operation"], in: what, into: &diagnostics)
            for key in ["source", "target"] where reader[key] == nil {
                diagnostics.error(rule.location, "\(what) is missing \(quoted: key)")
            }
            let source = reader.string("source", in: what, into: &diagnostics)
            let target = reader.string("target", in: what, into: &diagnostics)
            let operation = reader.string("operation", in: what, into: &diagnostics)
            if let operation, !["add", "replace"].contains(operation) {
                diagnostics.error(
                    reader["operation"]!.location, "\(quoted: operation) is not a valid operation for \(what); expected 'add' or 'replace'")
            }
            if let source, let target {
                result.append(ValidatedConfig.AlertRelabel(source: source, target: target, replace: operation == "replace"))
            }
        }
        return result
    }

    // MARK: Sinks

    mutating func readSinks(_ node: YAMLNode, what: String) -> [ValidatedConfig.Sink] {
        sinksDefined = true
        if node.scalar?.value == .null { return [] }
        guard let items = node.sequence else {
            diagnostics.error(node.location, "\(what) must be a list of sinks, found \(node.foundDescription)")
            return []
        }
        var result: [ValidatedConfig.Sink] = []
        for item in items {
            guard let pairs = item.mapping, pairs.count == 1, let pair = pairs.first else {
                diagnostics.error(
                    item.location,
                    "each sink in \(what) must be a mapping with one key, the sink type (for example 'file_sink: {name: ...}'), found \(item.mapping.map { "\($0.count) keys" } ?? item.foundDescription)"
                )
                continue
            }
            guard let sink = schema.sink(named: pair.key) else {
                let names = schema.sinks.map(\.key)
                let suggestion = Suggestions.didYouMean(pair.key, in: names)
                diagnostics.error(
                    pair.keyLocation,
                    "unknown sink type \(quoted: pair.key)\(suggestion.isEmpty ? "; known sink types: \(names.joined(separator: ", "))" : suggestion)"
                )
                continue
            }
            let compiled = compileSink(sink, parameters: pair.value, at: pair.keyLocation)
            guard let nameNode = pair.value["name"], let name = nameNode.scalar?.string else { continue }
            if let first = sinkNames[name] {
                diagnostics.error(
                    nameNode.location,
                    "sink name \(quoted: name) is already defined at line \(first.line), column \(first.column); sink names must be unique")
                continue
            }
            sinkNames[name] = nameNode.location
            if let compiled { result.append(compiled) }
        }
        return result
    }

    /// Checks one sink's parameters and compiles it; `nil` when it has errors.
    mutating func compileSink(_ sink: SinkDefinition, parameters node: YAMLNode, at location: SourceLocation) -> ValidatedConfig.Sink? {
        let definitions = schema.sinkBaseParameters + sink.parameters
        var checker = ParameterChecker(schema: schema, scopeAttributes: ConfigValidator.sinkScopeAttributes)
        checker.checkParameters(node, against: definitions, owner: "sink \(quoted: sink.key)", ownerLocation: location)
        diagnostics.append(contentsOf: checker.diagnostics.items)
        var match = FindingMatch.all
        if let matchNode = node["match"] {
            guard let compiled = FindingMatch.compile(matchNode, what: "'match' of sink \(quoted: sink.key)", into: &diagnostics) else {
                return nil
            }
            match = compiled
        }
        guard checker.diagnostics.errorCount == 0, let name = node["name"]?.scalar?.string else { return nil }
        var parameters = JSONValue(yaml: node).objectValue ?? [:]
        for definition in definitions where parameters[definition.name] == nil || parameters[definition.name] == .null {
            if let value = definition.defaultValue { parameters[definition.name] = value }
        }
        return ValidatedConfig.Sink(
            type: sink.key, name: name, isDefault: parameters["default"]?.boolValue ?? true, stop: parameters["stop"]?.boolValue ?? false,
            scope: node["scope"].flatMap { checker.compiledScopes[ObjectIdentifier($0)] }, match: match, parameters: .object(parameters),
            location: location)
    }

    // MARK: Playbooks

    mutating func readPlaybookList(_ node: YAMLNode, what: String) -> [ValidatedConfig.Playbook] {
        if node.scalar?.value == .null { return [] }
        guard let items = node.sequence else {
            diagnostics.error(node.location, "\(what) must be a list of playbooks, found \(node.foundDescription)")
            return []
        }
        return readPlaybooks(items)
    }

    mutating func readPlaybooks(_ items: [YAMLNode]) -> [ValidatedConfig.Playbook] {
        items.compactMap { readPlaybook($0) }
    }

    mutating func readPlaybook(_ node: YAMLNode) -> ValidatedConfig.Playbook? {
        guard let reader = MappingReader(node, what: "a playbook", into: &diagnostics) else { return nil }
        let name = reader["name"]?.scalar?.text
        let what = name.map { "playbook \(quoted: $0)" } ?? "the playbook at line \(node.location.line)"
        reader.rejectUnknownKeys(allowed: ConfigValidator.playbookKeys, in: what, into: &diagnostics)
        var playbook = ValidatedConfig.Playbook(name: name, triggers: [], actions: [], sinks: nil, stop: false, location: node.location)
        if let nameNode = reader["name"], nameNode.scalar?.string == nil {
            diagnostics.error(nameNode.location, "'name' of \(what) must be a string, found \(nameNode.foundDescription)")
        }
        playbook.stop = reader.bool("stop", in: what, into: &diagnostics) ?? false
        if let sinks = reader.stringList("sinks", in: what, into: &diagnostics) {
            playbook.sinks = sinks.map(\.0)
            sinkReferences += sinks
        }

        // Triggers.
        if let triggersNode = reader["triggers"] {
            playbook.triggers = readEntries(triggersNode, noun: "trigger", in: what).compactMap { entry in
                guard let trigger = schema.trigger(named: entry.key) else {
                    diagnostics.error(
                        entry.keyLocation,
                        "unknown trigger \(quoted: entry.key) in \(what)\(Suggestions.didYouMean(entry.key, in: schema.triggers.map(\.key)))"
                    )
                    return nil
                }
                var checker = ParameterChecker(schema: schema, scopeAttributes: scopeAttributes(for: trigger))
                checker.checkParameters(
                    entry.value, against: trigger.parameters, exactlyOneOf: trigger.exactlyOneOf, owner: "trigger \(quoted: trigger.key)",
                    ownerLocation: entry.keyLocation)
                diagnostics.append(contentsOf: checker.diagnostics.items)
                return ValidatedConfig.Trigger(
                    key: entry.key, parameters: Self.parameters(entry.value),
                    scope: entry.value["scope"].flatMap { checker.compiledScopes[ObjectIdentifier($0)] }, location: entry.keyLocation)
            }
        } else {
            diagnostics.error(node.location, "\(what) has no 'triggers'; a playbook needs at least one trigger")
        }

        // Actions.
        if let actionsNode = reader["actions"] {
            playbook.actions = readEntries(actionsNode, noun: "action", in: what).compactMap { entry in
                guard let action = schema.action(named: entry.key) else {
                    var suggestion = Suggestions.didYouMean(entry.key, in: schema.actions.map(\.name))
                    if suggestion.isEmpty, let customActionsHint { suggestion = "; \(customActionsHint)" }
                    diagnostics.error(entry.keyLocation, "unknown action \(quoted: entry.key) in \(what)\(suggestion)")
                    return nil
                }
                if !action.isImplemented {
                    diagnostics.warning(entry.keyLocation, Self.notImplementedMessage(action.name))
                }
                var checker = ParameterChecker(schema: schema, scopeAttributes: nil)
                checker.checkParameters(
                    entry.value, against: action.parameters, owner: "action \(quoted: action.name)", ownerLocation: entry.keyLocation,
                    inherited: globalParameters)
                diagnostics.append(contentsOf: checker.diagnostics.items)
                for trigger in playbook.triggers {
                    guard let definition = schema.trigger(named: trigger.key),
                        !schema.isCompatible(trigger: definition, action: action)
                    else { continue }
                    diagnostics.error(entry.keyLocation, incompatibilityMessage(action: action, trigger: definition, at: trigger.location))
                }
                var parameters = Self.parameters(entry.value).objectValue ?? [:]
                for pair in globalParameters where parameters[pair.key] == nil { parameters[pair.key] = JSONValue(yaml: pair.value) }
                return ValidatedConfig.Action(name: entry.key, parameters: .object(parameters), location: entry.keyLocation)
            }
        } else {
            diagnostics.error(node.location, "\(what) has no 'actions'; a playbook needs at least one action")
        }

        // A scheduled playbook runs one action on one schedule.
        let scheduled = playbook.triggers.contains { schema.trigger(named: $0.key)?.source == .schedule }
        let triggerCount = reader["triggers"]?.sequence?.count ?? 0
        let actionCount = reader["actions"]?.sequence?.count ?? 0
        if scheduled && (triggerCount != 1 || actionCount != 1) {
            diagnostics.error(
                node.location,
                "\(what) is scheduled, so it must have exactly one trigger and one action; it has \(triggerCount) trigger\(triggerCount == 1 ? "" : "s") and \(actionCount) action\(actionCount == 1 ? "" : "s")"
            )
        }
        return playbook
    }

    /// A trigger's or action's parameters as JSON: `{}` when there are none (`null` or no value).
    static func parameters(_ node: YAMLNode) -> JSONValue {
        let value = JSONValue(yaml: node)
        return value.isNull ? [:] : value
    }

    /// The warning where a playbook uses a built-in action declared `implemented: false`.
    static func notImplementedMessage(_ action: String) -> String {
        "action \(quoted: action) is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs"
    }

    func scopeAttributes(for trigger: TriggerDefinition) -> [String]? {
        switch trigger.source {
        case .kubernetes: ConfigValidator.kubernetesScopeAttributes
        case .prometheus: ConfigValidator.alertScopeAttributes
        case .schedule: nil
        }
    }

    func incompatibilityMessage(action: ActionDefinition, trigger: TriggerDefinition, at location: SourceLocation) -> String {
        let compatible = schema.compatibleTriggers(for: action).map(\.key)
        let shown = compatible.prefix(10).joined(separator: ", ")
        let more = compatible.count > 10 ? " and \(compatible.count - 10) more\(action.isCustom ? "" : " (see docs/compatibility.md)")" : ""
        let list = compatible.isEmpty ? "no trigger produces it" : "compatible triggers: \(shown)\(more)"
        return
            "action \(quoted: action.name) needs a \(action.event), but trigger \(quoted: trigger.key) (line \(location.line)) produces a \(trigger.event), which is not one; \(list)"
    }

    /// Reads `triggers:` / `actions:`: a non-empty list of one-key mappings.
    mutating func readEntries(_ node: YAMLNode, noun: String, in what: String) -> [YAMLPair] {
        guard let items = node.sequence else {
            diagnostics.error(node.location, "'\(noun)s' of \(what) must be a list, found \(node.foundDescription)")
            return []
        }
        if items.isEmpty {
            diagnostics.error(node.location, "'\(noun)s' of \(what) is empty; a playbook needs at least one \(noun)")
        }
        var result: [YAMLPair] = []
        for item in items {
            if let name = item.scalar?.string {
                // `- on_pod_update` without a colon: accept as a trigger/action with no parameters.
                result.append(YAMLPair(key: name, keyLocation: item.location, value: YAMLNode.null(at: item.location)))
                continue
            }
            guard let pairs = item.mapping, pairs.count == 1 else {
                let found =
                    item.mapping.map { "a mapping with \($0.count) keys (\($0.map(\.key).joined(separator: ", ")))" }
                    ?? item.foundDescription
                diagnostics.error(
                    item.location,
                    "each \(noun) must be a mapping with a single key, the \(noun) name (for example '- \(noun == "trigger" ? "on_pod_update" : "create_finding"): {...}'), found \(found)"
                )
                continue
            }
            result.append(pairs[0])
        }
        return result
    }
}
