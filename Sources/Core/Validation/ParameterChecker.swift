import Foundation

/// Checks YAML values against parameter definitions: types, required parameters, unknown keys,
/// allowed values, regexes, cron expressions, label selectors and scopes. Every problem found is
/// recorded; checking never stops at the first.
public struct ParameterChecker {
    let schema: Schema
    /// The attributes a `scope` may test here (they differ between Kubernetes triggers, alert
    /// triggers and sinks); `nil` accepts any.
    var scopeAttributes: [String]?
    public internal(set) var diagnostics = DiagnosticList()
    /// The scopes checked without error, by their node, compiled for the runtime.
    var compiledScopes: [ObjectIdentifier: CompiledScope] = [:]

    init(schema: Schema, scopeAttributes: [String]? = nil) {
        self.schema = schema
        self.scopeAttributes = scopeAttributes
    }

    /// Checks a parameters mapping (`null` counts as empty) against `parameters`.
    /// `what` names the owner, e.g. "trigger 'on_pod_update'". `inherited` are pairs merged under
    /// the mapping (an action's `global_config`): those the owner declares and does not set itself
    /// count as given and are type-checked where they are written; the others are ignored.
    mutating func checkParameters(
        _ node: YAMLNode?, against parameters: [ParameterDefinition], exactlyOneOf: [String]? = nil, owner: String,
        ownerLocation: SourceLocation, inherited: [YAMLPair] = []
    ) {
        var pairs: [YAMLPair] = []
        if let node {
            switch node.content {
            case .scalar(let s) where s.value == .null: break
            case .mapping(let p): pairs = p
            default:
                diagnostics.error(node.location, "parameters of \(owner) must be a mapping, found \(node.foundDescription)")
                return
            }
        }
        let merged = inherited.filter { pair in
            pair.value.scalar?.value != .null && !pairs.contains { $0.key == pair.key } && parameters.contains { $0.name == pair.key }
        }
        checkFields(pairs + merged, parameters: parameters, exactlyOne: exactlyOneOf, owner: owner, at: ownerLocation)
    }

    mutating func checkFields(
        _ pairs: [YAMLPair], parameters: [ParameterDefinition], exactlyOne: [String]?, owner: String, at location: SourceLocation
    ) {
        let names = parameters.map(\.name)
        for pair in pairs {
            guard let parameter = parameters.first(where: { $0.name == pair.key }) else {
                diagnostics.error(pair.keyLocation, unknownParameterMessage(pair.key, owner: owner, names: names))
                continue
            }
            if case .null? = pair.value.scalar?.value {
                if parameter.required {
                    diagnostics.error(pair.value.location, "required parameter \(quoted: pair.key) of \(owner) is null")
                }
                continue
            }
            check(pair.value, as: parameter, what: "parameter \(quoted: pair.key) of \(owner)")
        }
        let given = Set(pairs.filter { $0.value.scalar?.value != .null }.map(\.key))
        for parameter in parameters where parameter.required && !pairs.contains(where: { $0.key == parameter.name }) {
            diagnostics.error(
                location, "missing required parameter \(quoted: parameter.name) (\(parameter.type)) of \(owner)")
        }
        if let exactlyOne {
            let present = exactlyOne.filter(given.contains)
            if present.count != 1 {
                let options = Suggestions.orList(exactlyOne.map { "\(quoted: $0)" })
                diagnostics.error(
                    location,
                    present.isEmpty
                        ? "\(owner) needs one of \(options)"
                        : "\(owner) takes exactly one of \(options), but \(present.count) are given (\(present.joined(separator: ", ")))")
            }
        }
    }

    func unknownParameterMessage(_ key: String, owner: String, names: [String]) -> String {
        let suggestion = Suggestions.didYouMean(key, in: names)
        if !suggestion.isEmpty { return "unknown parameter \(quoted: key) for \(owner)\(suggestion)" }
        if names.isEmpty { return "unknown parameter \(quoted: key) for \(owner), which takes no parameters" }
        return "unknown parameter \(quoted: key) for \(owner); valid parameters: \(names.joined(separator: ", "))"
    }

