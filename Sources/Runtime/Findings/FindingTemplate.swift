/// Robusta's finding templates: `$name`, `$namespace`, `$kind`, `$node`, `$labels.x` or
/// `${labels.x}`, `$annotations.x` or `${annotations.x}` (names may hold `.`, braced ones also
/// `/` and `-`), `$$` for a literal `$`; unknown keys become `<missing>`, so `$name.` does too
/// (``DollarTemplate``'s event template dialect, robusta-actions.md A.7).
public enum FindingTemplate {
    public static func render(_ template: String, subject: FindingSubject) -> String {
        DollarTemplate.substitute(template, dialect: .eventTemplate) { value(for: $0, subject: subject) }
    }

    /// A subject's value for a template key or a `finding_label_rules` source field: `name`,
    /// `namespace`, `kind` (lower case), `node`, `labels.<key>` or `annotations.<key>`.
    static func value(for key: String, subject: FindingSubject) -> String? {
        if key.hasPrefix("labels.") { return subject.labels[String(key.dropFirst("labels.".count))] }
        if key.hasPrefix("annotations.") { return subject.annotations[String(key.dropFirst("annotations.".count))] }
        switch key {
        case "name": return subject.name
        case "namespace": return subject.namespace
        case "kind": return subject.kind?.lowercased()
        case "node": return subject.node
        default: return nil
        }
    }
}
