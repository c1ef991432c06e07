import Foundation
import _TriggerfishCore
import _TriggerfishFileIO

/// A playbook config ready to run: validated by the same ``ConfigValidator`` the build uses,
/// with parameters as JSON and `global_config` merged under every action's parameters.
public struct PlaybookConfig: Sendable {
    public struct Action: Sendable {
        public var name: String
        /// The action's parameters over `global_config` (the action's own values win).
        public var parameters: JSONValue
        public var location: SourceLocation
    }

    public struct Trigger: Sendable {
        public var key: String
        public var parameters: JSONValue
        public var location: SourceLocation
    }

    public struct Playbook: Sendable {
        /// 0-based position in the config, used in reports and rate-limit keys.
        public var index: Int
        public var name: String?
        public var triggers: [Trigger]
        public var actions: [Action]
        /// The sinks the playbook names; `nil` means the default sinks.
        public var sinks: [String]?
        public var stop: Bool
        public var location: SourceLocation

        /// How reports name the playbook: its `name`, or `playbook N (file:line)`.
        public var displayName: String {
            name ?? "playbook \(index + 1) (\((location.file as NSString).lastPathComponent):\(location.line))"
        }
    }

    /// One `alert_relabel` rule: copy label `source` to `target`; `replace` also removes `source`.
    public struct AlertRelabel: Sendable, Hashable {
        public var source: String
        public var target: String
        public var replace: Bool
    }

    public var playbooks: [Playbook]
    public var sinks: [SinkConfiguration]
    public var alertRelabel: [AlertRelabel]
    /// Warnings the validator gave (they do not stop the config from loading).
    public var warnings: [Diagnostic]

    public init(
        playbooks: [Playbook], sinks: [SinkConfiguration] = [], alertRelabel: [AlertRelabel] = [], warnings: [Diagnostic] = []
    ) {
        self.playbooks = playbooks
        self.sinks = sinks
        self.alertRelabel = alertRelabel
        self.warnings = warnings
    }
}

/// A config that cannot run, with every problem found.
public struct ConfigLoadError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// A problem with the file as a whole: `file: error: message`.
    public init(file: String, message: String) {
        self.diagnostics = [Diagnostic.error(.wholeFile(file), message)]
    }

    public init(_ error: FileReadError) {
        self.diagnostics = [error.diagnostic]
    }

    /// One line per diagnostic, `file:line:column: severity: message`.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

extension PlaybookConfig {
    /// The built-in schema (the one this module was generated from) with the given action
    /// declarations (`actions.yaml` format) added.
    public static func schema(addingActions actionFiles: [(name: String, text: String)] = []) throws(ConfigLoadError) -> Schema {
        let builtin = SchemaLoader.load(files: SchemaSource.files.map { (path: "schema/" + $0.name, text: $0.text) })
        guard var schema = builtin.schema else { throw ConfigLoadError(diagnostics: builtin.diagnostics) }
        if !actionFiles.isEmpty {
            let extended = SchemaLoader.extend(schema, with: actionFiles.map { (path: $0.name, text: $0.text) })
            guard let withCustom = extended.schema else { throw ConfigLoadError(diagnostics: extended.diagnostics) }
            schema = withCustom
        }
        return schema
    }

    /// Loads one of a consumer target's embedded playbooks files by its file name, against the
    /// built-in schema and the target's action declarations: what the generated
    /// `EmbeddedPlaybooks.config(named:)` does. Throws when there is no file by that name.
    public static func load(
        named name: String, from files: [(name: String, text: String)], actionFiles: [(name: String, text: String)] = []
    ) throws(ConfigLoadError) -> PlaybookConfig {
        guard let file = files.first(where: { $0.name == name }) else {
            let embedded = files.isEmpty ? "none" : files.map { "'\($0.name)'" }.joined(separator: ", ")
            throw ConfigLoadError(
                file: name,
                message: "no playbooks file named '\(name)' is embedded (embedded: \(embedded)); TriggerfishPlugin embeds a target's "
                    + "'playbooks.yaml' and '*.playbooks.yaml' (or .yml)")
        }
        return try load(text: file.text, file: file.name, schema: schema(addingActions: actionFiles))
    }

