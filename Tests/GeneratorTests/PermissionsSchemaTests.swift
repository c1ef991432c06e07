import Foundation
import Testing

@testable import _TriggerfishCore

/// `schema/permissions.yaml`: the RBAC rules of the runner and of the built-in actions, as the
/// loader reads and checks them (unknown actions, verbs, parameters and malformed rules are
/// schema errors with their position).
@Suite struct PermissionsSchemaTests {
    // MARK: The real schema

    @Test func everyActionWithPermissionsIsDeclaredAndNoRuleHasAWildcard() throws {
        let schema = try CoreFixtures.schema()
        #expect(!schema.actionPermissions.isEmpty)
        for permissions in schema.actionPermissions {
            #expect(schema.action(named: permissions.action) != nil, "\(permissions.action)")
            for rule in permissions.rules.map(\.rule) {
                #expect(!rule.apiGroups.contains("*") && !rule.resources.contains("*") && !rule.verbs.contains("*"))
            }
        }
    }

    @Test func logsEventsAndRemediationRules() throws {
        let schema = try CoreFixtures.schema()
        let logs = try #require(schema.permissions(ofAction: "logs_enricher"))
        #expect(logs.rules.map(\.rule) == [PermissionRule(apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get"])])
        let events = try #require(schema.permissions(ofAction: "pod_events_enricher"))
        #expect(events.rules.map(\.rule) == [PermissionRule(apiGroups: ["events.k8s.io"], resources: ["events"], verbs: ["list"])])
        let dependent = try #require(schema.permissions(ofAction: "resource_events_enricher")?.rules.last)
        #expect(dependent.when == ["dependent_pod_mode": .bool(true)])
        // The remediation actions' rules are used exactly when the actions are declared.
        for name in ["delete_pod", "delete_job", "cordon", "uncordon", "drain", "rollout_restart", "get_resource_yaml"] {
            #expect((schema.permissions(ofAction: name) != nil) == (schema.action(named: name) != nil), "\(name)")
        }
    }

