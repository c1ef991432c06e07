import FuzzSupport
import Triggerfish

// Finding templates (`create_finding`'s title and description, `customise_finding`'s, sink
// templates): `FindingTemplate.render`, the one `$` template engine (`DollarTemplate`) in its
// event-template dialect. The engine's other dialects (`template_enricher`'s Python templates,
// `finding_label_rules` replacements) run inside actions; FuzzServerBodies reaches them through
// manual triggers.
//
// The input is lines: 1. the template; 2. the subject's name; 3. its namespace; 4. its kind;
// 5. its node; 6. labels as `key=value` pairs separated by commas, also its annotations.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplates(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let lines = fields(text(data, size), count: 6)
    var labels: [String: String] = [:]
    for pair in lines[5].split(separator: ",") {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        labels[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
    }
    let template = lines[0]
    let subject = FindingSubject(
        kind: lines[3].isEmpty ? nil : lines[3], name: lines[1].isEmpty ? nil : lines[1],
        namespace: lines[2].isEmpty ? nil : lines[2], node: lines[4].isEmpty ? nil : lines[4], labels: labels, annotations: labels)
    let rendered = FindingTemplate.render(template, subject: subject)
    // Text without a `$` is no template: it comes back as it is.
    if !template.contains("$") { require(rendered == template, "a template without '$' changed: \(template.debugDescription)") }
    // Nothing but the subject's values and the template's own text can appear: `<missing>` aside,
    // rendering an empty subject cannot make the text longer than the template plus 9 per `$`.
    let bare = FindingTemplate.render(template, subject: FindingSubject())
    let dollars = template.unicodeScalars.filter { $0 == "$" }.count
    require(
        bare.unicodeScalars.count <= template.unicodeScalars.count + dollars * "<missing>".count,
        "an empty subject's rendering grew past the template: \(template.debugDescription)")
    return 0
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzzTemplates) }
}