    /// Checks one non-null value against a parameter's type. `what` names it in messages.
    mutating func check(_ node: YAMLNode, as parameter: ParameterDefinition, what: String) {
        check(node, type: parameter.type, what: what, range: (parameter.minimum, parameter.maximum))
        if let allowed = parameter.allowedValues, case .string(let value)? = node.scalar?.value, !allowed.contains(value) {
            diagnostics.error(
                node.location,
                "\(quoted: value) is not a valid value for \(what) and would never match; expected \(Suggestions.orList(allowed.map { "\(quoted: $0)" }))"
            )
        }
    }

    /// `range` bounds every number the value holds (each item of a `list<int>`, say).
    mutating func check(_ node: YAMLNode, type: ParameterType, what: String, range: (minimum: Int?, maximum: Int?) = (nil, nil)) {
        switch type {
        case .any:
            return
        case .string:
            _ = expectString(node, what: what)
        case .int:
            guard case .int(let value)? = node.scalar?.value else { return mismatch(node, expected: "an integer", what: what) }
            checkRange(node, Double(value), shown: String(value), range, what: what)
        case .number:
            switch node.scalar?.value {
            case .int(let value)?: checkRange(node, Double(value), shown: String(value), range, what: what)
            case .double(let value)?: checkRange(node, value, shown: node.scalar?.text ?? String(value), range, what: what)
            default: mismatch(node, expected: "a number", what: what)
            }
        case .bool:
            if case .bool? = node.scalar?.value { return }
            mismatch(node, expected: "true or false", what: what)
        case .regex:
            if let text = expectString(node, what: what) {
                switch ScopeRegex.compile(text) {
                case .success(let regex): diagnostics.warnAboutNestedQuantifiers(regex, at: node.location, what: what)
                case .failure(let problem): diagnostics.error(node.location, "invalid regex \(quoted: text) in \(what): \(problem.message)")
                }
            }
        case .cron:
            if let text = expectString(node, what: what), let problem = CronExpression.problem(in: text) {
                diagnostics.error(node.location, "invalid cron expression \(quoted: text) in \(what): \(problem)")
            }
        case .labelSelector:
            if let text = expectString(node, what: what), let problem = LabelSelector.problem(in: text) {
                diagnostics.error(node.location, "invalid label selector \(quoted: text) in \(what): \(problem)")
            }
        case .scope:
            checkScope(node, what: what)
        case .url:
            if let text = expectString(node, what: what), !Self.isHTTPURL(text) {
                diagnostics.error(node.location, "\(what) must be an http or https URL with a host, found \(quoted: text)")
            }
        case .list(let inner):
            guard let items = node.sequence else {
                mismatch(node, expected: "a list", what: what)
                return
            }
            for (index, item) in items.enumerated() {
                check(item, type: inner, what: "item \(index + 1) of \(what)", range: range)
            }
        case .map(let inner):
            guard let pairs = node.mapping else {
                mismatch(node, expected: "a mapping", what: what)
                return
            }
            for pair in pairs { check(pair.value, type: inner, what: "\(quoted: pair.key) in \(what)", range: range) }
        case .record(let name):
            guard let record = schema.type(named: name) else { return }
            guard let pairs = node.mapping else {
                mismatch(node, expected: "a mapping (\(name))", what: what)
                return
            }
            checkFields(
                pairs, parameters: record.fields, exactlyOne: record.exactlyOne ? record.fields.map(\.name) : nil,
                owner: what, at: node.location)
        }
    }

    /// Reports a number outside the parameter's range (an infinite or NaN number is outside any range).
    mutating func checkRange(_ node: YAMLNode, _ value: Double, shown: String, _ range: (minimum: Int?, maximum: Int?), what: String) {
        if let minimum = range.minimum, !(value >= Double(minimum)) {
            diagnostics.error(node.location, "\(what) must be at least \(minimum), found \(MessageText.quoted(shown, quote: ""))")
        } else if let maximum = range.maximum, !(value <= Double(maximum)) {
            diagnostics.error(node.location, "\(what) must be at most \(maximum), found \(MessageText.quoted(shown, quote: ""))")
        }
    }

