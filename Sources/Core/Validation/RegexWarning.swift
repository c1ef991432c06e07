extension DiagnosticList {
    /// Warns about a regex that nests unbounded quantifiers (`(a+)+`, `(.*)*`): Triggerfish
    /// matches it in linear time (``LinearRegex``), but the same config in Robusta runs on
    /// Python's backtracking `re`, where one such pattern and one hostile name can stall the runner.
    mutating func warnAboutNestedQuantifiers(_ regex: ScopeRegex, at location: SourceLocation, what: String) {
        guard let (outer, inner) = regex.regex.nestedQuantifiers else { return }
        warning(
            location,
            "regex '\(regex.pattern)' in \(what) nests quantifiers ('\(inner)' inside '\(outer)'): Python's re in Robusta can take "
                + "exponential time on some inputs (Triggerfish matches in linear time)")
    }
}