    /// Reads and validates a config file; `-` reads standard input. `customActionsHint` is added to
    /// "unknown action" errors (see ``ConfigValidator/customActionsHint``).
    public static func load(path: String, schema: Schema, customActionsHint: String? = nil) throws(ConfigLoadError) -> PlaybookConfig {
        let text: String
        do {
            text = try TextFiles.readText(path)
        } catch {
            throw ConfigLoadError(error)
        }
        let file = path == "-" ? TextFiles.standardInputName : path
        return try load(text: text, file: file, schema: schema, customActionsHint: customActionsHint)
    }

    /// Validates a config and converts it for running. Errors throw; warnings are kept in `warnings`.
    public static func load(
        text: String, file: String, schema: Schema, customActionsHint: String? = nil
    ) throws(ConfigLoadError) -> PlaybookConfig {
        let output = ConfigValidator(schema: schema, customActionsHint: customActionsHint).validate(text: text, file: file)
        guard !output.hasErrors, let validated = output.config else { throw ConfigLoadError(diagnostics: output.diagnostics) }
        let global = validated.globalConfig.map(JSONValue.init(yaml:))?.objectValue ?? [:]
        var playbooks: [Playbook] = []
        var inactive: [Diagnostic] = []
        for playbook in validated.playbooks {
            if let reason = playbook.inactiveReason {
                inactive.append(.warning(playbook.location, "this playbook does not run: \(reason) (as Robusta's Helm chart renders it)"))
                continue
            }
            let index = playbooks.count
            playbooks.append(
                Playbook(
                    index: index, name: playbook.name,
                    triggers: playbook.triggers.map {
                        Trigger(key: $0.key, parameters: $0.parameters.map(JSONValue.init(yaml:)) ?? .object([:]), location: $0.location)
                    },
                    actions: playbook.actions.map { action in
                        var parameters = global
                        if let own = action.parameters.map(JSONValue.init(yaml:))?.objectValue {
                            parameters.merge(own) { _, actionValue in actionValue }
                        }
                        return Action(name: action.name, parameters: .object(parameters), location: action.location)
                    },
                    sinks: playbook.sinks, stop: playbook.stop, location: playbook.location))
        }
        var sinks: [SinkConfiguration] = []
        var problems: [Diagnostic] = []
        for sink in validated.sinks {
            do throws(ParameterError) {
                sinks.append(try SinkConfiguration(type: sink.type, parameters: JSONValue(yaml: sink.parameters)))
            } catch {
                problems.append(.error(sink.location, "sink '\(sink.name)': \(error)"))
            }
        }
        guard problems.isEmpty else { throw ConfigLoadError(diagnostics: problems) }
        let relabel = (validated.alertRelabel?.sequence ?? []).compactMap { rule -> AlertRelabel? in
            guard let source = rule["source"]?.scalar?.string, let target = rule["target"]?.scalar?.string else { return nil }
            return AlertRelabel(source: source, target: target, replace: rule["operation"]?.scalar?.string == "replace")
        }
        return PlaybookConfig(playbooks: playbooks, sinks: sinks, alertRelabel: relabel, warnings: output.diagnostics + inactive)
    }
}

extension JSONValue {
    /// The JSON form of a YAML value (mapping keys are strings; YAML's typed scalars keep their type).
    public init(yaml node: YAMLNode) {
        switch node.content {
        case .scalar(let scalar):
            switch scalar.value {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let i): self = .int(i)
            case .double(let d): self = .double(d)
            case .string(let s): self = .string(s)
            }
        case .sequence(let items): self = .array(items.map(JSONValue.init(yaml:)))
        case .mapping(let pairs):
            var members: [String: JSONValue] = [:]
            for pair in pairs where members[pair.key] == nil { members[pair.key] = JSONValue(yaml: pair.value) }
            self = .object(members)
        }
    }
}