    mutating func expectString(_ node: YAMLNode, what: String) -> String? {
        if case .string(let s)? = node.scalar?.value { return s }
        if let scalar = node.scalar, scalar.value != .null {
            diagnostics.error(
                node.location,
                "\(what) must be a string, found \(node.foundDescription); quote it to make it a string: \(MessageText.quoted(scalar.text, quote: "\""))"
            )
        } else {
            mismatch(node, expected: "a string", what: what)
        }
        return nil
    }

    mutating func mismatch(_ node: YAMLNode, expected: String, what: String) {
        diagnostics.error(node.location, "\(what) must be \(expected), found \(node.foundDescription)")
    }

    /// An absolute `http` or `https` URL with a host, as a webhook needs.
    static func isHTTPURL(_ text: String) -> Bool {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "http" || scheme == "https"
    }

    // MARK: Scope

    /// Robusta's ScopeParams: `include` and/or `exclude`, each a non-empty list of entries mapping
    /// an attribute to a regex or a list of regexes. Compiles the scope as it checks it: a scope
    /// without errors is kept in ``compiledScopes`` for the runtime, so what runs is what was checked.
    mutating func checkScope(_ node: YAMLNode, what: String) {
        guard let pairs = node.mapping else {
            mismatch(node, expected: "a mapping with 'include' and/or 'exclude'", what: what)
            return
        }
        let errorsBefore = diagnostics.errorCount
        if pairs.isEmpty {
            diagnostics.error(node.location, "\(what) needs 'include' or 'exclude'")
        }
        var lists: [String: [CompiledScope.Entry]] = [:]
        for pair in pairs {
            guard pair.key == "include" || pair.key == "exclude" else {
                diagnostics.error(pair.keyLocation, MappingReader.unknownKeyMessage(pair.key, in: what, allowed: ["include", "exclude"]))
                continue
            }
            guard let entries = pair.value.sequence else {
                mismatch(pair.value, expected: "a list of scope entries", what: "\(quoted: pair.key) of \(what)")
                continue
            }
            if entries.isEmpty {
                diagnostics.error(pair.value.location, "\(quoted: pair.key) of \(what) must not be an empty list; remove it instead")
            }
            var compiled: [CompiledScope.Entry] = []
            for (index, entry) in entries.enumerated() {
                let entryWhat = "\(pair.key) entry \(index + 1) of \(what)"
                guard let attributes = entry.mapping else {
                    mismatch(entry, expected: "a mapping of attributes to regexes", what: entryWhat)
                    continue
                }
                if attributes.isEmpty { diagnostics.error(entry.location, "\(entryWhat) is empty") }
                var rules: [CompiledScope.Rule] = []
                // Sorted so that evaluation order (and so cost) does not depend on the config's order.
                for attribute in attributes.sorted(by: { $0.key < $1.key }) {
                    if let allowed = scopeAttributes, !allowed.contains(attribute.key) {
                        diagnostics.error(
                            attribute.keyLocation,
                            "unknown scope attribute \(quoted: attribute.key) in \(entryWhat); available here: \(allowed.joined(separator: ", "))\(Suggestions.didYouMean(attribute.key, in: allowed))"
                        )
                        continue
                    }
                    var matchers: [CompiledScope.Matcher] = []
                    let values: [YAMLNode] = attribute.value.sequence ?? [attribute.value]
                    for value in values {
                        let valueWhat = "\(quoted: attribute.key) in \(entryWhat)"
                        guard let text = expectString(value, what: valueWhat) else { continue }
                        switch CompiledScope.Matcher.compile(attribute: attribute.key, expression: text) {
                        case .success(let matcher):
                            matchers.append(matcher)
                            for regex in matcher.regexes {
                                diagnostics.warnAboutNestedQuantifiers(regex, at: value.location, what: valueWhat)
                            }
                        case .failure(let problem):
                            let message =
                                switch attribute.key {
                                case "labels", "annotations", "namespace_labels", "attributes":
                                    "invalid \(attribute.key) matcher \(quoted: text) in \(entryWhat): \(problem.message)"
                                default:
                                    "invalid regex \(quoted: text) in \(valueWhat): \(problem.message)"
                                }
                            diagnostics.error(value.location, message)
                        }
                    }
                    rules.append(CompiledScope.Rule(attribute: attribute.key, matchers: matchers))
                }
                compiled.append(CompiledScope.Entry(rules: rules))
            }
            lists[pair.key] = compiled
        }
        if diagnostics.errorCount == errorsBefore {
            compiledScopes[ObjectIdentifier(node)] = CompiledScope(include: lists["include"], exclude: lists["exclude"])
        }
    }
}
