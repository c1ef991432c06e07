/// The subject and source of the findings an event leads to.
public enum EventSubject {
    /// What a finding about this event is about: the changed object, the alert's resolved
    /// resource (with the alert's labels and annotations over the object's), or the resource.
    ///
    /// An alert's subject is Robusta's (`get_alert_subject`, robusta-actions.md A.2): its
    /// resource's name, kind and namespace, except that a Node or a HorizontalPodAutoscaler keeps
    /// the alert's `namespace` label; a node only for a Node (its name) or a Pod (`spec.nodeName`);
    /// "Unresolved" in the alert's `namespace` when no object was resolved.
    public static func of(_ event: any TriggerfishEvent) -> FindingSubject {
        if let alert = event as? any PrometheusKubernetesAlert {
            let namespaceLabel = alert.alert.label("namespace")
            var subject = FindingSubject(name: "Unresolved", namespace: namespaceLabel)
            if let resource = alert.resource {
                subject = FindingSubject(resource)
                if resource.kind == "Node" || resource.kind == "HorizontalPodAutoscaler" { subject.namespace = namespaceLabel }
                if resource.kind != "Node" && resource.kind != "Pod" { subject.node = nil }
            }
            subject.labels = merged(alert.alert.labels, over: subject.labels)
            subject.annotations = merged(alert.alert.annotations, over: subject.annotations)
            return subject
        }
        if let change = event as? any KubernetesAnyChangeEvent { return FindingSubject(change.object) }
        if let resource = (event as? any KubernetesResourceEvent)?.resource { return FindingSubject(resource) }
        return FindingSubject(name: "Unresolved")
    }

    /// `base` with `top`'s values over its own; `top` itself (no copy) when `base` is empty, as
    /// it is for an unresolved alert or an object without labels.
    static func merged(_ top: [String: String], over base: [String: String]) -> [String: String] {
        guard !base.isEmpty else { return top }
        return base.merging(top) { _, topValue in topValue }
    }

    /// Where the event came from: `kubernetes_api_server`, `prometheus`, `scheduler` or `none`.
    public static func source(of event: any TriggerfishEvent) -> String {
        if event is any PrometheusKubernetesAlert { return "prometheus" }
        if event is any KubernetesAnyChangeEvent || event is any KubernetesResourceEvent { return "kubernetes_api_server" }
        if event is any ScheduledExecutionEvent { return "scheduler" }
        return "none"
    }
}
