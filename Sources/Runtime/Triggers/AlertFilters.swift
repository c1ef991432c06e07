import Foundation
import Synchronization

/// `on_prometheus_alert`'s filters, compiled once per configured trigger.
struct AlertFilters: Sendable {
    var parameters: OnPrometheusAlert.Parameters
    var scope: CompiledScope?
    /// Provider names lower-cased; `nil` when the trigger sets none.
    var providers: Set<String>?

    /// - Parameter scope: the trigger's `scope`, as validation compiled it.
    init(parameters json: JSONValue, scope: CompiledScope?, path: String) throws(ParameterError) {
        parameters = try OnPrometheusAlert.Parameters(parameterValue: json, path: path)
        self.scope = scope
        providers = parameters.k8sProviders.map { Set($0.map { $0.lowercased() }) }
    }

    /// Robusta's checks in its order: name (exact), status (`all` passes both), the pod,
    /// namespace and instance label prefixes (a missing label counts as ""), the cluster
    /// provider, then the scope over the alert's labels and annotations.
    func accepts(_ alert: PrometheusAlert, provider: String) -> Bool {
        if let name = parameters.alertName, alert.labels["alertname"] != name { return false }
        if parameters.status != "all" && parameters.status != alert.status { return false }
        if let prefix = parameters.podNamePrefix, !(alert.labels["pod"] ?? "").hasPrefix(prefix) { return false }
        if let prefix = parameters.namespacePrefix, !(alert.labels["namespace"] ?? "").hasPrefix(prefix) { return false }
        if let prefix = parameters.instanceNamePrefix, !(alert.labels["instance"] ?? "").hasPrefix(prefix) { return false }
        if let providers, !providers.contains(provider.lowercased()) { return false }
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