    @Test func runnerPermissions() throws {
        let runner = try CoreFixtures.schema().runnerPermissions
        #expect(runner.watchedKindVerbs == ["get", "list", "watch"])
        #expect(runner.alertKindVerbs == ["get"])
        #expect(runner.manualKindVerbs == ["get"])
        #expect(
            runner.leaderElection == [
                PermissionRule(apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "create", "update", "patch"])
            ])
        #expect(runner.scheduleState == [PermissionRule(apiGroups: [""], resources: ["configmaps"], verbs: ["get", "create", "patch"])])
    }

    // MARK: Inline schemas

    /// One event and an action `do_thing` with a bool parameter `deep` (default false).
    static let base = """
        events:
          BaseEvent:
            manual:
              parameters: {}
        actions:
          do_thing:
            event: BaseEvent
            parameters:
              deep:
                type: bool
                default: false

        """

    static let runner = """
        runner_permissions:
          watched_kinds: [get, list, watch]
          alert_kinds: [get]
          manual_kinds: [get]
          leader_election:
            - {api_groups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update, patch]}
          schedule_state:
            - {api_groups: [""], resources: [configmaps], verbs: [get, create, patch]}

        """

    func errors(_ permissions: String) -> [String] {
        let loaded = CoreFixtures.loadSchema([("a.yaml", Self.base), ("p.yaml", permissions)])
        if !loaded.diagnostics.isEmpty { #expect(loaded.schema == nil) }
        return loaded.diagnostics.map(\.description)
    }

    @Test func rulesWhenAndEventKindsLoad() throws {
        let text =
            Self.runner + """
                permissions:
                  do_thing:
                    rules:
                      - api_groups: [""]
                        resources: [pods, pods/log]
                        verbs: [get, get, list]
                      - api_groups: [apps]
                        resources: [deployments]
                        verbs: [patch]
                        when: {deep: true}
                    event_kinds: [get]
                """
        let loaded = CoreFixtures.loadSchema([("a.yaml", Self.base), ("p.yaml", text)])
        #expect(loaded.diagnostics.map(\.description) == [])
        let permissions = try #require(loaded.schema?.permissions(ofAction: "do_thing"))
        #expect(
            permissions.rules.map(\.rule) == [
                PermissionRule(apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list"]),
                PermissionRule(apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"]),
            ])
        #expect(permissions.rules.map(\.when) == [[:], ["deep": .bool(true)]])
        #expect(permissions.eventKindVerbs == ["get"])
        #expect(permissions.rules[1].location == _TriggerfishCore.SourceLocation(file: "p.yaml", line: 15, column: 9))
        #expect(loaded.schema?.runnerPermissions.leaderElection.first?.resources == ["leases"])
    }

    @Test func unknownActionIsAnError() {
        #expect(
            errors("permissions:\n  do_thnig:\n    event_kinds: [get]\n") == [
                "p.yaml:2:3: error: unknown action 'do_thnig' in 'permissions'; did you mean 'do_thing'?"
            ])
    }

    @Test func permissionsOfOneActionAreGivenOnce() throws {
        #expect(
            errors("permissions:\n  do_thing:\n    event_kinds: [get]\n  do_thing:\n    event_kinds: [list]\n") == [
                "p.yaml:4:3: error: duplicate key 'do_thing' (first defined at line 2, column 3)"
            ])
    }

    @Test func unknownVerbsAndWildcardsAreErrors() {
        #expect(
            errors("permissions:\n  do_thing:\n    rules:\n      - {api_groups: [\"\"], resources: [pods], verbs: [gett, \"*\"]}\n") == [
                "p.yaml:4:55: error: unknown verb 'gett' in 'verbs' of a rule of the permissions of action 'do_thing'; expected get, list, watch, create, update, patch, delete or deletecollection (no wildcard); did you mean 'get'?",
                "p.yaml:4:61: error: unknown verb '*' in 'verbs' of a rule of the permissions of action 'do_thing'; expected get, list, watch, create, update, patch, delete or deletecollection (no wildcard)",
            ])
        #expect(
            errors("permissions:\n  do_thing:\n    rules:\n      - {api_groups: [\"*\"], resources: [\"*\", Pods, pods/], verbs: [get]}\n")
                == [
                    "p.yaml:4:23: error: invalid API group '*' in a rule of the permissions of action 'do_thing': expected \"\" (the core group) or a group such as 'apps' (no wildcard)",
                    "p.yaml:4:41: error: invalid resource '*' in a rule of the permissions of action 'do_thing': expected a lower-case plural such as 'pods', or 'pods/log' for a subresource (no wildcard)",
                    "p.yaml:4:46: error: invalid resource 'Pods' in a rule of the permissions of action 'do_thing': expected a lower-case plural such as 'pods', or 'pods/log' for a subresource (no wildcard)",
                    "p.yaml:4:52: error: invalid resource 'pods/' in a rule of the permissions of action 'do_thing': expected a lower-case plural such as 'pods', or 'pods/log' for a subresource (no wildcard)",
                ])
    }

    @Test func malformedRulesAreErrors() {
        #expect(
            errors("permissions:\n  do_thing:\n    rules:\n      - {resources: [pods], verb: [get]}\n") == [
                "p.yaml:4:9: error: a rule of the permissions of action 'do_thing' is missing 'api_groups'",
                "p.yaml:4:9: error: a rule of the permissions of action 'do_thing' is missing 'verbs'",
                "p.yaml:4:29: error: unknown key 'verb' in a rule of the permissions of action 'do_thing'; did you mean 'verbs'?",
            ])
        #expect(
            errors("permissions:\n  do_thing:\n    rules: {api_groups: [\"\"]}\n") == [
                "p.yaml:3:12: error: the rules of the permissions of action 'do_thing' must be a list, found a mapping"
            ])
        #expect(
            errors("permissions:\n  do_thing: {}\n") == [
                "p.yaml:2:3: error: the permissions of action 'do_thing' give neither 'rules' nor 'event_kinds'"
            ])
        #expect(
            errors("permissions:\n  do_thing:\n    rules:\n      - {api_groups: [], resources: [pods], verbs: []}\n") == [
                "p.yaml:4:22: error: 'api_groups' in a rule of the permissions of action 'do_thing' must not be empty",
                "p.yaml:4:52: error: 'verbs' in a rule of the permissions of action 'do_thing' must not be empty",
            ])
    }

    @Test func whenNamesTheActionsParameters() {
        #expect(
            errors(
                "permissions:\n  do_thing:\n    rules:\n      - {api_groups: [\"\"], resources: [pods], verbs: [list], when: {dep: true}}\n"
            )
                == [
                    "p.yaml:4:69: error: unknown parameter 'dep' in 'when' of the permissions of action 'do_thing'; did you mean 'deep'?"
                ])
        #expect(
            errors(
                "permissions:\n  do_thing:\n    rules:\n      - {api_groups: [\"\"], resources: [pods], verbs: [list], when: {deep: [1]}}\n"
            )
                == [
                    "p.yaml:4:75: error: 'deep' in 'when' of a rule of the permissions of action 'do_thing' must be a parameter value (a string, number or boolean), found a list"
                ])
    }

    @Test func runnerPermissionsNeedEveryKey() {
        #expect(
            errors("runner_permissions:\n  watched_kinds: [get, list, watch]\n  alert_kind: [get]\n") == [
                "p.yaml:2:3: error: 'runner_permissions' is missing 'alert_kinds'",
                "p.yaml:2:3: error: 'runner_permissions' is missing 'manual_kinds'",
                "p.yaml:2:3: error: 'runner_permissions' is missing 'leader_election'",
                "p.yaml:2:3: error: 'runner_permissions' is missing 'schedule_state'",
                "p.yaml:3:3: error: unknown key 'alert_kind' in 'runner_permissions'; did you mean 'alert_kinds'?",
            ])
    }

    @Test func customActionFilesMayGiveTheirActionsPermissions() throws {
        let base = try #require(CoreFixtures.loadSchema([("a.yaml", Self.base), ("p.yaml", Self.runner)]).schema)
        let custom = """
            actions:
              restart_thing:
                event: BaseEvent
            permissions:
              restart_thing:
                rules:
                  - {api_groups: [apps], resources: [deployments], verbs: [patch]}
            """
        let extended = SchemaLoader.extend(base, with: [(path: "my.actions.yaml", text: custom)])
        #expect(extended.diagnostics.map(\.description) == [])
        #expect(extended.schema?.permissions(ofAction: "restart_thing")?.rules.first?.rule.verbs == ["patch"])
        let withBuiltin = try #require(
            CoreFixtures.loadSchema([("a.yaml", Self.base), ("p.yaml", "permissions:\n  do_thing:\n    event_kinds: [get]\n")]).schema)
        let again = SchemaLoader.extend(
            withBuiltin, with: [(path: "my.actions.yaml", text: "permissions:\n  do_thing:\n    event_kinds: [list]\n")])
        #expect(
            again.diagnostics.map(\.description) == [
                "my.actions.yaml:2:3: error: the permissions of action 'do_thing' are already given by the Triggerfish schema"
            ])
    }
}
