import Foundation
import _TriggerfishCore

/// Emits the reference docs of the schema: the event hierarchy (small Mermaid class diagrams GitHub
/// renders, and tables), triggers, actions, sinks, and trigger × action compatibility as Markdown
/// for people and as JSON for tools.
public struct DocsEmitter: Sendable {
    public let schema: Schema

    public init(schema: Schema) {
        self.schema = schema
    }

    /// The files ``files()`` produces, in that order.
    public static let fileNames = ["events.md", "triggers.md", "actions.md", "sinks.md", "compatibility.md", "compatibility.json"]

    static let command = "swift run TriggerfishGenerateTool docs --schema schema --output docs"
    static let header = "<!-- Generated from schema/ by `\(command)`. Do not edit. -->\n\n"

    public func files() -> [(name: String, contents: String)] {
        [
            ("events.md", events()), ("triggers.md", triggers()), ("actions.md", actions()), ("sinks.md", sinks()),
            ("compatibility.md", compatibility()), ("compatibility.json", compatibilityJSON()),
        ]
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

    func code(_ names: [String]) -> String { names.map { "`\($0)`" }.joined(separator: ", ") }

    /// `a`, `a and b`, `a, b and c`.
    func andList(_ items: [String]) -> String {
        items.count < 2 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }

    func eventLink(_ name: String) -> String { "[\(name)](events.md#\(anchor(name)))" }

    // MARK: Events

    /// The events of the hierarchy diagram: those written in the schema rather than expanded from a
    /// kind, with all their ancestors (so the alert appears with the kind events it refines).
    func hierarchyEvents() -> [EventDefinition] {
        var names: Set<String> = []
        for event in schema.events where event.kind == nil { names.formUnion(schema.selfAndAncestors(of: event.name)) }
        return parentsFirst(schema.events.filter { names.contains($0.name) })
    }

    /// The events of the per-kind diagram, for `kind`: its two events and their parents.
    func kindPatternEvents(_ kind: KindDefinition) -> [EventDefinition] {
        let names = [schema.kindResourceParent, schema.kindChangeParent, kind.eventName, kind.changeEventName].compactMap { $0 }
        return parentsFirst(schema.events.filter { names.contains($0.name) })
    }

    /// Events ordered by their depth in the hierarchy (schema order within a depth), so each diagram
    /// declares parents before children and the layout reads from the root outwards.
    func parentsFirst(_ events: [EventDefinition]) -> [EventDefinition] {
        var depths: [String: Int] = [:]
        func depth(_ name: String) -> Int {
            if let known = depths[name] { return known }
            depths[name] = 0  // the loader rejects cycles; this only guards the recursion
            let value = (schema.event(named: name)?.parents.map { depth($0) + 1 }.max()) ?? 0
            depths[name] = value
            return value
        }
        return events.enumerated().sorted { (depth($0.element.name), $0.offset) < (depth($1.element.name), $1.offset) }.map(\.element)
    }

    /// A Mermaid class diagram of `events` and the parent edges among them (an arrow points at the parent).
    func classDiagram(_ events: [EventDefinition]) -> String {
        let included = Set(events.map(\.name))
        var out = "```mermaid\nclassDiagram\n    direction LR\n"
        for event in events {
            let parents = event.parents.filter { included.contains($0) }
            if parents.isEmpty && !events.contains(where: { $0.parents.contains(event.name) }) {
                out += "    class \(event.name)\n"
            }
            for parent in parents { out += "    \(parent) <|-- \(event.name)\n" }
        }
        return out + "```\n"
    }

    /// The triggers expanded from a kind (`on_pod_create`, ...), in operation order.
    func kindTriggers(_ kind: KindDefinition) -> [TriggerDefinition] {
        TriggerDefinition.Operation.allCases.compactMap { schema.trigger(named: kind.triggerKey($0)) }
    }

    func events() -> String {
        var out = Self.header + "# Events\n\n"
        out += "Every trigger produces an event; every action accepts one. An event with several parents is accepted\n"
        out += "wherever any parent is. In Swift each event is a protocol of the same name (write actions as\n"
        out += "`func run(_ event: some PodEvent, ...)`), and `\(SwiftNames.instance("<Event>"))` is its concrete type.\n\n"
        let written = schema.events.filter { $0.kind == nil }
        out += "The schema has \(schema.events.count) events: \(written.count) written in it, described below, and "
        out +=
            "\(schema.events.count - written.count) generated from its \(schema.kinds.count) [Kubernetes kinds](#kinds), two per kind.\n\n"

        out += "## Hierarchy\n\n"
        out += "The events written in the schema, with every event they refine. An arrow points from an event to its parent:\n"
        out += "an action that accepts the parent accepts the child too.\n\n"
        out += classDiagram(hierarchyEvents()) + "\n"
        if let parent = schema.kindResourceParent, let change = schema.kindChangeParent {
            out += "Each kind adds `<Kind>Event` under \(parent), and `<Kind>ChangeEvent` under `<Kind>Event`\n"
            out += "and \(change): the pattern is drawn once, [under Kinds](#kinds).\n\n"
        }

        out += "## Events\n\n| Event | Parents | Fields | Manual trigger parameters |\n|---|---|---|---|\n"
        for event in written {
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
        out += "\n"
        for event in written where !event.doc.isEmpty {
            out += "- **\(event.name)**: \(cell(event.doc))\n"
        }

        guard let example = schema.kinds.first else { return out }
        out += "\n## Kinds\n\n"
        out += "Each Kubernetes kind adds two events and four triggers, all in the same pattern, drawn here for \(example.name):\n\n"
        out += classDiagram(kindPatternEvents(example)) + "\n"
        let manual = schema.event(named: example.eventName)?.manualParameters?.map(\.name) ?? []
        out += "- `\(example.eventName)` has the field `\(example.accessor)`, the object when known (for every kind, its name in\n"
        out += "  lowerCamelCase), and can be built by hand (a manual trigger) from \(andList(manual.map { "`\($0)`" }))"
        out +=
            example.namespaced ? " (from `name` alone for a kind that is not namespaced).\n" : " (and `namespace` for a namespaced kind).\n"
        out += "- `\(example.changeEventName)` is what \(andList(kindTriggers(example).map { "`\($0.key)`" })) produce, as do\n"
        out += "  the kind's smart triggers (in [triggers](triggers.md)); it holds the change, so it cannot be built by hand.\n\n"
        // Three columns, the first two stacked, so the table fits GitHub's width.
        out += "| Kind, apiVersion | Events | Triggers |\n|---|---|---|\n"
        for kind in schema.kinds {
            let triggers = kindTriggers(kind).map { "[`\($0.key)`](triggers.md#\(anchor($0.key)))" }.joined(separator: ", ")
            out += "| **\(kind.name)**<br>`\(kind.apiVersion)`, \(kind.namespaced ? "namespaced" : "not namespaced") "
            out += "| <a id=\"\(anchor(kind.eventName))\"></a>\(kind.eventName)<br>"
            out += "<a id=\"\(anchor(kind.changeEventName))\"></a>\(kind.changeEventName) | \(triggers) |\n"
        }
        out += "\n"
        for kind in schema.kinds where !kind.doc.isEmpty {
            out += "- **\(kind.name)**: \(cell(kind.doc))\n"
        }
        return out
    }

    // MARK: Triggers, actions, sinks

    func parameterRows(_ parameters: [ParameterDefinition]) -> String {
        guard !parameters.isEmpty else { return "No parameters.\n" }
        var out = "| Parameter | Type | Default | Description |\n|---|---|---|---|\n"
        for parameter in parameters {
            var type = "`\(parameter.type)`"
            if let values = parameter.allowedValues { type += " (" + values.map { "`\($0)`" }.joined(separator: ", ") + ")" }
            switch (parameter.minimum, parameter.maximum) {
            case (let minimum?, let maximum?): type += " (\(minimum)–\(maximum))"
            case (let minimum?, nil): type += " (at least \(minimum))"
            case (nil, let maximum?): type += " (at most \(maximum))"
            case (nil, nil): break
            }
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
                "| [`\(action.name)`](#\(anchor(action.name)))\(mark) | [\(action.event)](events.md#\(anchor(action.event))) | \(schema.isManuallyTriggerable(action) ? "yes" : "no") | [\(count)](compatibility.md#actions-accepting-\(anchor(action.event))) |\n"
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

    func sinks() -> String {
        var out = Self.header + "# Sinks\n\n"
        let delivering = schema.sinks.filter(\.delivers).map(\.key)
        out += "Sinks receive the findings of playbooks. A config defines them under `sinks_config` (in Helm values,\n"
        out += "`sinksConfig`), each as `- <sink type>: {name: ..., <parameters>}`, and a playbook names the sinks its\n"
        out += "findings go to in `sinks` (by default, every sink with `default: true`).\n\n"
        out +=
            "\(schema.sinks.count) sink types validate; \(delivering.count) of them deliver findings: \(andList(delivering.map { "`\($0)`" })).\n"
        out += "The others are checked like the rest of the config (unknown keys, types, required parameters), and\n"
        out += "their findings are routed and reported, but not sent.\n\n"
        out += "| Sink type | Delivers | Required parameters | Optional parameters |\n|---|---|---|---|\n"
        for sink in schema.sinks {
            let required = sink.parameters.filter(\.required).map(\.name)
            let optional = sink.parameters.filter { !$0.required }.map(\.name)
            out += "| [`\(sink.key)`](#\(anchor(sink.key))) | \(sink.delivers ? "yes" : "no") "
            out += "| \(required.isEmpty ? "—" : code(required)) | \(optional.isEmpty ? "—" : code(optional)) |\n"
        }
        out += "\nEvery sink also takes the [parameters of every sink](#parameters-of-every-sink).\n\n"
        out += "## Parameters of every sink\n\n" + parameterRows(schema.sinkBaseParameters) + "\n"
        for sink in schema.sinks {
            out += "## \(sink.key)\n\n"
            if !sink.doc.isEmpty { out += prose(sink.doc) + "\n\n" }
            out +=
                sink.delivers
                ? "Delivers: yes. Triggerfish sends findings to it.\n\n"
                : "Delivers: no. Triggerfish validates it and routes findings to it, but does not send them yet.\n\n"
            out += (sink.parameters.isEmpty ? "No parameters of its own.\n" : parameterRows(sink.parameters)) + "\n"
        }
        return out
    }

    // MARK: Compatibility

    /// Events in schema order, each with the items that name it, for the events that have any.
    func grouped<Item>(_ items: [Item], by event: (Item) -> String) -> [(event: String, items: [Item])] {
        let byEvent = Dictionary(grouping: items, by: event)
        return schema.events.compactMap { definition in byEvent[definition.name].map { (definition.name, $0) } }
    }

    func actionNames(_ actions: [ActionDefinition]) -> String {
        actions.map { "`\($0.name)`\($0.isImplemented ? "" : "*")" }.joined(separator: ", ")
    }

    func compatibility() -> String {
        var out = Self.header + "# Trigger × action compatibility\n\n"
        out += "An action accepting event A can run from trigger T iff T's event is A or descends from A (through any\n"
        out += "parent). The actions that accept the same event run from the same triggers, and the triggers that produce\n"
        out += "the same event run the same actions, so both lists below are grouped by event.\n"
        if schema.actions.contains(where: { !$0.isImplemented }) {
            out += "An action marked * is declared but not implemented yet.\n"
        }
        out += "\nThe whole matrix, for tools, is [compatibility.json](compatibility.json): `triggers` maps each trigger\n"
        out += "to its event and the actions it can run, `actions` maps each action to its event and the triggers that can run it.\n\n"
        let actionGroups = grouped(schema.actions, by: \.event)
        let triggerGroups = grouped(schema.triggers, by: \.event)
        out += "- [For each action, the triggers that can run it](#for-each-action-the-triggers-that-can-run-it): actions accepting "
        out += actionGroups.map { "[\($0.event)](#actions-accepting-\(anchor($0.event)))" }.joined(separator: ", ") + "\n"
        out += "- [For each trigger, the actions it can run](#for-each-trigger-the-actions-it-can-run): triggers producing "
        out += triggerGroups.map { "[\($0.event)](#triggers-producing-\(anchor($0.event)))" }.joined(separator: ", ") + "\n\n"

        out += "## For each action, the triggers that can run it\n\n"
        for group in actionGroups {
            out += "### Actions accepting \(group.event)\n\n"
            out += "Actions (\(group.items.count)): \(actionNames(group.items)).\n\n"
            let triggers = schema.triggers.filter { schema.selfAndAncestors(of: $0.event).contains(group.event) }
            guard !triggers.isEmpty else {
                out += "They accept \(eventLink(group.event)), which no trigger produces.\n\n"
                continue
            }
            out +=
                "They accept \(eventLink(group.event)), so these triggers can run them (\(triggers.count)), by the event they produce:\n\n"
            for byEvent in grouped(triggers, by: \.event) {
                out += "- \(eventLink(byEvent.event)): \(code(byEvent.items.map(\.key)))\n"
            }
            out += "\n"
        }

        out += "## For each trigger, the actions it can run\n\n"
        for group in triggerGroups {
            out += "### Triggers producing \(group.event)\n\n"
            out += "Triggers (\(group.items.count)): \(code(group.items.map(\.key))).\n\n"
            let ancestors = schema.selfAndAncestors(of: group.event)
            let actions = schema.actions.filter { ancestors.contains($0.event) }
            guard !actions.isEmpty else {
                out += "They produce \(eventLink(group.event)), which no action accepts.\n\n"
                continue
            }
            out += "They produce \(eventLink(group.event)), so they can run these actions (\(actions.count)), by the event they accept:\n\n"
            for byEvent in grouped(actions, by: \.event) {
                out += "- \(eventLink(byEvent.event)): \(actionNames(byEvent.items))\n"
            }
            out += "\n"
        }
        return out
    }

    /// A JSON string literal.
    func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    func json(_ list: [String]) -> String { "[" + list.map { json($0) }.joined(separator: ", ") + "]" }

    /// The whole trigger × action matrix in both directions, one trigger or action per line, in schema order.
    func compatibilityJSON() -> String {
        var out = "{\n"
        out += "  \"generated\": \(json("from schema/ by `\(Self.command)`; do not edit")),\n"
        out += "  \"rule\": \(json("an action accepting event A can run from trigger T iff T's event is A or descends from A")),\n"
        out += "  \"triggers\": {\n"
        out +=
            schema.triggers.map { trigger in
                let actions = schema.actions.filter { schema.isCompatible(trigger: trigger, action: $0) }.map(\.name)
                return "    \(json(trigger.key)): {\"event\": \(json(trigger.event)), \"actions\": \(json(actions))}"
            }
            .joined(separator: ",\n")
        out += "\n  },\n  \"actions\": {\n"
        out +=
            schema.actions.map { action in
                let fields = [
                    "\"event\": \(json(action.event))", "\"implemented\": \(action.isImplemented)",
                    "\"manual_trigger\": \(schema.isManuallyTriggerable(action))",
                    "\"triggers\": \(json(schema.compatibleTriggers(for: action).map(\.key)))",
                ]
                return "    \(json(action.name)): {\(fields.joined(separator: ", "))}"
            }
            .joined(separator: ",\n")
        out += "\n  }\n}\n"
        return out
    }
}
