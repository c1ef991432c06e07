import Foundation
import _TriggerfishCore
import _TriggerfishFileIO

/// A playbook config ready to run: validated by the same ``ConfigValidator`` the build uses,
/// with parameters as JSON and `global_config` merged under every action's parameters.
public struct PlaybookConfig: Sendable {
    public typealias Action = ValidatedConfig.Action
    public typealias Trigger = ValidatedConfig.Trigger
    public typealias AlertRelabel = ValidatedConfig.AlertRelabel

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

    public var playbooks: [Playbook]
    public var sinks: [SinkConfiguration]
    public var alertRelabel: [AlertRelabel]
    /// Warnings the validator gave (they do not stop the config from loading).
    public var warnings: [Diagnostic]
    /// The schema the config was validated with (the built-in one plus any custom actions):
    /// manual triggers check their action and parameters against it.
    public var schema: Schema
    /// `global_config` (Helm's `globalConfig`), merged under the parameters of manually triggered
    /// actions as the config's own actions have it merged under theirs; `{}` when there is none.
    public var globalConfig: JSONValue

    public init(
        playbooks: [Playbook], sinks: [SinkConfiguration] = [], alertRelabel: [AlertRelabel] = [], warnings: [Diagnostic] = [],
        schema: Schema = PlaybookConfig.builtinSchema, globalConfig: JSONValue = [:]
    ) {
        self.playbooks = playbooks
        self.sinks = sinks
        self.alertRelabel = alertRelabel
        self.warnings = warnings
        self.schema = schema
        self.globalConfig = globalConfig
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
    /// The built-in schema (the one this module was generated from), read once per process. The
    /// generator checked it when it generated this module, so it loads.
    public static let builtinSchema: Schema = {
        let builtin = SchemaLoader.load(files: SchemaSource.files.map { (path: "schema/" + $0.name, text: $0.text) })
        guard let schema = builtin.schema else {
            preconditionFailure("the embedded schema does not load: \(builtin.diagnostics.map(\.description).joined(separator: "; "))")
        }
        return schema
    }()

    /// The built-in schema (the one this module was generated from) with the given action
    /// declarations (`actions.yaml` format) added.
    public static func schema(addingActions actionFiles: [(name: String, text: String)] = []) throws(ConfigLoadError) -> Schema {
        var schema = builtinSchema
        if !actionFiles.isEmpty {
            let extended = SchemaLoader.extend(schema, with: actionFiles.map { (path: $0.name, text: $0.text) })
            guard let withCustom = extended.schema else { throw ConfigLoadError(diagnostics: extended.diagnostics) }
            schema = withCustom
        }
        return schema
    }

    /// The built-in schema with the action declaration files at `paths` added (`--actions FILE`).
    public static func schema(addingActionFiles paths: [String]) throws(ConfigLoadError) -> Schema {
        let files: [(path: String, text: String)]
        do {
            files = try TextFiles.readAll(paths)
        } catch {
            throw ConfigLoadError(error)
        }
        return try schema(addingActions: files.map { (name: $0.path, text: $0.text) })
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
        var playbooks: [Playbook] = []
        var inactive: [Diagnostic] = []
        for playbook in validated.playbooks {
            if let reason = playbook.inactiveReason {
                inactive.append(.warning(playbook.location, "this playbook does not run: \(reason) (as Robusta's Helm chart renders it)"))
                continue
            }
            playbooks.append(
                Playbook(
                    index: playbooks.count, name: playbook.name, triggers: playbook.triggers, actions: playbook.actions,
                    sinks: playbook.sinks, stop: playbook.stop, location: playbook.location))
        }
        return PlaybookConfig(
            playbooks: playbooks, sinks: validated.sinks, alertRelabel: validated.alertRelabel, warnings: output.diagnostics + inactive,
            schema: schema, globalConfig: validated.globalConfig.map(JSONValue.init(yaml:)) ?? [:])
    }
}
