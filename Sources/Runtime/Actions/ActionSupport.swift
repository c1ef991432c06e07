import Foundation

/// Helpers of the built-in actions: Kubernetes Event fields, Python-style templates, finding
/// label rules and container resource quantities.

/// The fields of a Kubernetes Event that findings are made from. Robusta reads the
/// events.k8s.io/v1 form (`regarding`, `note`); the core/v1 form (`involvedObject`, `message`)
/// is read when those are absent.
struct KubernetesEventFields {
    var reason: String?
    var type: String?
    var note: String?
    /// The object the event is about.
    var kind: String?
    var name: String?
    var namespace: String?

    init(_ object: KubernetesObject) {
        let json = object.json
        let regarding = json["regarding"] ?? json["involvedObject"]
        reason = json["reason"]?.stringValue
        type = json["type"]?.stringValue
        note = json["note"]?.stringValue ?? json["message"]?.stringValue
        kind = regarding?["kind"]?.stringValue
        name = regarding?["name"]?.stringValue
        namespace = regarding?["namespace"]?.stringValue
    }

    /// `BackOff Warning for Pod default/web-1`; a missing value reads `None`, as Robusta prints it.
    var title: String {
        "\(reason ?? "None") \(type ?? "None") for \(kind ?? "None") \(namespace ?? "None")/\(name ?? "None")"
    }

    /// What the finding is about: the object the event names (a Node is its own node).
    var subject: FindingSubject {
        FindingSubject(kind: kind, name: name, namespace: namespace, node: kind == "Node" ? name : nil)
    }

    /// Variables of a description template: `$name`, `$kind` (as the event names it, e.g. Pod)
    /// and `$namespace`; everything else is `<missing>`.
    var templateVariables: [String: String] {
        var variables: [String: String] = [:]
        variables["name"] = name
        variables["kind"] = kind
        variables["namespace"] = namespace
        return variables
    }

    /// The finding Robusta's event reports create: INFO for a Normal event, DEBUG otherwise.
    func finding(aggregationKey: String, description: String?) -> Finding {
        Finding(
            title: title, description: description, severity: type == "Normal" ? .info : .debug, aggregationKey: aggregationKey,
            source: "kubernetes_api_server", subject: subject)
    }
}

/// Python's `string.Template.safe_substitute`, which Robusta's templated parameters use:
/// `$name` and `${name}` are replaced, `$$` is a literal `$`, a variable without a value becomes
/// `<missing>`, and a `$` that starts no valid placeholder is kept as it is.
enum PythonTemplate {
    /// - Parameter dottedNames: names may contain `.` (Robusta's extended templates, where
    ///   `${labels.app}` is one name).
    static func substitute(_ template: String, variables: [String: String], dottedNames: Bool) -> String {
        let characters = Array(template)
        var output = ""
        var index = 0
        func isStart(_ c: Character) -> Bool { c == "_" || (c.isASCII && c.isLetter) }
        func isPart(_ c: Character) -> Bool { isStart(c) || (c.isASCII && c.isNumber) || (dottedNames && c == ".") }
        func name(from start: Int) -> Int? {
            guard start < characters.count, isStart(characters[start]) else { return nil }
            var end = start + 1
            while end < characters.count, isPart(characters[end]) { end += 1 }
            return end
        }
        while index < characters.count {
            let character = characters[index]
            guard character == "$", index + 1 < characters.count else {
                output.append(character)
                index += 1
                continue
            }
            let next = characters[index + 1]
            if next == "$" {
                output.append("$")
                index += 2
            } else if next == "{", let end = name(from: index + 2), end < characters.count, characters[end] == "}" {
                output += variables[String(characters[(index + 2)..<end])] ?? "<missing>"
                index = end + 1
            } else if let end = name(from: index + 1) {
                output += variables[String(characters[(index + 1)..<end])] ?? "<missing>"
                index = end
            } else {
                output.append("$")
                index += 1
            }
        }
        return output
    }
}

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

/// A container's CPU and memory requests or limits, read as Robusta's job_info_enricher reads
/// them: CPU in cores (`500m` is 0.5, rounded to thousandths), memory in whole MiB.
struct ContainerResources {
    var cpu: Double
    var memoryMB: Int

    init(_ resources: JSONValue?) {
        cpu = Self.cores(resources?["cpu"])
        memoryMB = Self.bytes(resources?["memory"]) / (1024 * 1024)
    }

    static func quantity(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .int(let number)?: String(number)
        case .double(let number)?: String(number)
        default: nil
        }
    }

    static func cores(_ value: JSONValue?) -> Double {
        guard let text = quantity(value), !text.isEmpty else { return 0 }
        let milli = text.contains("m")
        guard let number = Double(text.replacingOccurrences(of: "m", with: "").trimmingCharacters(in: .whitespaces)) else {
            return 0
        }
        return ((milli ? number / 1000 : number) * 1000).rounded() / 1000
    }

    static let factors: [(String, Int)] = [
        ("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40), ("Pi", 1 << 50), ("Ei", 1 << 60), ("K", 1_000),
        ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000), ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ]

    static func bytes(_ value: JSONValue?) -> Int {
        guard let text = quantity(value), !text.isEmpty else { return 0 }
        for (suffix, factor) in factors where text.hasSuffix(suffix) {
            guard let number = Int(text.dropLast(suffix.count)) else { return 0 }
            let (product, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? 0 : product
        }
        return Int(text) ?? 0
    }

    /// `request/limit`, each `None` when not set (or zero), as Robusta prints them.
    static func pair<T: Numeric>(_ request: T, _ limit: T) -> String {
        "\(request == 0 ? "None" : "\(request)")/\(limit == 0 ? "None" : "\(limit)")"
    }
}
