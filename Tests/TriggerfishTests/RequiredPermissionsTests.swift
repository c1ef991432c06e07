import Foundation
import Testing

@testable import Triggerfish

/// The RBAC rules a config needs, derived from schema/permissions.yaml: what its triggers watch
/// and alerts read, what its actions call (as their parameters use the API), the runner's Lease and
/// schedule ConfigMap; merged and sorted.
@Suite struct RequiredPermissionsTests {
    static func config(_ text: String, schema: Schema = PlaybookConfig.builtinSchema) throws -> PlaybookConfig {
        try PlaybookConfig.load(text: text, file: "playbooks.yaml", schema: schema)
    }

    static func permissions(_ text: String, manualActions: [String] = []) throws -> RequiredPermissions {
        try RequiredPermissions(config: config(text), manualActions: manualActions)
    }

    static func rule(_ groups: [String], _ resources: [String], _ verbs: [String]) -> PermissionRule {
        PermissionRule(apiGroups: groups, resources: resources, verbs: verbs)
    }

    static let leases = rule(["coordination.k8s.io"], ["leases"], ["get", "create", "update", "patch"])
    static let watch = ["get", "list", "watch"]

    @Test func aPodTriggerWatchesPodsAndItsActionsAddTheirRules() throws {
        let permissions = try Self.permissions(
            """
            - triggers: [on_pod_crash_loop: {}]
              actions: [logs_enricher: {}, pod_events_enricher: {}]
            """)
        #expect(
            permissions.clusterRules == [
                Self.rule([""], ["pods"], Self.watch),
                Self.rule([""], ["pods/log"], ["get"]),
                Self.rule(["events.k8s.io"], ["events"], ["list"]),
            ])
        #expect(permissions.namespacedRules == [Self.leases])
    }

    @Test func resourcesWithTheSameVerbsShareARule() throws {
        let permissions = try Self.permissions(
            """
            - triggers: [on_node_update: {}, on_pod_create: {}, on_deployment_delete: {}, on_job_update: {}]
              actions: [create_finding: {title: t, aggregation_key: k}]
            - triggers: [on_daemonset_create: {}]
              actions: [daemonset_misscheduled_analysis_enricher: {}]
            """)
        #expect(
            permissions.clusterRules == [
                Self.rule([""], ["nodes", "pods"], Self.watch),
                Self.rule(["apps"], ["daemonsets", "deployments"], Self.watch),
                Self.rule(["batch"], ["jobs"], Self.watch),
            ])
    }

    @Test func alertsReadTheKindsTheirLabelsName() throws {
        let permissions = try Self.permissions("- triggers: [on_prometheus_alert: {}]\n  actions: [default_enricher: {}]\n")
        #expect(
            permissions.clusterRules == [
                Self.rule([""], ["nodes", "pods"], ["get"]),
                Self.rule(["apps"], ["daemonsets", "deployments", "statefulsets"], ["get"]),
                Self.rule(["autoscaling"], ["horizontalpodautoscalers"], ["get"]),
                Self.rule(["batch"], ["jobs"], ["get"]),
            ])
    }

    @Test func anyKindTriggersWatchEveryKindOrTheResourcesTheyName() throws {
        let any = try Self.config("- triggers: [on_kubernetes_any_resource_create: {}]\n  actions: [resource_babysitter: {}]\n")
        #expect(RequiredPermissions.watchedKinds(of: any).map(\.name) == PlaybookConfig.builtinSchema.kinds.map(\.name))
        let listed = try Self.config(
            "- triggers: [on_kubernetes_resource_operation: {resources: [Ingress, deployment]}]\n  actions: [resource_babysitter: {}]\n")
        #expect(RequiredPermissions.watchedKinds(of: listed).map(\.name) == ["Deployment", "Ingress"])
        #expect(
            try RequiredPermissions(config: listed).clusterRules == [
                Self.rule(["apps"], ["deployments"], Self.watch), Self.rule(["networking.k8s.io"], ["ingresses"], Self.watch),
            ])
        let allKinds = try RequiredPermissions(config: any).clusterRules
        #expect(allKinds.flatMap(\.resources).count == 20)
        #expect(
            allKinds.first
                == Self.rule(
                    [""],
                    [
                        "configmaps", "namespaces", "nodes", "persistentvolumeclaims", "persistentvolumes", "pods", "secrets",
                        "serviceaccounts", "services",
                    ], Self.watch))
    }

    @Test func rulesWithWhenFollowTheParametersAndTheirDefaults() throws {
        let defaults = try Self.permissions("- triggers: [on_job_failure: {}]\n  actions: [job_pod_enricher: {}]\n")
        #expect(
            defaults.clusterRules == [
                Self.rule([""], ["pods"], ["list"]), Self.rule([""], ["pods/log"], ["get"]), Self.rule(["batch"], ["jobs"], Self.watch),
                Self.rule(["events.k8s.io"], ["events"], ["list"]),
            ])
        let noLogs = try Self.permissions("- triggers: [on_job_failure: {}]\n  actions: [job_pod_enricher: {logs: false, events: false}]\n")
        #expect(noLogs.clusterRules == [Self.rule([""], ["pods"], ["list"]), Self.rule(["batch"], ["jobs"], Self.watch)])
        let dependent = try Self.permissions(
            "- triggers: [on_deployment_update: {}]\n  actions: [deployment_events_enricher: {dependent_pod_mode: true}]\n")
        #expect(
            dependent.clusterRules == [
                Self.rule([""], ["pods"], ["list"]), Self.rule(["apps"], ["deployments"], Self.watch),
                Self.rule(["events.k8s.io"], ["events"], ["list"]),
            ])
    }

    @Test func aScheduledPlaybookNeedsTheStateConfigMap() throws {
        let permissions = try Self.permissions(
            "- triggers: [on_schedule: {fixed_delay_repeat: {repeat: 1, seconds_delay: 60}}]\n  actions: [echo: {message: hi}]\n")
        #expect(permissions.clusterRules == [])
        #expect(permissions.namespacedRules == [Self.rule([""], ["configmaps"], ["get", "create", "patch"]), Self.leases])
    }

    @Test func manualActionsReadTheirEventsObjectsAndGetEveryRule() throws {
        let permissions = try Self.permissions(
            "- triggers: [on_schedule: {fixed_delay_repeat: {repeat: 1, seconds_delay: 60}}]\n  actions: [echo: {message: hi}]\n",
            manualActions: ["logs_enricher", "job_pod_enricher"])
        #expect(
            permissions.clusterRules == [
                Self.rule([""], ["pods"], ["get", "list"]), Self.rule([""], ["pods/log"], ["get"]), Self.rule(["batch"], ["jobs"], ["get"]),
                Self.rule(["events.k8s.io"], ["events"], ["list"]),
            ])
        let unknown = #expect(throws: RequiredPermissions.UnknownAction.self) {
            try Self.permissions("[]", manualActions: ["logs_enrichr"])
        }
        #expect(unknown?.description == "unknown action 'logs_enrichr'; did you mean 'logs_enricher'?")
    }

    @Test func eventKindsAreTheKindsTheTriggersFireForThatTheActionAccepts() throws {
        let extended = SchemaLoader.extend(
            PlaybookConfig.builtinSchema,
            with: [
                (
                    path: "my.actions.yaml",
                    text: """
                    actions:
                      show_yaml: {event: KubernetesResourceEvent}
                      show_pod: {event: PodEvent}
                    permissions:
                      show_yaml: {event_kinds: [get]}
                      show_pod: {event_kinds: [get]}
                    """
                )
            ])
        let schema = try #require(extended.schema, "\(extended.diagnostics.map(\.description))")
        let config = try Self.config(
            """
            - triggers: [on_service_update: {}, on_prometheus_alert: {}]
              actions: [show_yaml: {}]
            - triggers: [on_prometheus_alert: {}]
              actions: [show_pod: {}]
            """, schema: schema)
        #expect(
            try RequiredPermissions(config: config).clusterRules == [
                Self.rule([""], ["nodes", "pods"], ["get"]), Self.rule([""], ["services"], Self.watch),
                Self.rule(["apps"], ["daemonsets", "deployments", "statefulsets"], ["get"]),
                Self.rule(["autoscaling"], ["horizontalpodautoscalers"], ["get"]), Self.rule(["batch"], ["jobs"], ["get"]),
            ])
    }

    @Test func theYAMLIsAClusterRoleAndARole() throws {
        let permissions = try Self.permissions("- triggers: [on_pod_crash_loop: {}]\n  actions: [logs_enricher: {}]\n")
        #expect(
            permissions.yaml(name: "tf", namespace: "ops", source: "triggerfish rbac --config p.yaml") == """
                # Made by `triggerfish rbac --config p.yaml` from schema/permissions.yaml; regenerate it rather than edit it (docs/deploy.md).
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata:
                  name: tf
                rules:
                  - apiGroups: [""]
                    resources: [pods]
                    verbs: [get, list, watch]
                  - apiGroups: [""]
                    resources: [pods/log]
                    verbs: [get]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata:
                  name: tf
                  namespace: ops
                rules:
                  - apiGroups: [coordination.k8s.io]
                    resources: [leases]
                    verbs: [get, create, update, patch]

                """)
        let none = try RequiredPermissions(config: Self.config("[]"))
        #expect(none.yaml(name: "tf", namespace: "ops", source: "s").contains("kind: ClusterRole\nmetadata:\n  name: tf\nrules: []\n---\n"))
    }
}
