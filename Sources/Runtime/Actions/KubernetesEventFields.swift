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
