/// One entry of `sinks_config`, as validation compiled it (see ``ValidatedConfig/Sink``).
public typealias SinkConfiguration = ValidatedConfig.Sink

extension ValidatedConfig.Sink {
    /// A sink built in code, checked and compiled by the validator a config's sinks go through.
    /// - Throws: ``ConfigLoadError`` with the validator's diagnostics, e.g. for a bad regex in `scope`.
    public init(type: String, parameters: JSONValue, schema: Schema = PlaybookConfig.builtinSchema) throws(ConfigLoadError) {
        let output = ConfigValidator(schema: schema).compileSink(type: type, parameters: parameters)
        guard let sink = output.sink else { throw ConfigLoadError(diagnostics: output.diagnostics) }
        self = sink
    }

    /// Whether the sink takes a finding: its `scope`, then its legacy `match`.
    public func accepts(_ finding: Finding) -> Bool {
        if let scope, !scope.accepts(finding.scopeValue) { return false }
        return match.accepts(finding.scopeValue)
    }
}
