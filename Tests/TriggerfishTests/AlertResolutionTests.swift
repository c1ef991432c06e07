import Synchronization
import Testing
import TriggerfishTesting

@testable import Triggerfish

/// With the Kubernetes API, an alert's labels resolve to the objects read from the cluster, as
/// Robusta's AlertEventBuilder reads them; what cannot be found or read stays unresolved and is logged.
@Suite struct AlertResolutionTests {
    /// The resolved objects of every alert event the `seen` action is given.
    final class Seen: Sendable {
        let events = Mutex([[String: String]]())

        var registration: ActionRegistration {
            ActionRegistration(RecordAction.self) { event, _, _ in
                guard let alert = event as? PrometheusKubernetesAlertInstance else { return }
                let named: [(String, KubernetesObject?)] = [
                    ("Pod", alert.pod), ("Node", alert.node), ("Deployment", alert.deployment), ("Job", alert.job),
                ]
                var resolved: [String: String] = [:]
                for case (let kind, let object?) in named { resolved[kind] = "\(object.namespace ?? "-")/\(object.name ?? "")" }
                resolved["subject"] = alert.resource?.name ?? "none"
                self.events.withLock { $0.append(resolved) }
            }
        }
    }

    /// Names containing "kube-state-metrics" anywhere are skipped, as Robusta's `in` test skips them.
    @Test func aNameContainingKubeStateMetricsAnywhereIsSkipped() {
        let cases: [(String, Bool)] = [
            ("kube-state-metrics", true), ("prom-kube-state-metrics-7d9", true), ("my-kube-kube-state-metrics", true),
            ("x-kube-state-metric", false), ("kube-state-metrics"[...].uppercased(), false), ("", false), ("k", false),
            ("caf\u{E9}-kube-state-metrics", true), ("kube-state-metrix-kube-state-metrics", true),
        ]
        for (name, skipped) in cases {
            #expect(AlertResources.contains(name, "kube-state-metrics") == skipped, "\(name)")
            #expect(AlertResources.contains(name, "kube-state-metrics") == name.contains("kube-state-metrics"), "\(name)")
            let names = AlertResources.names(PrometheusAlert(status: "firing", labels: ["pod": name, "namespace": "ns"]))
            #expect(names.objects.map(\.name) == (skipped || name.isEmpty ? [] : [name]), "\(name)")
        }
    }

    @Test func labelsResolveThroughTheAPIAndWhatIsMissingIsLogged() async throws {
        let cluster = FakeCluster([
            .fixture("Pod", "web-1", namespace: "shop", ["spec": ["nodeName": "node-a"]]),
            .fixture("Node", "node-a", namespace: nil),
        ])
        let seen = Seen()
        // The test's `record` registration is replaced by one that looks at the event.
        let engine = try PlaybookHarness.engine(
            "- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: t}}]",
            actionDeclarations: EngineHarness.actionDeclarations, registrations: [seen.registration], kubernetes: cluster)

        let report = await engine.handle(
            alert("KubePodCrashLooping", labels: ["pod": "web-1", "namespace": "shop", "node": "node-a", "deployment": "web"]))
        #expect(seen.events.withLock { $0 } == [["Pod": "shop/web-1", "Node": "-/node-a", "subject": "node-a"]])
        #expect(report.logs == ["alert KubePodCrashLooping: Deployment shop/web was not found in the cluster"])
        #expect(cluster.reads.withLock { $0 } == ["Deployment shop web", "Pod shop web-1", "Node - node-a"])

        let broken = await engine.handle(alert("JobFailed", labels: ["job_name": "broken"], fingerprint: "other"))
        #expect(seen.events.withLock { $0.last } == ["subject": "none"])
        #expect(broken.logs == ["alert JobFailed: could not read Job default/broken: the API server did not answer"])
    }
}
