import Foundation
import Synchronization

/// `on_prometheus_alert`'s filters, compiled once per configured trigger. A class, so checking
/// an alert against many triggers reads each through one reference instead of copying it.
final class AlertFilters: Sendable {
    let parameters: OnPrometheusAlert.Parameters
    let scope: CompiledScope?
    /// Provider names lower-cased; `nil` when the trigger sets none.
    let providers: Set<String>?

    /// - Parameter scope: the trigger's `scope`, as validation compiled it.
    init(parameters json: JSONValue, scope: CompiledScope?, path: String) throws(ParameterError) {
        parameters = try OnPrometheusAlert.Parameters(parameterValue: json, path: path)
        self.scope = scope
        providers = parameters.k8sProviders.map { Set($0.map { $0.lowercased() }) }
    }

    /// The labels the filters compare, looked up once per alert rather than once per trigger.
    struct Subject {
        let alert: PrometheusAlert
        let alertName: String?
        /// A missing label reads as "", as in Robusta.
        let pod: String
        let namespace: String
        let instance: String
        /// The cluster's provider, lower-cased.
        let provider: String

        init(_ alert: PrometheusAlert, provider: String) {
            self.alert = alert
            alertName = alert.label("alertname")
            pod = alert.label("pod") ?? ""
            namespace = alert.label("namespace") ?? ""
            instance = alert.label("instance") ?? ""
            self.provider = provider.lowercased()
        }
    }

    /// Robusta's checks in its order: name (exact), status (`all` passes both), the pod,
    /// namespace and instance label prefixes (a missing label counts as ""), the cluster
    /// provider, then the scope over the alert's labels and annotations.
    func accepts(_ subject: Subject) -> Bool {
        let alert = subject.alert
        if let name = parameters.alertName, subject.alertName != name { return false }
        if parameters.status != "all" && parameters.status != alert.status { return false }
        if let prefix = parameters.podNamePrefix, !subject.pod.hasPrefix(prefix) { return false }
        if let prefix = parameters.namespacePrefix, !subject.namespace.hasPrefix(prefix) { return false }
        if let prefix = parameters.instanceNamePrefix, !subject.instance.hasPrefix(prefix) { return false }
        if let providers, !providers.contains(subject.provider) { return false }
        if let scope {
            let accepted = scope.accepts { attribute in
                switch attribute {
                case "labels": .pairs(alert.labels)
                case "annotations": .pairs(alert.annotations)
                default: nil
                }
            }
            if !accepted { return false }
        }
        return true
    }
}
