/// The subject and source of the findings an event leads to.
public enum EventSubject {
    /// What a finding about this event is about: the changed object, the alert's resolved
    /// resource (with the alert's labels and annotations over the object's), or the resource.
    public static func of(_ event: any TriggerfishEvent) -> FindingSubject {
        if let alert = event as? any PrometheusKubernetesAlert {
            var subject =
                alert.resource.map(FindingSubject.init) ?? FindingSubject(name: "Unresolved", namespace: alert.alert.labels["namespace"])
            subject.labels.merge(alert.alert.labels) { _, alertValue in alertValue }
            subject.annotations.merge(alert.alert.annotations) { _, alertValue in alertValue }
            return subject
        }
        if let change = event as? any KubernetesAnyChangeEvent { return FindingSubject(change.object) }
        if let resource = (event as? any KubernetesResourceEvent)?.resource { return FindingSubject(resource) }
        return FindingSubject(name: "Unresolved")
    }

    /// Where the event came from: `kubernetes_api_server`, `prometheus`, `scheduler` or `none`.
    public static func source(of event: any TriggerfishEvent) -> String {
        if event is any PrometheusKubernetesAlert { return "prometheus" }
        if event is any KubernetesAnyChangeEvent || event is any KubernetesResourceEvent { return "kubernetes_api_server" }
        if event is any ScheduledExecutionEvent { return "scheduler" }
        return "none"
    }
}

extension Finding {
    /// Fills in what the action that created the finding left out, from the event it ran on: the
    /// subject when it has none, the source when it is `none`, and then the fingerprint when it
    /// was the default one (it hashes the subject and the source).
    mutating func complete(from event: any TriggerfishEvent) {
        let defaultFingerprint = fingerprint == Self.defaultFingerprint(subject: subject, source: source, aggregationKey: aggregationKey)
        if subject == FindingSubject() { subject = EventSubject.of(event) }
        if source == "none" { source = EventSubject.source(of: event) }
        if defaultFingerprint { fingerprint = Self.defaultFingerprint(subject: subject, source: source, aggregationKey: aggregationKey) }
    }
}

/// Robusta's finding templates: `$name`, `$namespace`, `$kind`, `$node`, `${labels.x}`,
/// `${annotations.x}` (braced keys may hold `.`, `/` and `-`), `$$` for a literal `$`;
/// unknown keys become `<missing>`.
public enum FindingTemplate {
    public static func render(_ template: String, subject: FindingSubject) -> String {
        var output = ""
        var index = template.startIndex
        while index < template.endIndex {
            let character = template[index]
            guard character == "$" else {
                output.append(character)
                index = template.index(after: index)
                continue
            }
            let next = template.index(after: index)
            if next < template.endIndex, template[next] == "$" {
                output.append("$")
                index = template.index(after: next)
                continue
            }
            var key = ""
            var end = next
            if next < template.endIndex, template[next] == "{" {
                guard let close = template[next...].firstIndex(of: "}") else {
                    output.append(contentsOf: template[index...])
                    break
                }
                key = String(template[template.index(after: next)..<close])
                end = template.index(after: close)
            } else {
                while end < template.endIndex, template[end].isLetter || template[end].isNumber || template[end] == "_" {
                    end = template.index(after: end)
                }
                key = String(template[next..<end])
            }
            guard !key.isEmpty else {
                output.append("$")
                index = next
                continue
            }
            output += value(for: key, subject: subject) ?? "<missing>"
            index = end
        }
        return output
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
