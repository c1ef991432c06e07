extension CompiledScope {
    /// A scope built in code, checked and compiled by the validator; `attributes` limits the
    /// attributes it may test (`nil`: any).
    public init(_ scope: JSONValue, attributes: [String]? = nil) throws(ConfigLoadError) {
        let output = ConfigValidator(schema: PlaybookConfig.builtinSchema).compileScope(scope, attributes: attributes)
        guard let compiled = output.scope else { throw ConfigLoadError(diagnostics: output.diagnostics) }
        self = compiled
    }
}
