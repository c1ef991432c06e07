/// What ``ConfigValidator/checkManualTrigger(action:parameters:globalConfig:)`` found, split the
/// way Robusta reports it: problems with the parameters of the event built by hand, and problems
/// with the action's parameters (unknown keys among them: a key must be one or the other).
public struct ManualTriggerCheck: Sendable {
    /// Parameters of the action's event (`name`, `namespace`, ...): missing, or of the wrong type.
    public var eventDiagnostics: [Diagnostic]
    /// The action's own parameters, and keys that are neither an event nor an action parameter.
    public var actionDiagnostics: [Diagnostic]

    public var hasErrors: Bool { (eventDiagnostics + actionDiagnostics).contains { $0.severity == .error } }
}

extension ConfigValidator {
    /// Checks the parameters of a manual trigger (`POST /api/trigger`'s `action_params`) with the
    /// rules a config's action parameters go through. Robusta reads one mapping as both the event's
    /// manual parameters and the action's parameters and ignores the keys neither takes; here a key
    /// must be one of them (a misspelled parameter is an error, with "did you mean"). A key both
    /// take is checked against both. `globalConfig` is merged under the action's parameters, as a
    /// config's `global_config` is.
    ///
    /// - Precondition: the action's event can be built by hand (``Schema/isManuallyTriggerable(_:)``);
    ///   otherwise the event is taken to need no parameters.
    public func checkManualTrigger(action: ActionDefinition, parameters: JSONValue, globalConfig: JSONValue = [:]) -> ManualTriggerCheck {
        let location = Self.codeLocation
        let eventParameters = schema.event(named: action.event)?.manualParameters ?? []
        let owner = "manual trigger of action \(quoted: action.name)"
        var pairs: [YAMLPair] = []
        switch parameters {
        case .null: break
        case .object:
            pairs = YAMLNode(json: parameters, at: location).mapping ?? []
        default:
            let found = YAMLNode(json: parameters, at: location).foundDescription
            let message = "the parameters of \(owner) must be a mapping, found \(found)"
            return ManualTriggerCheck(eventDiagnostics: [], actionDiagnostics: [.error(location, message)])
        }
        let eventNames = Set(eventParameters.map(\.name))
        let actionNames = Set(action.parameters.map(\.name))

        var eventChecker = ParameterChecker(schema: schema)
        eventChecker.checkFields(
            pairs.filter { eventNames.contains($0.key) }, parameters: eventParameters, exactlyOne: nil,
            owner: "the \(action.event) action \(quoted: action.name) runs on", at: location)

        var actionChecker = ParameterChecker(schema: schema)
        let inherited = (YAMLNode(json: globalConfig, at: location).mapping ?? []).filter { pair in
            pair.value.scalar?.value != .null && !pairs.contains { $0.key == pair.key } && actionNames.contains(pair.key)
        }
        actionChecker.checkFields(
            pairs.filter { actionNames.contains($0.key) } + inherited, parameters: action.parameters, exactlyOne: nil,
            owner: "action \(quoted: action.name)", at: location)
        let allNames = eventParameters.map(\.name) + action.parameters.map(\.name).filter { !eventNames.contains($0) }
        for pair in pairs where !eventNames.contains(pair.key) && !actionNames.contains(pair.key) {
            actionChecker.diagnostics.error(location, actionChecker.unknownParameterMessage(pair.key, owner: owner, names: allNames))
        }
        return ManualTriggerCheck(eventDiagnostics: eventChecker.diagnostics.items, actionDiagnostics: actionChecker.diagnostics.items)
    }
}
