import _TriggerfishCore

/// customise_finding's `finding_label_rules`, applied in order in the style of Prometheus
/// relabelling; a rule sees the labels earlier rules set.
enum FindingLabels {
    /// The labels the rules set, from the event's subject.
    static func apply(_ rules: [FindingLabelRule], to subject: FindingSubject) throws(ActionError) -> [String: String] {
        var working = subject
        var result: [String: String] = [:]
        for rule in rules {
            let regex: LinearRegex
            do {
                regex = try LinearRegex(rule.regex)
            } catch {
                throw ActionError(
                    .invalidParameters, action: CustomiseFindingAction.name,
                    message: "invalid regex \(quoted: rule.regex) in finding_label_rules: \(error.message)")
            }
            let value = rule.sourceFields.map { FindingTemplate.value(for: $0, subject: working) ?? "" }.joined(separator: rule.separator)
            let scalars = Array(value.unicodeScalars)
            guard let match = regex.firstMatch(in: scalars, anchoring: .whole) else { continue }
            let label = expand(rule.replacement ?? "$1", match: match, in: scalars, groupCount: regex.groupCount)
            working.labels[rule.targetLabel] = label
            result[rule.targetLabel] = label
        }
        return result
    }

    /// Replaces `$1` and `${1}` with the regex's groups (an unmatched or absent group is empty)
    /// and `$$` with `$` (``DollarTemplate``'s group-number dialect).
    static func expand(_ replacement: String, match: LinearRegex.Match, in scalars: [Unicode.Scalar], groupCount: Int) -> String {
        DollarTemplate.substitute(replacement, dialect: .groupNumbers) { number in
            guard let number = Int(number), number <= groupCount, let range = match.range(of: number) else { return "" }
            return String(String.UnicodeScalarView(scalars[range]))
        }
    }
}
