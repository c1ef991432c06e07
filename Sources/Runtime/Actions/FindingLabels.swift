/// customise_finding's `finding_label_rules`, applied in order in the style of Prometheus
/// relabelling; a rule sees the labels earlier rules set.
enum FindingLabels {
    /// The labels the rules set, from the event's subject.
    static func apply(_ rules: [FindingLabelRule], to subject: FindingSubject) throws(ActionError) -> [String: String] {
        var working = subject
        var result: [String: String] = [:]
        for rule in rules {
            let regex: Regex<AnyRegexOutput>
            do {
                regex = try Regex(rule.regex)
            } catch {
                throw ActionError(
                    .invalidParameters, action: CustomiseFindingAction.name,
                    message: "invalid regex '\(rule.regex)' in finding_label_rules: \(error)")
            }
            let value = rule.sourceFields.map { FindingTemplate.value(for: $0, subject: working) ?? "" }.joined(separator: rule.separator)
            guard let match = try? regex.wholeMatch(in: value) else { continue }
            let label = expand(rule.replacement ?? "$1", groups: match.output)
            working.labels[rule.targetLabel] = label
            result[rule.targetLabel] = label
        }
        return result
    }

    /// Replaces `$1` and `${1}` with the regex's groups (an unmatched or absent group is empty)
    /// and `$$` with `$`.
    static func expand(_ replacement: String, groups: AnyRegexOutput) -> String {
        func group(_ number: Int) -> String {
            guard number < groups.count else { return "" }
            return groups[number].substring.map(String.init) ?? ""
        }
        let characters = Array(replacement)
        var output = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                output.append(character)
                index += 1
                continue
            }
            var end = index + 1
            let braced = characters[end] == "{"
            if braced { end += 1 }
            let digitsStart = end
            while end < characters.count, characters[end].isASCII, characters[end].isNumber { end += 1 }
            if characters[index + 1] == "$" {
                output.append("$")
                index += 2
            } else if end > digitsStart, let number = Int(String(characters[digitsStart..<end])),
                !braced || (end < characters.count && characters[end] == "}")
            {
                output += group(number)
                index = braced ? end + 1 : end
            } else {
                output.append("$")
                index += 1
            }
        }
        return output
    }
}
