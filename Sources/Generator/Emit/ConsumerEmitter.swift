import _TriggerfishCore

extension SwiftEmitter {
    /// The fixed name of the file generated into a consumer target.
    public static let consumerFileName = "GeneratedPlaybooks.swift"

    /// The warning for a YAML file of a consumer target that is neither a playbooks nor an actions
    /// file (the plugin passes it as `--unchecked`): a misspelt name would otherwise pass the build
    /// with a mistake in it.
    public static func uncheckedFileWarning(_ path: String) -> Diagnostic {
        .warning(
            .wholeFile(path),
            "not checked: Triggerfish reads playbooks from 'playbooks.yaml' or '*.playbooks.yaml' and action declarations from "
                + "'actions.yaml' or '*.actions.yaml' (or .yml); rename the file to have it checked and embedded, or exclude it "
                + "from the target in Package.swift")
    }

    /// Swift for a consumer target: its own actions (parameter types and the `PlaybookActions`
    /// protocol it implements), its validated playbook files embedded for loading at run time,
    /// and, for every trigger/action pair of its playbooks, a generic constraint the compiler checks.
    public func consumerFile(
        playbooks: [(name: String, text: String, config: ValidatedConfig)], actionFiles: [(name: String, text: String)] = []
    ) -> String {
        var out = Self.header + "import Triggerfish\n\n"
        out += records(schema.types.filter(\.isCustom), access: "public")
        out += actions(schema.actions.filter(\.isCustom), protocolName: "PlaybookActions", access: "public")
        out += "\n/// The playbook files of this target, validated at build time.\n"
        out += "public enum EmbeddedPlaybooks {\n"
        out += "    /// The playbooks files (`playbooks.yaml`, `*.playbooks.yaml`) by file name, in path order.\n"
        out += "    public static let files: [(name: String, text: String)] = [\n"
        for file in playbooks {
            out += "        (\(SwiftNames.literal(file.name)), \(SwiftNames.rawMultiline(file.text))),\n"
        }
        out += "    ]\n\n"
        out += "    /// The text of the playbooks file with this name (`playbooks.yaml`); `nil` when this target has none by that name.\n"
        out += "    public static func playbooks(named name: String) -> String? {\n"
        out += "        files.first { $0.name == name }?.text\n"
        out += "    }\n\n"
        out += "    /// The playbooks file with this name, loaded against the built-in schema and this target's actions, ready for\n"
        out += "    /// `PlaybookEngine`; throws `ConfigLoadError`, naming the files there are, when this target has none by that name.\n"
        out += "    public static func config(named name: String) throws(ConfigLoadError) -> PlaybookConfig {\n"
        out += "        try PlaybookConfig.load(named: name, from: files, actionFiles: actionFiles)\n"
        out += "    }\n\n"
        out += "    /// This target's action declarations, for `PlaybookConfig.schema(addingActions:)` when\n"
        out += "    /// configs are loaded at run time.\n"
        out += "    public static let actionFiles: [(name: String, text: String)] = [\n"
        for file in actionFiles {
            out += "        (\(SwiftNames.literal(file.name)), \(SwiftNames.rawMultiline(file.text))),\n"
        }
        out += "    ]\n}\n\n"
        out += "/// Compile-time proof that every action in the playbooks accepts the event its triggers produce.\n"
        out += "private enum PlaybookTypeChecks {\n"
        var calls: [String] = []
        var index = 0
        for file in playbooks {
            for playbook in file.config.playbooks {
                for action in playbook.actions {
                    guard let actionDefinition = schema.action(named: action.name) else { continue }
                    for trigger in playbook.triggers {
                        guard let triggerDefinition = schema.trigger(named: trigger.key) else { continue }
                        let function = "check\(index)"
                        index += 1
                        out += "    // \(file.name):\(trigger.location.line): \(trigger.key) -> \(action.name)\n"
                        out += "    static func \(function)<E: \(actionDefinition.event)>(_: E.Type) {}\n"
                        calls.append("\(function)(\(SwiftNames.triggerType(triggerDefinition.key)).Event.self)")
                    }
                }
            }
        }
        out += "    static func all() {\n"
        for call in calls { out += "        \(call)\n" }
        out += "    }\n}\n"
        return out
    }
}
