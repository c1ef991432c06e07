extension Finding {
    /// The value of a sink scope (and `match`) attribute, as Robusta names and spells it:
    /// `title`, `identifier` (the aggregation key), `severity` (`DEBUG`, `INFO`, `LOW`, `HIGH`),
    /// `source` (upper-cased: `KUBERNETES_API_SERVER`, `PROMETHEUS`, ...), `kind` (lower-cased:
    /// `pod`, `deployment`), `namespace`, `node`, `name`, `labels`, `annotations`.
    ///
    /// Absent, so a scope entry testing them does not match:
    /// - `namespace`, `node`, `name` and `kind` when the subject has none;
    /// - `type`, because ``Finding`` does not carry Robusta's finding type yet;
    /// - `namespace_labels`, which Robusta reads live from the cluster API: Triggerfish's sinks do
    ///   not call the API while routing, so a scope entry on `namespace_labels` never matches.
    public func scopeValue(_ attribute: String) -> ScopeValue? {
        switch attribute {
        case "title": .text(title)
        case "identifier": .text(aggregationKey)
        case "severity": .text(severity.robustaName)
        case "source": .text(source.uppercased())
        case "kind": subject.kind.map { .text($0.lowercased()) }
        case "namespace": subject.namespace.map(ScopeValue.text)
        case "node": subject.node.map(ScopeValue.text)
        case "name": subject.name.map(ScopeValue.text)
        case "labels": .pairs(subject.labels)
        case "annotations": .pairs(subject.annotations)
        default: nil
        }
    }
}

extension Finding.Severity {
    /// Robusta's name: `DEBUG`, `INFO`, `LOW`, `HIGH`.
    public var robustaName: String { rawValue.uppercased() }
}
