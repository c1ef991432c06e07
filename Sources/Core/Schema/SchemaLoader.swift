import Foundation

/// Reads schema YAML files into a ``Schema``, expanding kinds and checking the whole schema:
/// unknown keys, unknown parents or types, inheritance cycles and duplicate names are errors
/// with file, line and column.
public enum SchemaLoader {
    public struct Output: Sendable {
        /// `nil` when any error was found.
        public var schema: Schema?
        public var diagnostics: [Diagnostic]
    }

    static let sections = [
        "kinds", "kind_events", "kind_triggers", "alert_labels", "events", "types", "parameter_sets", "triggers", "actions",
        "sinks", "sink_parameters", "permissions", "runner_permissions",
    ]

    /// Loads the built-in schema from its files. `files` are (path, text); paths appear in diagnostics.
    public static func load(files: [(path: String, text: String)], limits: YAMLLimits = .default) -> Output {
        var state = State()
        for file in files {
            let parsed = YAMLDocument.parse(file.text, file: file.path, limits: limits)
            state.diagnostics.append(contentsOf: parsed.diagnostics)
            guard let root = parsed.root else { continue }
            state.read(root, file: file.path, allowedSections: sections)
            state.schema.sources.append((name: (file.path as NSString).lastPathComponent, text: file.text))
        }
        state.finish()
        return Output(schema: state.diagnostics.hasErrors ? nil : state.schema, diagnostics: state.diagnostics.sorted)
    }

    /// Adds a consumer's own declarations (`actions:`, `types:` and `permissions:` sections only) to a loaded schema.
    public static func extend(_ base: Schema, with files: [(path: String, text: String)], limits: YAMLLimits = .default)
        -> Output
    {
        var state = State()
        state.schema = base
        state.baseTypes = Set(base.types.map(\.name))
        state.baseActions = Set(base.actions.map(\.name))
        state.isCustom = true
        for file in files {
            let parsed = YAMLDocument.parse(file.text, file: file.path, limits: limits)
            state.diagnostics.append(contentsOf: parsed.diagnostics)
            guard let root = parsed.root else { continue }
            state.read(root, file: file.path, allowedSections: ["actions", "types", "permissions"])
        }
        state.finishCustom()
        return Output(schema: state.diagnostics.hasErrors ? nil : state.schema, diagnostics: state.diagnostics.sorted)
    }
}

private struct PendingParameter {
    var name: String
    var typeText: String
    var typeLocation: SourceLocation
    var doc: String
    var required: Bool
    var defaultNode: YAMLNode?
    var values: [String]?
    var location: SourceLocation
    var minimum: Int? = nil
    var maximum: Int? = nil
}

private struct PendingTrigger {
    var definition: TriggerDefinition
    var sets: [(String, SourceLocation)]
    var parameters: [PendingParameter]
    var eventLocation: SourceLocation
    var kindLocation: SourceLocation?
}

private struct State {
    /// The parameters type the kind triggers share.
    static let kindTriggerParameters = "KindTriggerParameters"

    var schema = Schema()
    var diagnostics = DiagnosticList()
    var isCustom = false
    var baseTypes: Set<String> = []
    var baseActions: Set<String> = []

    var kindEventParents: (resource: (String, SourceLocation), change: (String, SourceLocation))?
    var kindTriggerSets: [(String, SourceLocation)] = []
    var parameterSets: [String: (location: SourceLocation, parameters: [PendingParameter])] = [:]
    var pendingTypes: [(RecordType, [PendingParameter])] = []
    var pendingTriggers: [PendingTrigger] = []
    var pendingActions: [(ActionDefinition, [PendingParameter], SourceLocation)] = []
    var pendingSinks: [(SinkDefinition, [(String, SourceLocation)], [PendingParameter])] = []
    var pendingSinkBase: [PendingParameter] = []
    var pendingManual: [String: [PendingParameter]] = [:]
    var builtFromLocations: [String: SourceLocation] = [:]
    var parentLocations: [String: [SourceLocation]] = [:]
    var pendingPermissions: [PendingPermissions] = []
    var names: [String: SourceLocation] = [:]  // "event X" -> first definition

    mutating func claim(_ category: String, _ name: String, at location: SourceLocation) -> Bool {
        let key = category + " " + name
        if let first = names[key] {
            diagnostics.error(
                location,
                "duplicate \(category) \(quoted: name) (first defined at \(first.file):\(first.line):\(first.column))")
            return false
        }
        names[key] = location
        return true
    }

    // MARK: Reading

    mutating func read(_ root: YAMLNode, file: String, allowedSections: [String]) {
        guard let top = MappingReader(root, what: "a schema file", into: &diagnostics) else { return }
        top.rejectUnknownKeys(allowed: allowedSections, in: "a schema file", into: &diagnostics)
        for pair in top.pairs where allowedSections.contains(pair.key) {
            switch pair.key {
            case "kinds": readKinds(pair.value)
            case "kind_events": readKindEvents(pair.value)
            case "kind_triggers": readKindTriggers(pair.value)
            case "alert_labels": readAlertLabels(pair.value)
            case "events": readEvents(pair.value)
            case "types": readTypes(pair.value)
            case "parameter_sets": readParameterSets(pair.value)
            case "triggers": readTriggers(pair.value)
            case "actions": readActions(pair.value)
            case "sinks": readSinks(pair.value)
            case "sink_parameters": pendingSinkBase += readParameters(pair.value, owner: "sink_parameters")
            case "permissions": readPermissions(pair.value)
            case "runner_permissions": readRunnerPermissions(pair.value)
            default: break
            }
        }
    }

