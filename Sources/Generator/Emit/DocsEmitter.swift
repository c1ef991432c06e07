import Foundation

/// Emits the reference docs of the schema as Markdown: the event hierarchy (a Mermaid class
/// diagram GitHub renders, and tables), triggers, actions and the trigger × action matrix.
public struct DocsEmitter: Sendable {
    public let schema: Schema

    public init(schema: Schema) {
        self.schema = schema
    }

    public static let fileNames = ["events.md", "triggers.md", "actions.md", "compatibility.md"]

    static let header =
        "<!-- Generated from schema/ by `swift run TriggerfishGenerateTool docs --schema schema --output docs`. Do not edit. -->\n\n"

    public func files() -> [(name: String, contents: String)] {
        [("events.md", events()), ("triggers.md", triggers()), ("actions.md", actions()), ("compatibility.md", compatibility())]
    }

    /// Schema doc text as Markdown prose: `<missing>` must not turn into an HTML tag.
    func prose(_ text: String) -> String {
        text.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Doc text inside a table cell.
    func cell(_ text: String) -> String {
        prose(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    func anchor(_ name: String) -> String { name.lowercased() }

    func events() -> String {
        var out = Self.header + "# Events\n\n"
        out += "Every trigger produces an event; every action accepts one. An event with several parents is accepted\n"
        out += "wherever any parent is. In Swift each event is a protocol of the same name (write actions as\n"
        out += "`func run(_ event: some PodEvent, ...)`), and `<Event>Instance` is its concrete type.\n\n"
        out += "## Hierarchy\n\n```mermaid\nclassDiagram\n    direction LR\n"
        for event in schema.events {
            for parent in event.parents { out += "    \(parent) <|-- \(event.name)\n" }
        }
        for event in schema.events where event.parents.isEmpty && !schema.events.contains(where: { $0.parents.contains(event.name) }) {
            out += "    class \(event.name)\n"
        }
        out += "```\n\n"
        out += "## Events\n\n| Event | Parents | Fields | Manual trigger parameters |\n|---|---|---|---|\n"
        for event in schema.events {
            let parents = event.parents.map { "[\($0)](#\(anchor($0)))" }.joined(separator: ", ")
            let fields = event.fields.map { "`\($0.name)`: \($0.type.rawValue)\($0.optional ? "?" : "")" }.joined(separator: "<br>")
            let manual =
                event.manualParameters.map { parameters in
                    parameters.isEmpty
                        ? "yes (none)" : parameters.map { "`\($0.name)`\($0.required ? "" : " (optional)")" }.joined(separator: ", ")
                } ?? "no"
            out +=
                "| <a id=\"\(anchor(event.name))\"></a>**\(event.name)** | \(parents.isEmpty ? "—" : parents) | \(fields.isEmpty ? "—" : fields) | \(manual) |\n"
        }
        out += "\n## Descriptions\n\n"
        for event in schema.events where !event.doc.isEmpty {
            out += "- **\(event.name)**: \(cell(event.doc))\n"
        }
        out += "\n## Kinds\n\n| Kind | apiVersion | Namespaced | Events |\n|---|---|---|---|\n"
        for kind in schema.kinds {
            out +=
                "| \(kind.name) | `\(kind.apiVersion)` | \(kind.namespaced ? "yes" : "no") | \(kind.eventName), \(kind.changeEventName) |\n"
        }
        return out
    }

    func parameterRows(_ parameters: [ParameterDefinition]) -> String {
        guard !parameters.isEmpty else { return "No parameters.\n" }
        var out = "| Parameter | Type | Default | Description |\n|---|---|---|---|\n"
        for parameter in parameters {
            var type = "`\(parameter.type)`"
            if let values = parameter.allowedValues { type += " (" + values.map { "`\($0)`" }.joined(separator: ", ") + ")" }
            let defaultText =
                parameter.required ? "**required**" : (parameter.defaultValue.map { $0 == .null ? "—" : "`\($0.yamlText)`" } ?? "—")
            out += "| `\(parameter.name)` | \(type) | \(defaultText) | \(cell(parameter.doc)) |\n"
        }
        return out
    }

    func triggers() -> String {
        var out = Self.header + "# Triggers\n\n"
        out += "| Trigger | Event | Source | Kind | Operation |\n|---|---|---|---|---|\n"
        for trigger in schema.triggers {
            let kind = trigger.source == .kubernetes ? (trigger.kind ?? "any") : "—"
            let operation = trigger.operation?.rawValue ?? "—"
            out +=
                "| [`\(trigger.key)`](#\(anchor(trigger.key))) | [\(trigger.event)](events.md#\(anchor(trigger.event))) | \(trigger.source.rawValue) | \(kind) | \(operation) |\n"
        }
        out += "\n"
        for trigger in schema.triggers {
            out += "## \(trigger.key)\n\n"
            if !trigger.doc.isEmpty { out += prose(trigger.doc) + "\n\n" }
            out += "Produces [\(trigger.event)](events.md#\(anchor(trigger.event)))"
            if let condition = trigger.condition { out += "; fires on the condition `\(condition)`" }
            out += ".\n\n"
            if let oneOf = trigger.exactlyOneOf {
                out += "Give exactly one of " + oneOf.map { "`\($0)`" }.joined(separator: ", ") + ".\n\n"
            }
            out += parameterRows(trigger.parameters) + "\n"
        }
        return out
    }

    func actions() -> String {
        var out = Self.header + "# Actions\n\n"
        let missing = schema.actions.filter { !$0.isImplemented }.count
        if missing > 0 {
            out += "\(schema.actions.count) actions, of which \(missing) are declared but not implemented yet (marked below): playbooks\n"
            out += "that use them validate with a warning, and running them is a `not_implemented` action error.\n\n"
        }
        out += "| Action | Event | Manual trigger | Compatible triggers |\n|---|---|---|---|\n"
        for action in schema.actions {
            let count = schema.compatibleTriggers(for: action).count
            let mark = action.isImplemented ? "" : " (not implemented yet)"
            out +=
                "| [`\(action.name)`](#\(anchor(action.name)))\(mark) | [\(action.event)](events.md#\(anchor(action.event))) | \(schema.isManuallyTriggerable(action) ? "yes" : "no") | \(count) |\n"
        }
        out += "\n"
        for action in schema.actions {
            out += "## \(action.name)\n\n"
            if !action.isImplemented {
                out += "> **Not implemented yet.** Triggerfish declares this action so that playbooks using it validate (with a\n"
                out += "> warning), but running it fails with a `not_implemented` action error; the playbook's next action still runs.\n\n"
            }
            if !action.doc.isEmpty { out += prose(action.doc) + "\n\n" }
            out += "Accepts [\(action.event)](events.md#\(anchor(action.event))). "
            out += schema.isManuallyTriggerable(action) ? "Can run from a manual trigger.\n\n" : "Cannot run from a manual trigger.\n\n"
            out += parameterRows(action.parameters) + "\n"
            let compatible = schema.compatibleTriggers(for: action).map { "`\($0.key)`" }
            out +=
                "Compatible triggers (\(compatible.count)): " + (compatible.isEmpty ? "none" : compatible.joined(separator: ", ")) + ".\n\n"
        }
        return out
    }

    func compatibility() -> String {
        var out = Self.header + "# Trigger × action compatibility\n\n"
        out +=
            "An action accepting event A can be bound to trigger T iff T's event is A or descends from A\n(through any parent). ✓ marks a compatible pair.\n\n"
        let actions = schema.actions
        if actions.contains(where: { !$0.isImplemented }) {
            out += "An action marked * is declared but not implemented yet.\n\n"
        }
        out += "| Trigger (event) | " + actions.map { "`\($0.name)`\($0.isImplemented ? "" : "*")" }.joined(separator: " | ") + " |\n"
        out += "|---|" + actions.map { _ in ":-:|" }.joined() + "\n"
        for trigger in schema.triggers {
            out += "| `\(trigger.key)` (\(trigger.event)) | "
            out += actions.map { schema.isCompatible(trigger: trigger, action: $0) ? "✓" : " " }.joined(separator: " | ") + " |\n"
        }
        return out
    }
}
