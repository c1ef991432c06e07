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
        var declarations = records(schema.types.filter(\.isCustom), access: "public")
        declarations += actions(schema.actions.filter(\.isCustom), protocolName: "PlaybookActions", access: "public")
        let files: ([(name: String, text: String)]) -> SwiftExpression = { files in
            .array(files.map { .tuple([.string($0.name), .multilineString($0.text)]) })
        }
        declarations.append(
            .type(
                doc: "The playbook files of this target, validated at build time.", modifiers: "public", kind: "enum",
                name: "EmbeddedPlaybooks", inherits: [],
                members: [
                    .property(
                        doc: "The playbooks files (`playbooks.yaml`, `*.playbooks.yaml`) by file name, in path order.",
                        modifiers: "public static", keyword: "let", name: "files", type: "[(name: String, text: String)]",
                        value: files(playbooks.map { ($0.name, $0.text) })),
                    .blank,
                    .function(
                        doc:
                            "The text of the playbooks file with this name (`playbooks.yaml`); `nil` when this target has none by that name.",
                        modifiers: "public static", name: "func playbooks", parameters: [SwiftParameter("named name", "String")],
                        effects: "-> String?", body: [.code("files.first { $0.name == name }?.text")]),
                    .blank,
                    .function(
                        doc: "The playbooks file with this name, loaded against the built-in schema and this target's actions, ready for\n"
                            + "`PlaybookEngine`; throws `ConfigLoadError`, naming the files there are, when this target has none by that name.",
                        modifiers: "public static", name: "func config", parameters: [SwiftParameter("named name", "String")],
                        effects: "throws(ConfigLoadError) -> PlaybookConfig",
                        body: [.code("try PlaybookConfig.load(named: name, from: files, actionFiles: actionFiles)")]),
                    .blank,
                    .property(
                        doc: "This target's action declarations, for `PlaybookConfig.schema(addingActions:)` when\n"
                            + "configs are loaded at run time.",
                        modifiers: "public static", keyword: "let", name: "actionFiles", type: "[(name: String, text: String)]",
                        value: files(actionFiles)),
                ]))
        var checks: [SwiftDeclaration] = []
        var calls: [SwiftStatement] = []
        var index = 0
        for file in playbooks {
            for playbook in file.config.playbooks {
                for action in playbook.actions {
                    guard let actionDefinition = schema.action(named: action.name) else { continue }
                    for trigger in playbook.triggers {
                        guard let triggerDefinition = schema.trigger(named: trigger.key) else { continue }
                        let function = "check\(index)"
                        index += 1
                        checks.append(.comment("\(file.name):\(trigger.location.line): \(trigger.key) -> \(action.name)"))
                        checks.append(
                            .function(
                                doc: "", modifiers: "static", name: "func \(function)<E: \(actionDefinition.event)>",
                                parameters: [SwiftParameter("_", "E.Type")], effects: "", body: []))
                        calls.append(.code("\(function)(\(SwiftNames.triggerType(triggerDefinition.key)).Event.self)"))
                    }
                }
            }
        }
        checks.append(.function(doc: "", modifiers: "static", name: "func all", parameters: [], effects: "", body: calls))
        declarations.append(
            .type(
                doc: "Compile-time proof that every action in the playbooks accepts the event its triggers produce.",
                modifiers: "private", kind: "enum", name: "PlaybookTypeChecks", inherits: [], members: checks))
        return render(declarations, imports: ["Triggerfish"])
    }
}