    func doc(_ reader: MappingReader, _ what: String, _ diagnostics: inout DiagnosticList) -> String {
        (reader.string("doc", in: what, into: &diagnostics) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    mutating func entries(_ node: YAMLNode, _ what: String) -> [YAMLPair] {
        guard let pairs = node.mapping else {
            diagnostics.error(node.location, "\(quoted: what) must be a mapping of names to definitions, found \(node.foundDescription)")
            return []
        }
        return pairs
    }

    mutating func checkIdentifier(_ name: String, at location: SourceLocation, style: String) -> Bool {
        let ok: Bool
        let expected: String
        switch style {
        case "Type":
            ok = name.first.map { $0.isUppercase && $0.isASCII } == true && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            expected = "UpperCamelCase letters and digits"
        case "parameter":
            // Robusta's own parameter names are snake_case, with a few in camelCase (serviceAccountName).
            ok =
                name.first.map { $0.isLowercase && $0.isASCII } == true
                && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
            expected = "a lower-case letter, then letters, digits and '_' (lower_snake_case or lowerCamelCase)"
        default:
            ok =
                name.first.map { $0.isLowercase && $0.isASCII } == true
                && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
            expected = "lower_snake_case letters, digits and '_'"
        }
        if !ok {
            diagnostics.error(location, "invalid name \(quoted: name): expected \(expected)")
        }
        return ok
    }

    /// Starts reading one named definition: checks its name, claims it, and opens its mapping.
    mutating func definition(_ entry: YAMLPair, _ category: String, style: String) -> MappingReader? {
        guard checkIdentifier(entry.key, at: entry.keyLocation, style: style),
            claim(category, entry.key, at: entry.keyLocation)
        else { return nil }
        return MappingReader(entry.value, what: "\(category) \(quoted: entry.key)", into: &diagnostics)
    }

    mutating func readKinds(_ node: YAMLNode) {
        for entry in entries(node, "kinds") {
            let what = "kind \(quoted: entry.key)"
            guard let reader = definition(entry, "kind", style: "Type") else { continue }
            reader.rejectUnknownKeys(allowed: ["api_version", "namespaced", "doc"], in: what, into: &diagnostics)
            guard let apiVersion = reader.string("api_version", in: what, into: &diagnostics) else {
                if reader["api_version"] == nil { diagnostics.error(entry.keyLocation, "\(what) is missing 'api_version'") }
                continue
            }
            guard let namespaced = reader.bool("namespaced", in: what, into: &diagnostics) else {
                if reader["namespaced"] == nil { diagnostics.error(entry.keyLocation, "\(what) is missing 'namespaced'") }
                continue
            }
            schema.kinds.append(
                KindDefinition(
                    name: entry.key, apiVersion: apiVersion, namespaced: namespaced,
                    doc: doc(reader, what, &diagnostics), location: entry.keyLocation))
        }
    }

    mutating func readKindEvents(_ node: YAMLNode) {
        guard let reader = MappingReader(node, what: "'kind_events'", into: &diagnostics) else { return }
        reader.rejectUnknownKeys(allowed: ["resource_parent", "change_parent"], in: "'kind_events'", into: &diagnostics)
        guard let resource = reader.string("resource_parent", in: "'kind_events'", into: &diagnostics),
            let change = reader.string("change_parent", in: "'kind_events'", into: &diagnostics)
        else {
            diagnostics.error(node.location, "'kind_events' needs 'resource_parent' and 'change_parent'")
            return
        }
        kindEventParents = ((resource, reader["resource_parent"]!.location), (change, reader["change_parent"]!.location))
    }

    mutating func readKindTriggers(_ node: YAMLNode) {
        guard let reader = MappingReader(node, what: "'kind_triggers'", into: &diagnostics) else { return }
        reader.rejectUnknownKeys(allowed: ["parameter_sets"], in: "'kind_triggers'", into: &diagnostics)
        kindTriggerSets = reader.stringList("parameter_sets", in: "'kind_triggers'", into: &diagnostics) ?? []
    }

    mutating func readAlertLabels(_ node: YAMLNode) {
        for entry in entries(node, "alert_labels") {
            guard checkIdentifier(entry.key, at: entry.keyLocation, style: "snake"),
                claim("alert label", entry.key, at: entry.keyLocation)
            else { continue }
            guard let kind = entry.value.scalar?.string else {
                diagnostics.error(
                    entry.value.location, "alert label \(quoted: entry.key) must name a kind, found \(entry.value.foundDescription)")
                continue
            }
            schema.alertLabels.append(AlertLabel(label: entry.key, kind: kind, location: entry.value.location))
        }
    }

    mutating func readEvents(_ node: YAMLNode) {
        for entry in entries(node, "events") {
            let what = "event \(quoted: entry.key)"
            guard let reader = definition(entry, "event", style: "Type") else { continue }
            reader.rejectUnknownKeys(allowed: ["doc", "parents", "fields", "manual", "built_from"], in: what, into: &diagnostics)
            var builtFrom: EventDefinition.BuildSource? = nil
            if let text = reader.string("built_from", in: what, into: &diagnostics) {
                builtFrom = EventDefinition.BuildSource(rawValue: text)
                if builtFrom == nil {
                    let names = EventDefinition.BuildSource.allCases.map(\.rawValue)
                    diagnostics.error(
                        reader["built_from"]!.location,
                        "unknown 'built_from' \(quoted: text) in \(what); expected \(Suggestions.orList(names.map { "\(quoted: $0)" }))")
                }
                builtFromLocations[entry.key] = reader["built_from"]!.location
            }
            let parents = reader.stringList("parents", in: what, into: &diagnostics) ?? []
            parentLocations[entry.key] = parents.map(\.1)
            var fields: [FieldDefinition] = []
            if let fieldsNode = reader["fields"] {
                for field in entries(fieldsNode, "fields") {
                    let fieldWhat = "field \(quoted: field.key) of \(what)"
                    guard let fieldReader = MappingReader(field.value, what: fieldWhat, into: &diagnostics) else { continue }
                    fieldReader.rejectUnknownKeys(allowed: ["type", "optional", "doc"], in: fieldWhat, into: &diagnostics)
                    guard let typeText = fieldReader.string("type", in: fieldWhat, into: &diagnostics) else {
                        if fieldReader["type"] == nil { diagnostics.error(field.keyLocation, "\(fieldWhat) is missing 'type'") }
                        continue
                    }
                    guard let type = FieldDefinition.FieldType(rawValue: typeText) else {
                        let names = FieldDefinition.FieldType.allCases.map(\.rawValue)
                        diagnostics.error(
                            fieldReader["type"]!.location,
                            "unknown field type \(quoted: typeText) in \(fieldWhat); expected one of \(names.joined(separator: ", "))\(Suggestions.didYouMean(typeText, in: names))"
                        )
                        continue
                    }
                    if fields.contains(where: { $0.name == field.key }) {
                        diagnostics.error(field.keyLocation, "duplicate field \(quoted: field.key) in \(what)")
                        continue
                    }
                    // The generated event type holds its fields in a property of this name.
                    if field.key == "storage" {
                        diagnostics.error(
                            field.keyLocation,
                            "field name 'storage' in \(what) is reserved: the generated event type keeps its fields there")
                        continue
                    }
                    fields.append(
                        FieldDefinition(
                            name: field.key, type: type,
                            optional: fieldReader.bool("optional", in: fieldWhat, into: &diagnostics) ?? false,
                            doc: doc(fieldReader, fieldWhat, &diagnostics)))
                }
            }
            var manual: [ParameterDefinition]? = nil
            if let manualNode = reader["manual"],
                let manualReader = MappingReader(manualNode, what: "'manual' of \(what)", into: &diagnostics)
            {
                manualReader.rejectUnknownKeys(allowed: ["parameters"], in: "'manual' of \(what)", into: &diagnostics)
                pendingManual[entry.key] =
                    manualReader["parameters"].map { readParameters($0, owner: "manual parameters of \(what)") } ?? []
                manual = []
            }
            schema.events.append(
                EventDefinition(
                    name: entry.key, doc: doc(reader, what, &diagnostics), parents: parents.map(\.0), fields: fields,
                    manualParameters: manual, kind: nil, builtFrom: builtFrom, location: entry.keyLocation))
        }
    }

    mutating func readParameters(_ node: YAMLNode, owner: String) -> [PendingParameter] {
        var result: [PendingParameter] = []
        for entry in entries(node, "parameters") {
            let what = "parameter \(quoted: entry.key) of \(owner)"
            guard checkIdentifier(entry.key, at: entry.keyLocation, style: "parameter"),
                let reader = MappingReader(entry.value, what: what, into: &diagnostics)
            else { continue }
            reader.rejectUnknownKeys(
                allowed: ["type", "doc", "default", "required", "values", "minimum", "maximum"], in: what, into: &diagnostics)
            guard let typeText = reader.string("type", in: what, into: &diagnostics) else {
                if reader["type"] == nil { diagnostics.error(entry.keyLocation, "\(what) is missing 'type'") }
                continue
            }
            let required = reader.bool("required", in: what, into: &diagnostics) ?? false
            if required, let defaultNode = reader["default"] {
                diagnostics.error(defaultNode.location, "\(what) is required and so cannot have a default")
            }
            let values = reader.stringList("values", in: what, into: &diagnostics)?.map(\.0)
            result.append(
                PendingParameter(
                    name: entry.key, typeText: typeText, typeLocation: reader["type"]!.location,
                    doc: doc(reader, what, &diagnostics), required: required, defaultNode: reader["default"],
                    values: values, location: entry.keyLocation, minimum: reader.int("minimum", in: what, into: &diagnostics),
                    maximum: reader.int("maximum", in: what, into: &diagnostics)))
        }
        return result
    }

    mutating func readTypes(_ node: YAMLNode) {
        for entry in entries(node, "types") {
            let what = "type \(quoted: entry.key)"
            guard let reader = definition(entry, "type", style: "Type") else { continue }
            if baseTypes.contains(entry.key) {
                diagnostics.error(entry.keyLocation, "type \(quoted: entry.key) is already defined by the Triggerfish schema")
                continue
            }
            reader.rejectUnknownKeys(allowed: ["doc", "fields", "exactly_one"], in: what, into: &diagnostics)
            let fields = reader["fields"].map { readParameters($0, owner: what) } ?? []
            let record = RecordType(
                name: entry.key, doc: doc(reader, what, &diagnostics), fields: [],
                exactlyOne: reader.bool("exactly_one", in: what, into: &diagnostics) ?? false, isCustom: isCustom,
                location: entry.keyLocation)
            pendingTypes.append((record, fields))
        }
    }

    mutating func readParameterSets(_ node: YAMLNode) {
        for entry in entries(node, "parameter_sets") {
            guard claim("parameter set", entry.key, at: entry.keyLocation) else { continue }
            parameterSets[entry.key] = (entry.keyLocation, readParameters(entry.value, owner: "parameter set \(quoted: entry.key)"))
        }
    }

    mutating func readTriggers(_ node: YAMLNode) {
        for entry in entries(node, "triggers") {
            let what = "trigger \(quoted: entry.key)"
            guard let reader = definition(entry, "trigger", style: "snake") else { continue }
            reader.rejectUnknownKeys(
                allowed: ["doc", "event", "source", "kind", "operation", "condition", "parameter_sets", "parameters", "exactly_one_of"],
                in: what, into: &diagnostics)
            guard let event = reader.string("event", in: what, into: &diagnostics) else {
                if reader["event"] == nil { diagnostics.error(entry.keyLocation, "\(what) is missing 'event'") }
                continue
            }
            guard let sourceText = reader.string("source", in: what, into: &diagnostics) else {
                if reader["source"] == nil { diagnostics.error(entry.keyLocation, "\(what) is missing 'source'") }
                continue
            }
            guard let source = TriggerDefinition.Source(rawValue: sourceText) else {
                let names = TriggerDefinition.Source.allCases.map(\.rawValue)
                diagnostics.error(
                    reader["source"]!.location,
                    "unknown source \(quoted: sourceText) in \(what); expected \(Suggestions.orList(names.map { "\(quoted: $0)" }))")
                continue
            }
            var operation: TriggerDefinition.Operation? = nil
            if let text = reader.string("operation", in: what, into: &diagnostics) {
                operation = TriggerDefinition.Operation(rawValue: text)
                if operation == nil {
                    let names = TriggerDefinition.Operation.allCases.map(\.rawValue)
                    diagnostics.error(
                        reader["operation"]!.location,
                        "unknown operation \(quoted: text) in \(what); expected \(Suggestions.orList(names.map { "\(quoted: $0)" }))")
                }
            }
            let kind = reader.string("kind", in: what, into: &diagnostics)
            if source == .kubernetes && operation == nil && reader["operation"] == nil {
                diagnostics.error(entry.keyLocation, "\(what) has source 'kubernetes' and so needs an 'operation'")
            }
            if source != .kubernetes, let extra = reader.pair("kind") ?? reader.pair("operation") ?? reader.pair("condition") {
                diagnostics.error(extra.keyLocation, "\(quoted: extra.key) applies only to triggers with source 'kubernetes'")
            }
            let definition = TriggerDefinition(
                key: entry.key, doc: doc(reader, what, &diagnostics), event: event, source: source,
                kind: kind == "any" ? nil : kind, operation: operation,
                condition: reader.string("condition", in: what, into: &diagnostics), parameters: [],
                exactlyOneOf: reader.stringList("exactly_one_of", in: what, into: &diagnostics)?.map(\.0),
                sharedParametersType: nil, location: entry.keyLocation)
            pendingTriggers.append(
                PendingTrigger(
                    definition: definition, sets: reader.stringList("parameter_sets", in: what, into: &diagnostics) ?? [],
                    parameters: reader["parameters"].map { readParameters($0, owner: what) } ?? [],
                    eventLocation: reader["event"]!.location, kindLocation: reader["kind"]?.location))
        }
    }

    mutating func readActions(_ node: YAMLNode) {
        for entry in entries(node, "actions") {
            let what = "action \(quoted: entry.key)"
            guard let reader = definition(entry, "action", style: "snake") else { continue }
            if baseActions.contains(entry.key) {
                diagnostics.error(entry.keyLocation, "action \(quoted: entry.key) is already a built-in action; choose another name")
                continue
            }
            reader.rejectUnknownKeys(allowed: ["doc", "event", "parameters", "implemented"], in: what, into: &diagnostics)
            guard let event = reader.string("event", in: what, into: &diagnostics) else {
                if reader["event"] == nil { diagnostics.error(entry.keyLocation, "\(what) is missing 'event'") }
                continue
            }
            let implemented = reader.bool("implemented", in: what, into: &diagnostics) ?? true
            if isCustom && !implemented, let node = reader["implemented"] {
                diagnostics.error(
                    node.location,
                    "'implemented: false' is only for Triggerfish's built-in actions; \(what) is this target's own, so its PlaybookActions conformance implements it: remove the key"
                )
            }
            let action = ActionDefinition(
                name: entry.key, doc: doc(reader, what, &diagnostics), event: event, parameters: [], isCustom: isCustom,
                isImplemented: implemented, location: entry.keyLocation)
            pendingActions.append(
                (action, reader["parameters"].map { readParameters($0, owner: what) } ?? [], reader["event"]!.location))
        }
    }

    mutating func readSinks(_ node: YAMLNode) {
        for entry in entries(node, "sinks") {
            let what = "sink \(quoted: entry.key)"
            guard claim("sink", entry.key, at: entry.keyLocation),
                let reader = MappingReader(entry.value, what: what, into: &diagnostics)
            else { continue }
            reader.rejectUnknownKeys(allowed: ["doc", "delivers", "parameter_sets", "parameters"], in: what, into: &diagnostics)
            let sink = SinkDefinition(
                key: entry.key, doc: doc(reader, what, &diagnostics), parameters: [],
                delivers: reader.bool("delivers", in: what, into: &diagnostics) ?? false, location: entry.keyLocation)
            pendingSinks.append(
                (
                    sink, reader.stringList("parameter_sets", in: what, into: &diagnostics) ?? [],
                    reader["parameters"].map { readParameters($0, owner: what) } ?? []
                ))
        }
    }

    // MARK: Resolving

    mutating func resolve(_ pending: [PendingParameter], owner: String) -> [ParameterDefinition] {
        var result: [ParameterDefinition] = []
        for parameter in pending {
            if result.contains(where: { $0.name == parameter.name }) {
                diagnostics.error(parameter.location, "duplicate parameter \(quoted: parameter.name) in \(owner)")
                continue
            }
            let property = SwiftNames.property(parameter.name)
            if let other = result.first(where: { SwiftNames.property($0.name) == property }) {
                diagnostics.error(
                    parameter.location,
                    "parameters \(quoted: other.name) and \(quoted: parameter.name) of \(owner) would both be the Swift property \(quoted: property); rename one"
                )
                continue
            }
            let typeNames = schema.types.map(\.name) + pendingTypes.map(\.0.name)
            guard let type = ParameterType.parse(parameter.typeText, isRecord: { typeNames.contains($0) }) else {
                // Suggest for the innermost name, kept in its list<...>/map<...> wrappers.
                var inner = Substring(parameter.typeText.trimmingCharacters(in: .whitespaces))
                var prefix = ""
                var suffix = ""
                while let opening = ["list<", "map<"].first(where: { inner.hasPrefix($0) }), inner.hasSuffix(">") {
                    prefix += opening
                    suffix += ">"
                    inner = inner.dropFirst(opening.count).dropLast()
                }
                let candidates = Array(ParameterType.scalarNames.keys).sorted() + typeNames
                let suggestions = Suggestions.closest(to: String(inner), in: candidates).map { "'\(prefix)\($0)\(suffix)'" }
                let didYouMean = suggestions.isEmpty ? "" : "; did you mean \(Suggestions.orList(suggestions))?"
                diagnostics.error(
                    parameter.typeLocation,
                    "unknown type \(quoted: parameter.typeText) for parameter \(quoted: parameter.name) of \(owner); expected a built-in type (\(ParameterType.scalarNames.keys.sorted().joined(separator: ", ")), list<T>, map<T>) or a type from 'types'\(didYouMean)"
                )
                continue
            }
            if parameter.values != nil && type != .string {
                diagnostics.error(
                    parameter.location, "'values' applies only to string parameters, but \(quoted: parameter.name) is \(type)")
            }
            if type.numericElement == nil {
                if parameter.minimum != nil || parameter.maximum != nil {
                    diagnostics.error(
                        parameter.location,
                        "'minimum' and 'maximum' apply only to numeric parameters (int, number, and lists and maps of them), but \(quoted: parameter.name) is \(type)"
                    )
                }
            } else if let minimum = parameter.minimum, let maximum = parameter.maximum {
                if minimum > maximum {
                    diagnostics.error(
                        parameter.location,
                        "the 'minimum' (\(minimum)) of parameter \(quoted: parameter.name) of \(owner) is greater than its 'maximum' (\(maximum))"
                    )
                }
            } else {
                // Every number a config sets is checked against a range, so the runtime's arithmetic on it cannot trap.
                diagnostics.error(
                    parameter.location,
                    "parameter \(quoted: parameter.name) of \(owner) is \(type) and so needs 'minimum' and 'maximum': every numeric parameter states the range that validate checks"
                )
            }
            result.append(
                ParameterDefinition(
                    name: parameter.name, type: type, doc: parameter.doc, required: parameter.required,
                    defaultValue: parameter.defaultNode.map(JSONValue.init(yaml:)), allowedValues: parameter.values,
                    location: parameter.location, minimum: parameter.minimum, maximum: parameter.maximum))
        }
        return result
    }

    mutating func expand(sets: [(String, SourceLocation)], owner: String) -> [PendingParameter] {
        var result: [PendingParameter] = []
        for (name, location) in sets {
            guard let set = parameterSets[name] else {
                diagnostics.error(
                    location,
                    "unknown parameter set \(quoted: name) in \(owner)\(Suggestions.didYouMean(name, in: parameterSets.keys))")
                continue
            }
            result += set.parameters
        }
        return result
    }

    mutating func checkDefaults(_ parameters: [ParameterDefinition], pending: [PendingParameter], owner: String) {
        for parameter in parameters {
            guard let node = pending.first(where: { $0.name == parameter.name })?.defaultNode else { continue }
            if case .null? = node.scalar?.value { continue }
            var checker = ParameterChecker(schema: schema)
            checker.check(node, as: parameter, what: "the default of parameter \(quoted: parameter.name) of \(owner)")
            diagnostics.append(contentsOf: checker.diagnostics.items)
        }
    }

    mutating func resolveTypes() {
        // Register names first so records may refer to each other.
        for (record, _) in pendingTypes { schema.types.append(record) }
        let start = schema.types.count - pendingTypes.count
        for (offset, (record, pending)) in pendingTypes.enumerated() {
            schema.types[start + offset].fields = resolve(pending, owner: "type \(quoted: record.name)")
        }
        // A record may not contain itself except through a list or map.
        for record in schema.types[start...] {
            var stack = record.fields.compactMap { field -> String? in
                if case .record(let name) = field.type { return name }
                return nil
            }
            var seen: Set<String> = []
            while let next = stack.popLast() {
                if next == record.name {
                    diagnostics.error(record.location, "type \(quoted: record.name) contains itself; nest it in a list<...> instead")
                    break
                }
                guard seen.insert(next).inserted, let inner = schema.type(named: next) else { continue }
                for field in inner.fields { if case .record(let name) = field.type { stack.append(name) } }
            }
        }
        pendingTypes = []
    }

    mutating func finish() {
        resolveTypes()
        schema.reindex()
        // Kind expansion: <Kind>Event, <Kind>ChangeEvent, on_<kind>_<operation>.
        if !schema.kinds.isEmpty {
            guard let parents = kindEventParents else {
                diagnostics.error(
                    schema.kinds[0].location, "kinds need a 'kind_events' section naming 'resource_parent' and 'change_parent'")
                return
            }
            schema.kindResourceParent = parents.resource.0
            schema.kindChangeParent = parents.change.0
            for kind in schema.kinds {
                let location = kind.location
                let nameParameter = ParameterDefinition(
                    name: "name", type: .string, doc: "Name of the \(kind.name).", required: true, defaultValue: nil,
                    allowedValues: nil, location: location)
                let namespaceParameter = ParameterDefinition(
                    name: "namespace", type: .string, doc: "Namespace of the \(kind.name).", required: true, defaultValue: nil,
                    allowedValues: nil, location: location)
                if claim("event", kind.eventName, at: location) {
                    schema.events.append(
                        EventDefinition(
                            name: kind.eventName,
                            doc: "An event about one \(kind.name) (\(kind.apiVersion)). \(kind.doc)".trimmingCharacters(in: .whitespaces),
                            parents: [parents.resource.0],
                            fields: [
                                FieldDefinition(
                                    name: kind.accessor, type: .kubernetesObject, optional: true, doc: "The \(kind.name), when known.")
                            ],
                            manualParameters: kind.namespaced ? [nameParameter, namespaceParameter] : [nameParameter],
                            kind: kind.name, location: location))
                    parentLocations[kind.eventName] = [parents.resource.1]
                }
                if claim("event", kind.changeEventName, at: location) {
                    schema.events.append(
                        EventDefinition(
                            name: kind.changeEventName,
                            doc: "A \(kind.name) was created, updated or deleted.",
                            parents: [kind.eventName, parents.change.0], fields: [], manualParameters: nil, kind: kind.name,
                            builtFrom: .kubernetesChange, location: location))
                    parentLocations[kind.changeEventName] = [location, parents.change.1]
                }
            }
            for kind in schema.kinds {
                for operation in TriggerDefinition.Operation.allCases {
                    let key = kind.triggerKey(operation)
                    guard claim("trigger", key, at: kind.location) else { continue }
                    let what: String
                    switch operation {
                    case .create: what = "a \(kind.name) is created"
                    case .update: what = "a \(kind.name) is updated"
                    case .delete: what = "a \(kind.name) is deleted"
                    case .allChanges: what = "a \(kind.name) is created, updated or deleted"
                    }
                    pendingTriggers.append(
                        PendingTrigger(
                            definition: TriggerDefinition(
                                key: key, doc: "Fires when \(what).", event: kind.changeEventName, source: .kubernetes,
                                kind: kind.name, operation: operation, condition: nil, parameters: [], exactlyOneOf: nil,
                                sharedParametersType: Self.kindTriggerParameters, location: kind.location),
                            sets: kindTriggerSets, parameters: [], eventLocation: kind.location, kindLocation: nil))
                }
            }
        }
        schema.reindex()
        checkEvents()
        // Manual parameters.
        for (name, pending) in pendingManual {
            guard let index = schema.eventIndex[name] else { continue }
            schema.events[index].manualParameters = resolve(pending, owner: "manual parameters of event \(quoted: name)")
        }
        for pending in pendingTriggers {
            var definition = pending.definition
            let owner = "trigger \(quoted: definition.key)"
            if schema.event(named: definition.event) == nil {
                diagnostics.error(
                    pending.eventLocation,
                    "unknown event \(quoted: definition.event) in \(owner)\(Suggestions.didYouMean(definition.event, in: schema.events.map(\.name)))"
                )
            }
            if let kind = definition.kind, !schema.kinds.contains(where: { $0.name == kind }) {
                diagnostics.error(
                    pending.kindLocation ?? definition.location,
                    "unknown kind \(quoted: kind) in \(owner); expected a kind from 'kinds' or 'any'\(Suggestions.didYouMean(kind, in: schema.kinds.map(\.name)))"
                )
            }
            let all = expand(sets: pending.sets, owner: owner) + pending.parameters
            definition.parameters = resolve(all, owner: owner)
            // A trigger taking exactly the kind triggers' parameter sets shares their parameters type.
            if pending.parameters.isEmpty, !kindTriggerSets.isEmpty, pending.sets.map(\.0) == kindTriggerSets.map(\.0) {
                definition.sharedParametersType = Self.kindTriggerParameters
            }
            checkDefaults(definition.parameters, pending: all, owner: owner)
            for name in definition.exactlyOneOf ?? [] where !definition.parameters.contains(where: { $0.name == name }) {
                diagnostics.error(
                    definition.location, "'exactly_one_of' of \(owner) names \(quoted: name), which is not one of its parameters")
            }
            schema.triggers.append(definition)
        }
        pendingTriggers = []
        finishActions()
        finishPermissions()
        schema.sinkBaseParameters = resolve(pendingSinkBase, owner: "sink_parameters")
        checkDefaults(schema.sinkBaseParameters, pending: pendingSinkBase, owner: "sink_parameters")
        for (sink, sets, own) in pendingSinks {
            var sink = sink
            let all = expand(sets: sets, owner: "sink \(quoted: sink.key)") + own
            sink.parameters = resolve(all, owner: "sink \(quoted: sink.key)")
            checkDefaults(sink.parameters, pending: all, owner: "sink \(quoted: sink.key)")
            schema.sinks.append(sink)
        }
        schema.reindex()
    }

    mutating func finishActions() {
        for (action, pending, eventLocation) in pendingActions {
            var action = action
            let owner = "action \(quoted: action.name)"
            if schema.event(named: action.event) == nil {
                diagnostics.error(
                    eventLocation,
                    "unknown event \(quoted: action.event) in \(owner)\(Suggestions.didYouMean(action.event, in: schema.events.map(\.name)))"
                )
            }
            action.parameters = resolve(pending, owner: owner)
            checkDefaults(action.parameters, pending: pending, owner: owner)
            schema.actions.append(action)
        }
        pendingActions = []
    }

    mutating func finishCustom() {
        resolveTypes()
        finishActions()
        finishPermissions()
        schema.reindex()
    }

    mutating func checkEvents() {
        for event in schema.events {
            for (index, parent) in event.parents.enumerated() where schema.event(named: parent) == nil {
                let location = parentLocations[event.name]?[safe: index] ?? event.location
                diagnostics.error(
                    location,
                    "unknown parent \(quoted: parent) of event \(quoted: event.name)\(Suggestions.didYouMean(parent, in: schema.events.map(\.name)))"
                )
            }
            if Set(event.parents).count != event.parents.count {
                diagnostics.error(event.location, "event \(quoted: event.name) lists the same parent twice")
            }
        }
        // Cycles: depth-first search with colours; report each cycle once, at its first event.
        var colour: [String: Int] = [:]
        var reported: Set<String> = []
        func visit(_ name: String, path: [String]) {
            colour[name] = 1
            for parent in schema.event(named: name)?.parents ?? [] {
                switch colour[parent] ?? 0 {
                case 0: visit(parent, path: path + [parent])
                case 1:
                    let cycle = Array(path.drop { $0 != parent }) + [parent]
                    let key = Set(cycle).sorted().joined(separator: ",")
                    if reported.insert(key).inserted, let event = schema.event(named: parent) {
                        diagnostics.error(
                            event.location, "inheritance cycle: \(cycle.joined(separator: " -> "))")
                    }
                default: break
                }
            }
            colour[name] = 2
        }
        for event in schema.events where colour[event.name] == nil { visit(event.name, path: [event.name]) }
        if reported.isEmpty { checkBuildSources() }
        for alertLabel in schema.alertLabels where !schema.kinds.contains(where: { $0.name == alertLabel.kind }) {
            diagnostics.error(
                alertLabel.location,
                "unknown kind \(quoted: alertLabel.kind) for alert label \(quoted: alertLabel.label)\(Suggestions.didYouMean(alertLabel.kind, in: schema.kinds.map(\.name)))"
            )
        }
    }

    /// An event built from a change or an alert has only fields the generated constructor can fill.
    mutating func checkBuildSources() {
        for event in schema.events {
            guard let source = event.builtFrom, event.kind == nil else { continue }
            let location = builtFromLocations[event.name] ?? event.location
            let fields = schema.allFields(of: event.name)
            let fillable: (FieldDefinition) -> Bool
            let expected: String
            switch source {
            case .kubernetesChange:
                for required in ["operation", "object"] where !fields.contains(where: { $0.name == required }) {
                    diagnostics.error(
                        location, "event \(quoted: event.name) is built from a Kubernetes change and so needs the field \(quoted: required)"
                    )
                }
                fillable = {
                    switch $0.name {
                    case "operation": $0.type == .kubernetesOperation && !$0.optional
                    case "object": $0.type == .kubernetesObject && !$0.optional
                    default: $0.type == .kubernetesObject && $0.optional
                    }
                }
                expected =
                    "'operation' (kubernetes_operation), 'object' (kubernetes_object), 'oldObject' and other optional kubernetes_object fields"
            case .prometheusAlert:
                if !fields.contains(where: { $0.type == .prometheusAlert }) {
                    diagnostics.error(
                        location, "event \(quoted: event.name) is built from a Prometheus alert and so needs a prometheus_alert field")
                }
                fillable = { $0.type == .prometheusAlert || ($0.type == .kubernetesObject && $0.optional) }
                expected = "prometheus_alert and optional kubernetes_object fields"
            }
            for field in fields where !fillable(field) {
                diagnostics.error(
                    location,
                    "event \(quoted: event.name) is built from \(source.rawValue), which cannot fill its field \(quoted: field.name) (\(field.type.rawValue)\(field.optional ? ", optional" : "")); expected \(expected)"
                )
            }
        }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

// MARK: Permissions

/// An action's permissions as read, checked against the actions once all files are read.
private struct PendingPermissions {
    var permissions: ActionPermissions
    /// The location of each `when:` parameter name, by rule.
    var whenLocations: [[String: SourceLocation]]
}

/// A rule as read, with the locations of its `when:` keys.
private struct ReadRule {
    var rule: PermissionRule
    var when: [String: JSONValue]
    var whenLocations: [String: SourceLocation]
    var location: SourceLocation
}

extension State {
    mutating func readPermissions(_ node: YAMLNode) {
        let section = "permissions"
        for entry in entries(node, section) {
            let what = "the permissions of action \(quoted: entry.key)"
            guard claim("permissions for action", entry.key, at: entry.keyLocation),
                let reader = MappingReader(entry.value, what: what, into: &diagnostics)
            else { continue }
            reader.rejectUnknownKeys(allowed: ["rules", "event_kinds"], in: what, into: &diagnostics)
            let rules = reader["rules"].map { readRules($0, what: what, allowWhen: true) } ?? []
            let eventKindVerbs = reader["event_kinds"].map { readVerbs($0, key: "event_kinds", what: what) } ?? []
            if reader["rules"] == nil && reader["event_kinds"] == nil {
                diagnostics.error(entry.keyLocation, "\(what) give neither 'rules' nor 'event_kinds'")
            }
            pendingPermissions.append(
                PendingPermissions(
                    permissions: ActionPermissions(
                        action: entry.key,
                        rules: rules.map { ActionPermissions.Rule(rule: $0.rule, when: $0.when, location: $0.location) },
                        eventKindVerbs: eventKindVerbs, location: entry.keyLocation),
                    whenLocations: rules.map(\.whenLocations)))
        }
    }

    mutating func readRunnerPermissions(_ node: YAMLNode) {
        let what = "'runner_permissions'"
        guard claim("section", "runner_permissions", at: node.location),
            let reader = MappingReader(node, what: what, into: &diagnostics)
        else { return }
        let keys = ["watched_kinds", "alert_kinds", "manual_kinds", "leader_election", "schedule_state"]
        reader.rejectUnknownKeys(allowed: keys, in: what, into: &diagnostics)
        for key in keys where reader[key] == nil {
            diagnostics.error(node.location, "\(what) is missing \(quoted: key)")
        }
        var runner = RunnerPermissions()
        runner.watchedKindVerbs = reader["watched_kinds"].map { readVerbs($0, key: "watched_kinds", what: what) } ?? []
        runner.alertKindVerbs = reader["alert_kinds"].map { readVerbs($0, key: "alert_kinds", what: what) } ?? []
        runner.manualKindVerbs = reader["manual_kinds"].map { readVerbs($0, key: "manual_kinds", what: what) } ?? []
        runner.leaderElection =
            reader["leader_election"].map { readRules($0, what: "'leader_election' of \(what)", allowWhen: false).map(\.rule) } ?? []
        runner.scheduleState =
            reader["schedule_state"].map { readRules($0, what: "'schedule_state' of \(what)", allowWhen: false).map(\.rule) } ?? []
        schema.runnerPermissions = runner
    }

    mutating func readRules(_ node: YAMLNode, what: String, allowWhen: Bool) -> [ReadRule] {
        guard let items = node.sequence else {
            diagnostics.error(node.location, "the rules of \(what) must be a list, found \(node.foundDescription)")
            return []
        }
        if items.isEmpty { diagnostics.error(node.location, "the rules of \(what) must not be empty") }
        return items.compactMap { readRule($0, what: "a rule of \(what)", allowWhen: allowWhen) }
    }

    mutating func readRule(_ node: YAMLNode, what: String, allowWhen: Bool) -> ReadRule? {
        guard let reader = MappingReader(node, what: what, into: &diagnostics) else { return nil }
        reader.rejectUnknownKeys(allowed: ["api_groups", "resources", "verbs"] + (allowWhen ? ["when"] : []), in: what, into: &diagnostics)
        var complete = true
        for key in ["api_groups", "resources", "verbs"] where reader[key] == nil {
            diagnostics.error(node.location, "\(what) is missing \(quoted: key)")
            complete = false
        }
        let groups = reader.stringList("api_groups", in: what, into: &diagnostics) ?? []
        for (group, location) in groups where !Self.isAPIGroup(group) {
            diagnostics.error(
                location,
                "invalid API group \(quoted: group) in \(what): expected \"\" (the core group) or a group such as 'apps' (no wildcard)")
        }
        let resources = reader.stringList("resources", in: what, into: &diagnostics) ?? []
        for (resource, location) in resources where !Self.isResource(resource) {
            diagnostics.error(
                location,
                "invalid resource \(quoted: resource) in \(what): expected a lower-case plural such as 'pods', or 'pods/log' for a subresource (no wildcard)"
            )
        }
        for (key, list) in [("api_groups", groups), ("resources", resources)] where list.isEmpty {
            if let listNode = reader[key], listNode.sequence?.isEmpty == true {
                diagnostics.error(listNode.location, "\(quoted: key) in \(what) must not be empty")
            }
        }
        let verbs = reader["verbs"].map { readVerbs($0, key: "verbs", what: what) } ?? []
        var when: [String: JSONValue] = [:]
        var whenLocations: [String: SourceLocation] = [:]
        if allowWhen, let whenNode = reader["when"] {
            for pair in entries(whenNode, "when") {
                let isNull: Bool
                if case .null? = pair.value.scalar?.value { isNull = true } else { isNull = false }
                guard pair.value.scalar != nil, !isNull else {
                    diagnostics.error(
                        pair.value.location,
                        "\(quoted: pair.key) in 'when' of \(what) must be a parameter value (a string, number or boolean), found \(pair.value.foundDescription)"
                    )
                    continue
                }
                when[pair.key] = JSONValue(yaml: pair.value)
                whenLocations[pair.key] = pair.keyLocation
            }
        }
        guard complete else { return nil }
        return ReadRule(
            rule: PermissionRule(apiGroups: groups.map(\.0), resources: resources.map(\.0), verbs: verbs), when: when,
            whenLocations: whenLocations, location: node.location)
    }

    /// A list of verbs (`[get, list]`); unknown ones, the wildcard among them, are errors.
    mutating func readVerbs(_ node: YAMLNode, key: String, what: String) -> [String] {
        guard let items = node.sequence else {
            diagnostics.error(node.location, "\(quoted: key) in \(what) must be a list of verbs, found \(node.foundDescription)")
            return []
        }
        if items.isEmpty { diagnostics.error(node.location, "\(quoted: key) in \(what) must not be empty") }
        var verbs: [String] = []
        for item in items {
            guard case .string(let verb)? = item.scalar?.value else {
                diagnostics.error(item.location, "items of \(quoted: key) in \(what) must be verbs, found \(item.foundDescription)")
                continue
            }
            guard PermissionRule.verbs.contains(verb) else {
                diagnostics.error(
                    item.location,
                    "unknown verb \(quoted: verb) in \(quoted: key) of \(what); expected \(Suggestions.orList(PermissionRule.verbs)) (no wildcard)\(Suggestions.didYouMean(verb, in: PermissionRule.verbs))"
                )
                continue
            }
            if !verbs.contains(verb) { verbs.append(verb) }
        }
        return verbs
    }

    /// `""` (the core group) or a DNS subdomain (`apps`, `events.k8s.io`).
    static func isAPIGroup(_ group: String) -> Bool {
        group.isEmpty
            || (group.first?.isLetter == true && group.last.map { $0.isLetter || $0.isNumber } == true
                && group.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "." || $0 == "-") })
    }

    /// `pods`, `pods/log`, `horizontalpodautoscalers`: a lower-case plural, optionally with a subresource.
    static func isResource(_ resource: String) -> Bool {
        let parts = resource.split(separator: "/", omittingEmptySubsequences: false)
        return (1...2).contains(parts.count)
            && parts.allSatisfy { part in
                part.first.map { $0.isASCII && $0.isLowercase } == true && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
            }
    }

    /// Checks each action's permissions against the declared actions and their parameters.
    mutating func finishPermissions() {
        schema.reindex()  // the actions just added
        for pending in pendingPermissions {
            let permissions = pending.permissions
            guard let action = schema.action(named: permissions.action) else {
                diagnostics.error(
                    permissions.location,
                    "unknown action \(quoted: permissions.action) in 'permissions'\(Suggestions.didYouMean(permissions.action, in: schema.actions.map(\.name)))"
                )
                continue
            }
            if isCustom, schema.permissions(ofAction: action.name) != nil {
                diagnostics.error(
                    permissions.location, "the permissions of action \(quoted: action.name) are already given by the Triggerfish schema")
                continue
            }
            var valid = true
            for (rule, locations) in zip(permissions.rules, pending.whenLocations) {
                for name in rule.when.keys.sorted() where !action.parameters.contains(where: { $0.name == name }) {
                    let names = action.parameters.map(\.name)
                    diagnostics.error(
                        locations[name] ?? rule.location,
                        "unknown parameter \(quoted: name) in 'when' of the permissions of action \(quoted: action.name)\(Suggestions.didYouMean(name, in: names))"
                    )
                    valid = false
                }
            }
            if valid { schema.actionPermissions.append(permissions) }
        }
        pendingPermissions = []
    }
}
