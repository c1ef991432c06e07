import FuzzSupport
import Triggerfish

// Scopes (`include` / `exclude` of triggers and sinks) and `labels_selector`: compiled by the
// validator (`ConfigValidator.compileScope`, the path a config's scopes take), then evaluated
// against a subject, as the runtime does for every event.
//
// The input is lines:
//   1. a `labels_selector` (`LabelSelector.problem`, and `pairs` when it is accepted);
//   2. the subject's value of every plain attribute (name, namespace, title, ...);
//   3. the subject's labels as `key=value` pairs separated by commas (also its annotations and,
//      as `metadata.labels` of `attributes`, its raw object);
//   then scope entries, one per line: `+attribute:expression` starts an `include` entry,
//   `-attribute:expression` an `exclude` entry, `&attribute:expression` adds to the last entry
//   (to an attribute the entry has: one more expression, OR; otherwise another attribute, AND).
//
// Subject values are cut to `subjectScalars` scalars. Regexes match in linear time (LinearRegex),
// so long values are fair game: a return of backtracking shows as a timeout (-timeout in
// .ci/fuzz.sh). Before that engine, values were cut to 8 scalars to hide the known blow-up.
private let subjectScalars = 4096

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzScopes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let lines = fields(text(data, size), count: 4)
    selector(lines[0])
    let subject = prefix(lines[1], scalars: subjectScalars)
    var labels: [String: String] = [:]
    for pair in lines[2].split(separator: ",") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        labels[String(parts[0])] = prefix(parts.count > 1 ? String(parts[1]) : "", scalars: subjectScalars)
    }
    let object: JSONValue = .object([
        "kind": .string(subject),
        "metadata": .object(["name": .string(subject), "labels": .object(labels.mapValues(JSONValue.string))]),
        "spec": .object(["containers": .array([.object(["name": .string(subject), "restartCount": .int(3)])])]),
    ])
    let scope = scopeValue(lines[3])
    let compiled = ConfigValidator(schema: PlaybookConfig.builtinSchema).compileScope(scope)
    for diagnostic in compiled.diagnostics { _ = diagnostic.description }
    guard let compiledScope = compiled.scope else { return 0 }
    _ = compiledScope.accepts { attribute in
        switch attribute {
        case "labels", "annotations", "namespace_labels": .pairs(labels)
        case "attributes": .object(object)
        default: .text(subject)
        }
    }
    return 0
}

/// `LabelSelector` as the validator and a Kubernetes trigger's filter read it.
private func selector(_ text: String) {
    guard LabelSelector.problem(in: text) == nil else { return }
    for pair in LabelSelector.pairs(in: text) {
        require(!pair.key.isEmpty, "an accepted labels_selector \(text.debugDescription) gives a pair with an empty key")
    }
}

/// The scope the entry lines describe, as a config's YAML would give it.
private func scopeValue(_ text: String) -> JSONValue {
    var include: [[(String, [String])]] = []
    var exclude: [[(String, [String])]] = []
    var lastIsInclude = true
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
        guard let sign = line.first, let colon = line.dropFirst().firstIndex(of: ":") else { continue }
        let attribute = String(line.dropFirst()[..<colon])
        let expression = String(line[line.index(after: colon)...])
        switch sign {
        case "+":
            include.append([(attribute, [expression])])
            lastIsInclude = true
        case "-":
            exclude.append([(attribute, [expression])])
            lastIsInclude = false
        case "&":
            func add(_ entries: inout [[(String, [String])]]) {
                guard !entries.isEmpty else { return }
                if let index = entries[entries.count - 1].firstIndex(where: { $0.0 == attribute }) {
                    entries[entries.count - 1][index].1.append(expression)
                } else {
                    entries[entries.count - 1].append((attribute, [expression]))
                }
            }
            if lastIsInclude { add(&include) } else { add(&exclude) }
        default: continue
        }
    }
    func json(_ entries: [[(String, [String])]]) -> JSONValue {
        .array(
            entries.map { entry in
                .object(
                    Dictionary(
                        entry.map { ($0.0, $0.1.count == 1 ? JSONValue.string($0.1[0]) : .array($0.1.map(JSONValue.string))) },
                        uniquingKeysWith: { first, _ in first }))
            })
    }
    var scope: [String: JSONValue] = [:]
    if !include.isEmpty { scope["include"] = json(include) }
    if !exclude.isEmpty { scope["exclude"] = json(exclude) }
    return .object(scope)
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzzScopes) }
}
