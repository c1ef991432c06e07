import Foundation
import Testing

@testable import _TriggerfishCore

/// Playbook configs checked against the repository's schema. Each test asserts the complete,
/// sorted list of diagnostics as a user reads them.
@Suite struct ConfigValidatorTests {
    /// The diagnostics as printed (not throwing, so that a failed expectation shows the values).
    func check(_ text: String, file: String = "playbooks.yaml") -> [String] {
        do {
            return try CoreFixtures.validate(text, file: file)
        } catch {
            Issue.record(error)
            return ["\(error)"]
        }
    }

    func output(_ text: String, file: String = "playbooks.yaml") throws -> ConfigValidator.Output {
        ConfigValidator(schema: try CoreFixtures.schema()).validate(text: text, file: file)
    }

    // MARK: Triggers and actions

    @Test func validPlaybookHasNoDiagnostics() throws {
        let text = """
            - name: crash
              triggers:
              - on_pod_crash_loop:
                  restart_reason: CrashLoopBackOff
                  rate_limit: 3600
              actions:
              - create_finding:
                  title: "Pod $name crashed"
                  aggregation_key: PodCrash
                  severity: LOW
              - echo:
                  message: crashed
              stop: true
            """
        #expect(check(text) == [])
    }

    @Test func unknownTriggerSuggestsCloseOnes() throws {
        let text = """
            - triggers:
              - on_pod_updat: {}
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:2:5: error: unknown trigger 'on_pod_updat' in the playbook at line 1; did you mean 'on_pod_update'?"
            ])
    }

    @Test func unknownActionSuggestsCloseOnes() throws {
        let text = """
            - name: report
              triggers:
              - on_pod_update: {}
              actions:
              - create_findin:
                  title: x
              - totally_unknown_thing: {}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:5:5: error: unknown action 'create_findin' in playbook 'report'; did you mean 'create_finding'?",
                "playbooks.yaml:7:5: error: unknown action 'totally_unknown_thing' in playbook 'report'",
            ])
    }

    @Test func incompatibleTriggerAndActionNameBothEventsAndTheCompatibleTriggers() throws {
        let text = """
            - triggers:
              - on_prometheus_alert: {}
              actions:
              - resource_babysitter: {}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:5: error: action 'resource_babysitter' needs a KubernetesAnyChangeEvent, but trigger 'on_prometheus_alert' (line 2) produces a PrometheusKubernetesAlert, which is not one; compatible triggers: on_kubernetes_any_resource_create, on_kubernetes_any_resource_update, on_kubernetes_any_resource_delete, on_kubernetes_any_resource_all_changes, on_pod_crash_loop, on_image_pull_backoff, on_pod_oom_killed, on_container_oom_killed, on_pod_evicted, on_job_failure and 85 more (see docs/compatibility.md)"
            ])
    }

    @Test func everyIncompatibleTriggerOfAPlaybookIsReported() throws {
        let text = """
            - triggers:
              - on_pod_update: {}
              - on_prometheus_alert: {}
              - on_schedule:
                  fixed_delay_repeat: {seconds_delay: 60}
              actions:
              - name_silencer: {names: [Watchdog]}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:1:3: error: the playbook at line 1 is scheduled, so it must have exactly one trigger and one action; it has 3 triggers and 1 action",
                "playbooks.yaml:7:5: error: action 'name_silencer' needs a PrometheusKubernetesAlert, but trigger 'on_pod_update' (line 2) produces a PodChangeEvent, which is not one; compatible triggers: on_prometheus_alert",
                "playbooks.yaml:7:5: error: action 'name_silencer' needs a PrometheusKubernetesAlert, but trigger 'on_schedule' (line 4) produces a ScheduledExecutionEvent, which is not one; compatible triggers: on_prometheus_alert",
            ])
    }

    @Test func wildcardTriggerDoesNotFeedResourceEventActionsButFeedsChangeActions() throws {
        let text = """
            - triggers:
              - on_kubernetes_any_resource_update: {}
              actions:
              - resource_babysitter: {}
              - create_finding: {title: t, aggregation_key: k}
            """
        #expect(check(text) == [])
    }

    @Test func triggersAndActionsWithoutParametersMayBeBareNames() throws {
        let text = """
            - triggers:
              - on_pod_update
              actions:
              - resource_babysitter
            """
        #expect(check(text) == [])
        let config = try #require(try output(text).config)
        #expect(config.playbooks.first?.triggers.map(\.key) == ["on_pod_update"])
        #expect(config.playbooks.first?.actions.map(\.name) == ["resource_babysitter"])
    }

    @Test func playbookStructure() throws {
        let text = """
            - name: empty
              triggers: []
              actions: on_pod_update
            - actions:
              - echo: {message: hi}
            - triggers:
              - on_pod_update: {}
                on_pod_create: {}
            - just a string
            """
        #expect(
            check(text) == [
                "playbooks.yaml:2:13: error: 'triggers' of playbook 'empty' is empty; a playbook needs at least one trigger",
                "playbooks.yaml:3:12: error: 'actions' of playbook 'empty' must be a list, found a string (on_pod_update)",
                "playbooks.yaml:4:3: error: the playbook at line 4 has no 'triggers'; a playbook needs at least one trigger",
                "playbooks.yaml:6:3: error: the playbook at line 6 has no 'actions'; a playbook needs at least one action",
                "playbooks.yaml:7:5: error: each trigger must be a mapping with a single key, the trigger name (for example '- on_pod_update: {...}'), found a mapping with 2 keys (on_pod_update, on_pod_create)",
                "playbooks.yaml:9:3: error: a playbook must be a mapping, found a string (just a string)",
            ])
    }

    // MARK: Parameters

    @Test func unknownKeysOnTriggersActionsPlaybooksAndSinks() throws {
        let text = """
            active_playbooks:
            - triggers:
              - on_pod_update:
                  name_prefx: a
              actions:
              - create_finding:
                  title: t
                  aggregation_key: k
                  colour: red
              sinkz: [f]
            sinks_config:
            - file_sink:
                name: f
                file_nme: x
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:7: error: unknown parameter 'name_prefx' for trigger 'on_pod_update'; did you mean 'name_prefix'?",
                "playbooks.yaml:9:7: error: unknown parameter 'colour' for action 'create_finding'; valid parameters: title, aggregation_key, description, severity",
                "playbooks.yaml:10:3: error: unknown key 'sinkz' in the playbook at line 2; did you mean 'sinks'?",
                "playbooks.yaml:14:5: error: unknown parameter 'file_nme' for sink 'file_sink'; did you mean 'file_name'?",
            ])
    }

    @Test func actionWithoutParametersTakesNone() throws {
        let text = """
            - triggers:
              - on_pod_update: {}
              actions:
              - resource_babysitter: {ignored_namespaces: [kube-system], namespaces: [a]}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:62: error: unknown parameter 'namespaces' for action 'resource_babysitter'; did you mean 'ignored_namespaces'?"
            ])
    }

    @Test func wrongParameterTypes() throws {
        let text = """
            - triggers:
              - on_pod_crash_loop:
                  rate_limit: "abc"
                  name_prefix: 123
                  restart_count: 2.5
                  labels_selector: [app=web]
              actions:
              - create_finding:
                  title: yes
                  aggregation_key: {a: 1}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:3:19: error: parameter 'rate_limit' of trigger 'on_pod_crash_loop' must be an integer, found a string (\"abc\")",
                "playbooks.yaml:4:20: error: parameter 'name_prefix' of trigger 'on_pod_crash_loop' must be a string, found an integer (123); quote it to make it a string: \"123\"",
                "playbooks.yaml:5:22: error: parameter 'restart_count' of trigger 'on_pod_crash_loop' must be an integer, found a number (2.5)",
                "playbooks.yaml:6:24: error: parameter 'labels_selector' of trigger 'on_pod_crash_loop' must be a string, found a list",
                "playbooks.yaml:9:14: error: parameter 'title' of action 'create_finding' must be a string, found a boolean (yes); quote it to make it a string: \"yes\"",
                "playbooks.yaml:10:24: error: parameter 'aggregation_key' of action 'create_finding' must be a string, found a mapping",
            ])
    }

    @Test func parametersMustBeAMapping() throws {
        let text = """
            - triggers:
              - on_pod_update: [a]
              actions:
              - echo: hello
            """
        #expect(
            check(text) == [
                "playbooks.yaml:2:20: error: parameters of trigger 'on_pod_update' must be a mapping, found a list",
                "playbooks.yaml:4:11: error: parameters of action 'echo' must be a mapping, found a string (hello)",
            ])
    }

    @Test func missingRequiredParameters() throws {
        let text = """
            - triggers:
              - on_pod_update: {}
              actions:
              - create_finding:
                  aggregation_key: k
              - create_finding:
              - echo: {message: ~}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:5: error: missing required parameter 'title' (string) of action 'create_finding'",
                "playbooks.yaml:6:5: error: missing required parameter 'title' (string) of action 'create_finding'",
                "playbooks.yaml:6:5: error: missing required parameter 'aggregation_key' (string) of action 'create_finding'",
                "playbooks.yaml:7:21: error: required parameter 'message' of action 'echo' is null",
            ])
    }

    /// `global_config` is merged under every action's parameters, so it can give required ones;
    /// what it gives is type-checked where it is written (once, however many actions take it), and
    /// keys no action declares are fine.
    @Test func globalConfigGivesActionParameters() throws {
        let text = """
            global_config:
              message: from global
              title: 5
              cluster_name: test
            active_playbooks:
            - triggers:
              - on_pod_update: {}
              actions:
              - echo: {}
              - create_finding: {aggregation_key: k}
              - create_finding: {title: own, aggregation_key: k}
              - create_finding: {aggregation_key: again}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:3:10: error: parameter 'title' of action 'create_finding' must be a string, found an integer (5); quote it to make it a string: \"5\""
            ])
        let helm = """
            globalConfig:
              message: hi
            customPlaybooks:
            - triggers: [{on_pod_update: {}}]
              actions: [{echo: {}}]
            """
        #expect(check(helm) == [])
        // Without it the parameter is missing, and a trigger's parameters never come from it.
        let withoutGlobal = """
            global_config:
              name_prefix: 5
            active_playbooks:
            - triggers: [{on_pod_update: {}}]
              actions: [{echo: {}}]
            """
        #expect(check(withoutGlobal) == ["playbooks.yaml:5:14: error: missing required parameter 'message' (string) of action 'echo'"])
    }

    @Test func recordParametersAreCheckedFieldByField() throws {
        let text = """
            - triggers:
              - on_pod_update:
                  change_filters:
                    include: spec
                    ignroe: [status]
              - on_pod_oom_killed:
                  exclude:
                  - {name: a, namespace: 5}
                  - nope
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:18: error: parameter 'include' of parameter 'change_filters' of trigger 'on_pod_update' must be a list, found a string (spec)",
                "playbooks.yaml:5:9: error: unknown parameter 'ignroe' for parameter 'change_filters' of trigger 'on_pod_update'; did you mean 'ignore'?",
                "playbooks.yaml:8:30: error: parameter 'namespace' of item 1 of parameter 'exclude' of trigger 'on_pod_oom_killed' must be a string, found an integer (5); quote it to make it a string: \"5\"",
                "playbooks.yaml:9:9: error: item 2 of parameter 'exclude' of trigger 'on_pod_oom_killed' must be a mapping (OOMKillExclude), found a string (nope)",
            ])
    }

    // MARK: Regexes, scopes, selectors, cron and values

    @Test func invalidRegexInScope() throws {
        let text = """
            - triggers:
              - on_pod_update:
                  scope:
                    include:
                    - name: "foo("
                    exclude:
                    - namespace: [ok, "[z-a]"]
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:5:17: error: invalid regex 'foo(' in 'name' in include entry 1 of parameter 'scope' of trigger 'on_pod_update': expected ')'",
                "playbooks.yaml:7:27: error: invalid regex '[z-a]' in 'namespace' in exclude entry 1 of parameter 'scope' of trigger 'on_pod_update': character 'z' must compare less than or equal to 'a'",
            ])
    }

    @Test func unknownScopeAttributeForAnAlertTrigger() throws {
        let text = """
            - triggers:
              - on_prometheus_alert:
                  scope:
                    include:
                    - namespace: default
                    - labels: "severity=critical"
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:5:11: error: unknown scope attribute 'namespace' in include entry 1 of parameter 'scope' of trigger 'on_prometheus_alert'; available here: labels, annotations"
            ])
    }

    @Test func scopeShape() throws {
        let text = """
            - triggers:
              - on_pod_update:
                  scope: {}
              - on_pod_create:
                  scope:
                    include: []
                    inclde: []
              - on_pod_delete:
                  scope:
                    exclude:
                    - {}
                    - labels: "app"
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:3:14: error: parameter 'scope' of trigger 'on_pod_update' needs 'include' or 'exclude'",
                "playbooks.yaml:6:18: error: 'include' of parameter 'scope' of trigger 'on_pod_create' must not be an empty list; remove it instead",
                "playbooks.yaml:7:9: error: unknown key 'inclde' in parameter 'scope' of trigger 'on_pod_create'; did you mean 'include'?",
                "playbooks.yaml:11:11: error: exclude entry 1 of parameter 'scope' of trigger 'on_pod_delete' is empty",
                "playbooks.yaml:12:19: error: invalid labels matcher 'app' in exclude entry 2 of parameter 'scope' of trigger 'on_pod_delete': 'app' is not 'key=regex' or 'key!=regex'",
            ])
    }

    @Test func invalidLabelSelector() throws {
        let text = """
            - triggers:
              - on_deployment_update:
                  labels_selector: "app in (a,b)"
              - on_deployment_create:
                  labels_selector: "app=web,,tier=x"
              - on_deployment_delete:
                  labels_selector: "app=web, tier=frontend"
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:3:24: error: invalid label selector 'app in (a,b)' in parameter 'labels_selector' of trigger 'on_deployment_update': 'app in (a,b)' is not supported: only equality ('key=value') is",
                "playbooks.yaml:5:24: error: invalid label selector 'app=web,,tier=x' in parameter 'labels_selector' of trigger 'on_deployment_create': empty entry; expected 'key=value' pairs separated by commas",
            ])
    }

    @Test func invalidCronExpressions() throws {
        let text = """
            - triggers:
              - on_schedule:
                  cron_schedule_repeat:
                    cron_expression: "0 25 * * *"
              actions:
              - echo: {message: hi}
            - triggers:
              - on_schedule:
                  cron_schedule_repeat:
                    cron_expression: "* * *"
              actions:
              - echo: {message: hi}
            - triggers:
              - on_schedule:
                  cron_schedule_repeat:
                    cron_expression: "0 12 * * 1"
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:26: error: invalid cron expression '0 25 * * *' in parameter 'cron_expression' of parameter 'cron_schedule_repeat' of trigger 'on_schedule': hour value 25 is out of range 0-23",
                "playbooks.yaml:10:26: error: invalid cron expression '* * *' in parameter 'cron_expression' of parameter 'cron_schedule_repeat' of trigger 'on_schedule': expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found 3",
            ])
    }

    @Test func valueThatNeverMatches() throws {
        let text = """
            - triggers:
              - on_prometheus_alert:
                  status: bogus
              actions:
              - create_finding: {title: t, aggregation_key: k, severity: urgent}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:3:15: error: 'bogus' is not a valid value for parameter 'status' of trigger 'on_prometheus_alert' and would never match; expected 'firing', 'resolved' or 'all'",
                "playbooks.yaml:5:62: error: 'urgent' is not a valid value for parameter 'severity' of action 'create_finding' and would never match; expected 'DEBUG', 'INFO', 'LOW', 'MEDIUM' or 'HIGH'",
            ])
    }

    // MARK: Scheduled playbooks

    @Test func scheduledPlaybookHasOneTriggerAndOneAction() throws {
        let text = """
            - name: twice
              triggers:
              - on_schedule:
                  fixed_delay_repeat: {seconds_delay: 60}
              actions:
              - echo: {message: hi}
              - echo: {message: ho}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:1:3: error: playbook 'twice' is scheduled, so it must have exactly one trigger and one action; it has 1 trigger and 2 actions"
            ])
    }

    @Test func onScheduleTakesExactlyOneVariant() throws {
        let text = """
            - triggers:
              - on_schedule:
                  fixed_delay_repeat: {seconds_delay: 60}
                  dynamic_delay_repeat: {delay_periods: [1]}
              actions:
              - echo: {message: hi}
            - triggers:
              - on_schedule: {}
              actions:
              - echo: {message: hi}
            - triggers:
              - on_schedule:
                  fixed_delay_repeat: {}
              actions:
              - echo: {message: hi}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:2:5: error: trigger 'on_schedule' takes exactly one of 'fixed_delay_repeat', 'dynamic_delay_repeat' or 'cron_schedule_repeat', but 2 are given (fixed_delay_repeat, dynamic_delay_repeat)",
                "playbooks.yaml:8:5: error: trigger 'on_schedule' needs one of 'fixed_delay_repeat', 'dynamic_delay_repeat' or 'cron_schedule_repeat'",
                "playbooks.yaml:13:27: error: missing required parameter 'seconds_delay' (int) of parameter 'fixed_delay_repeat' of trigger 'on_schedule'",
            ])
    }

    // MARK: Sinks

    @Test func sinkNamesResolve() throws {
        let text = """
            active_playbooks:
            - triggers:
              - on_pod_update: {}
              actions:
              - echo: {message: hi}
              sinks: [main, mian, elsewhere]
            sinks_config:
            - file_sink: {name: main}
            - console_sink: {name: console}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:6:17: error: unknown sink 'mian'; defined sinks: console, main; did you mean 'main'?",
                "playbooks.yaml:6:23: error: unknown sink 'elsewhere'; defined sinks: console, main",
            ])
    }

    @Test func sinkNamesAreNotCheckedWhenTheFileDefinesNoSinks() throws {
        let text = """
            - triggers:
              - on_pod_update: {}
              actions:
              - echo: {message: hi}
              sinks: [defined_elsewhere]
            """
        #expect(check(text) == [])
    }

    @Test func duplicateSinkNamesFixture() throws {
        let name = "runner_config_duplicate_sink_names.yaml"
        #expect(
            check(try CoreFixtures.fixture(name), file: name) == [
                "runner_config_duplicate_sink_names.yaml:13:13: error: sink name 'oncall' is already defined at line 6, column 13; sink names must be unique"
            ])
    }

    @Test func unknownSinkTypeAndSinkParameters() throws {
        let text = """
            sinks_config:
            - slak_sink: {name: a}
            - carrier_pigeon: {name: b}
            - webhook_sink: {name: c, url: "http://x", format: xml, size_limit: big}
            - slack_sink: {api_key: k}
            - file_sink: {name: d}
              console_sink: {name: e}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:2:3: error: unknown sink type 'slak_sink'; did you mean 'slack_sink'?",
                "playbooks.yaml:3:3: error: unknown sink type 'carrier_pigeon'; known sink types: console_sink, file_sink, webhook_sink, slack_sink, ms_teams_sink, opsgenie_sink, pagerduty_sink, discord_sink, mattermost_sink, telegram_sink, webex_sink, victorops_sink, datadog_sink, kafka_sink, rocketchat_sink, zulip_sink, mail_sink, pushover_sink, google_chat_sink, service_now_sink, incidentio_sink, yamessenger_sink",
                "playbooks.yaml:4:52: error: 'xml' is not a valid value for parameter 'format' of sink 'webhook_sink' and would never match; expected 'text' or 'json'",
                "playbooks.yaml:4:69: error: parameter 'size_limit' of sink 'webhook_sink' must be an integer, found a string (big)",
                "playbooks.yaml:5:3: error: missing required parameter 'name' (string) of sink 'slack_sink'",
                "playbooks.yaml:5:3: error: missing required parameter 'slack_channel' (string) of sink 'slack_sink'",
                "playbooks.yaml:6:3: error: each sink in 'sinks_config' must be a mapping with one key, the sink type (for example 'file_sink: {name: ...}'), found 2 keys",
            ])
    }

    @Test func sinkScopeUsesFindingAttributes() throws {
        let text = """
            sinks_config:
            - file_sink:
                name: f
                scope:
                  include:
                  - severity: HIGH
                    namespace_labels: "team=a"
                  exclude:
                  - pod: x
            """
        #expect(
            check(text) == [
                "playbooks.yaml:9:9: error: unknown scope attribute 'pod' in exclude entry 1 of parameter 'scope' of sink 'file_sink'; available here: title, identifier, severity, source, type, kind, namespace, node, name, labels, annotations, namespace_labels; did you mean 'node'?"
            ])
    }

    // MARK: YAML problems

    @Test func yamlSyntaxError() throws {
        #expect(
            check("- triggers: [\n") == [
                "playbooks.yaml:2:1: error: YAML syntax error: did not find expected node content (while parsing a flow node at line 2, column 1)"
            ])
    }

    @Test func duplicateKeys() throws {
        let text = """
            - triggers:
              - on_pod_update: {}
              triggers: []
              actions:
              - echo: {message: hi, message: ho}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:3:3: error: duplicate key 'triggers' (first defined at line 1, column 3)",
                "playbooks.yaml:5:25: error: duplicate key 'message' (first defined at line 5, column 12)",
            ])
        // The first value of each key is kept and the playbook is still checked.
        #expect(try output(text).config?.playbooks.first?.triggers.map(\.key) == ["on_pod_update"])
        let alsoWrong = """
            - triggers: [{on_pod_update: {}}]
              actions: [{echo: {message: hi}}]
              stop: true
              stop: false
              sinkz: []
            """
        #expect(
            check(alsoWrong) == [
                "playbooks.yaml:4:3: error: duplicate key 'stop' (first defined at line 3, column 3)",
                "playbooks.yaml:5:3: error: unknown key 'sinkz' in the playbook at line 1; did you mean 'sinks'?",
            ])
    }

    @Test func hostileYAMLIsRefusedThroughTheValidator() throws {
        var text = "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 {
            text += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(
            check(text) == [
                "playbooks.yaml:6:45: error: YAML aliases expand the document to more than the limit of 1000000 nodes; refusing it (a YAML alias bomb?)"
            ])
        let validator = ConfigValidator(schema: try CoreFixtures.schema(), limits: YAMLLimits(maxBytes: 10))
        #expect(
            validator.validate(text: "- triggers: []\n", file: "p.yaml").diagnostics.map(\.description) == [
                "p.yaml:1:1: error: file is 15 bytes, more than the limit of 10 bytes"
            ])
    }

    // MARK: Many problems in one pass

    @Test func manyProblemsAreReportedInOnePass() throws {
        let text = """
            active_playbooks:
            - name: first
              triggers:
              - on_pod_updat: {}
              - on_deployment_update:
                  name_prefix: 123
                  labels_selector: "app in (a,b)"
              actions:
              - create_finding:
                  aggregation_key: k
                  severity: urgent
              - resource_babysitter: {}
              sinks: [main, mian]
              stop: maybe
            - triggers:
              - on_prometheus_alert:
                  status: bogus
                  scope:
                    include:
                    - namespace: default
                    - labels: "severity=("
              actions:
              - resource_babysitter: {}
              - echo: {mesage: hi}
            - triggers:
              - on_schedule:
                  cron_schedule_repeat:
                    cron_expression: "* * *"
              actions:
              - echo: {message: a}
              - echo: {message: b}
            sinks_config:
            - file_sink: {name: main}
            - file_sink: {name: main}
            - slak_sink: {name: x}
            global_config: []
            """
        #expect(
            check(text) == [
                "playbooks.yaml:4:5: error: unknown trigger 'on_pod_updat' in playbook 'first'; did you mean 'on_pod_update'?",
                "playbooks.yaml:6:20: error: parameter 'name_prefix' of trigger 'on_deployment_update' must be a string, found an integer (123); quote it to make it a string: \"123\"",
                "playbooks.yaml:7:24: error: invalid label selector 'app in (a,b)' in parameter 'labels_selector' of trigger 'on_deployment_update': 'app in (a,b)' is not supported: only equality ('key=value') is",
                "playbooks.yaml:9:5: error: missing required parameter 'title' (string) of action 'create_finding'",
                "playbooks.yaml:11:17: error: 'urgent' is not a valid value for parameter 'severity' of action 'create_finding' and would never match; expected 'DEBUG', 'INFO', 'LOW', 'MEDIUM' or 'HIGH'",
                "playbooks.yaml:13:17: error: unknown sink 'mian'; defined sinks: main; did you mean 'main'?",
                "playbooks.yaml:14:9: error: 'stop' in playbook 'first' must be true or false, found a string (maybe)",
                "playbooks.yaml:17:15: error: 'bogus' is not a valid value for parameter 'status' of trigger 'on_prometheus_alert' and would never match; expected 'firing', 'resolved' or 'all'",
                "playbooks.yaml:20:11: error: unknown scope attribute 'namespace' in include entry 1 of parameter 'scope' of trigger 'on_prometheus_alert'; available here: labels, annotations",
                "playbooks.yaml:21:19: error: invalid labels matcher 'severity=(' in include entry 2 of parameter 'scope' of trigger 'on_prometheus_alert': regex '(': expected ')'",
                "playbooks.yaml:23:5: error: action 'resource_babysitter' needs a KubernetesAnyChangeEvent, but trigger 'on_prometheus_alert' (line 16) produces a PrometheusKubernetesAlert, which is not one; compatible triggers: on_kubernetes_any_resource_create, on_kubernetes_any_resource_update, on_kubernetes_any_resource_delete, on_kubernetes_any_resource_all_changes, on_pod_crash_loop, on_image_pull_backoff, on_pod_oom_killed, on_container_oom_killed, on_pod_evicted, on_job_failure and 85 more (see docs/compatibility.md)",
                "playbooks.yaml:24:5: error: missing required parameter 'message' (string) of action 'echo'",
                "playbooks.yaml:24:12: error: unknown parameter 'mesage' for action 'echo'; did you mean 'message'?",
                "playbooks.yaml:25:3: error: the playbook at line 25 is scheduled, so it must have exactly one trigger and one action; it has 1 trigger and 2 actions",
                "playbooks.yaml:28:26: error: invalid cron expression '* * *' in parameter 'cron_expression' of parameter 'cron_schedule_repeat' of trigger 'on_schedule': expected 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds last, found 3",
                "playbooks.yaml:34:21: error: sink name 'main' is already defined at line 33, column 21; sink names must be unique",
                "playbooks.yaml:35:3: error: unknown sink type 'slak_sink'; did you mean 'slack_sink'?",
                "playbooks.yaml:36:16: error: 'global_config' must be a mapping, found a list",
            ])
    }

    // MARK: Formats

    @Test func runnerConfigFormat() throws {
        let text = """
            playbook_repos:
              mine: {url: "file:///x"}
            sinks_config:
            - file_sink: {name: f, default: false}
            global_config:
              cluster_name: test
            alert_relabel:
            - {source: pod, target: name, operation: add}
            light_actions: [echo]
            active_playbooks:
            - name: a
              triggers:
              - on_pod_update: {}
              actions:
              - echo: {message: hi}
              sinks: [f]
            """
        let result = try output(text)
        #expect(result.diagnostics.map(\.description) == [])
        let config = try #require(result.config)
        #expect(config.format == .runnerConfig)
        #expect(config.playbooks.map(\.name) == ["a"])
        #expect(config.playbooks.first?.sinks == ["f"])
        #expect(config.sinks.map(\.name) == ["f"])
        #expect(config.sinks.map(\.type) == ["file_sink"])
        #expect(config.globalConfig?["cluster_name"]?.scalar?.value == .string("test"))
    }

    @Test func runnerConfigKeys() throws {
        let text = """
            active_playbook: []
            playbook_repos:
              mine: {branch: main}
            alert_relabel:
            - {source: pod, operation: move}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:1:1: error: unknown key 'active_playbook' in the runner config; did you mean 'active_playbooks'? (a runner config holds its playbooks under 'active_playbooks')",
                "playbooks.yaml:3:3: error: playbook repository 'mine' is missing 'url'",
                "playbooks.yaml:5:3: error: alert_relabel rule 1 is missing 'target'",
                "playbooks.yaml:5:28: error: 'move' is not a valid operation for alert_relabel rule 1; expected 'add' or 'replace'",
            ])
    }

    @Test func helmValuesFormatInTheChartsOrder() throws {
        let text = """
            clusterName: test
            builtinPlaybooks:
            - name: builtin
              triggers: [{on_pod_update: {}}]
              actions: [{echo: {message: b}}]
            namedCustomPlaybooks:
              named:
                name: named
                triggers: [{on_pod_update: {}}]
                actions: [{echo: {message: n}}]
            customPlaybooks:
            - name: custom
              triggers: [{on_pod_update: {}}]
              actions: [{echo: {message: c}}]
            priorityBuiltinPlaybooks:
            - name: priority
              triggers: [{on_prometheus_alert: {}}]
              actions: [{name_silencer: {names: [Watchdog]}}]
            platformPlaybooks: []
            sinksConfig:
            - console_sink: {name: console}
            globalConfig:
              grafana_url: ""
            someOtherChartValue: {anything: [goes]}
            """
        let result = try output(text)
        #expect(result.diagnostics.map(\.description) == [])
        let config = try #require(result.config)
        #expect(config.format == .helmValues)
        #expect(config.playbooks.map(\.name) == ["priority", "custom", "named", "builtin"])
        #expect(config.sinks.map(\.name) == ["console"])
        #expect(config.globalConfig?["grafana_url"]?.scalar?.value == .string(""))
    }

    @Test func helmValuesProblems() throws {
        let text = """
            customPlaybooks: {a: 1}
            namedCustomPlaybooks: [a]
            sinksConfig: {}
            """
        #expect(
            check(text) == [
                "playbooks.yaml:1:18: error: 'customPlaybooks' must be a list of playbooks, found a mapping",
                "playbooks.yaml:2:23: error: 'namedCustomPlaybooks' must be a mapping of names to playbooks, found a list",
                "playbooks.yaml:3:14: error: 'sinksConfig' must be a list of sinks, found a mapping",
            ])
    }

    @Test func bareListFormat() throws {
        let text = """
            - triggers: [{on_pod_update: {}}]
              actions: [{echo: {message: one}}]
            - triggers: [{on_node_create: {}}]
              actions: [{echo: {message: two}}]
              stop: true
            """
        let result = try output(text)
        #expect(result.diagnostics.map(\.description) == [])
        let config = try #require(result.config)
        #expect(config.format == .playbookList)
        #expect(config.playbooks.map { $0.triggers.map(\.key) } == [["on_pod_update"], ["on_node_create"]])
        #expect(config.playbooks.map(\.stop) == [false, true])
        #expect(config.playbooks.map { $0.location.line } == [1, 3])
    }

    @Test func emptyFileIsAnEmptyConfig() throws {
        let result = try output("# nothing yet\n")
        #expect(result.diagnostics.isEmpty)
        #expect(result.config?.format == .empty)
        #expect(result.config?.playbooks.isEmpty == true)
    }

    @Test func scalarRootIsNotAConfig() throws {
        #expect(
            check("hello\n") == [
                "playbooks.yaml:1:1: error: expected a playbook config: a runner config (a mapping with 'active_playbooks'), Helm values (a mapping with 'customPlaybooks', 'builtinPlaybooks', ...) or a list of playbooks; found a string (hello)"
            ])
        #expect(
            check("42\n") == [
                "playbooks.yaml:1:1: error: expected a playbook config: a runner config (a mapping with 'active_playbooks'), Helm values (a mapping with 'customPlaybooks', 'builtinPlaybooks', ...) or a list of playbooks; found an integer (42)"
            ])
    }

    // MARK: Configs in Robusta's formats (Tests/Fixtures)

    @Test func validRunnerConfigFixture() throws {
        let name = "runner_config_valid.yaml"
        let result = try output(try CoreFixtures.fixture(name), file: name)
        #expect(result.diagnostics.map(\.description) == [])
        #expect(result.config?.format == .runnerConfig)
        #expect(result.config?.sinks.map(\.name) == ["oncall", "audit"])
        #expect(result.config?.playbooks.count == 2)
    }

    static func notImplementedWarning(_ file: String, _ line: Int, _ action: String) -> String {
        "\(file):\(line):9: warning: action '\(action)' is not implemented in Triggerfish yet: the playbook loads, but when it runs this action fails with a not_implemented action error and the playbook's next action still runs"
    }

    static func uiSinkWarning(_ file: String, _ line: Int) -> String {
        "\(file):\(line):13: warning: sink 'robusta_ui_sink' is not defined in this file; Robusta's chart defines it when the Robusta platform is enabled, otherwise findings for it are dropped"
    }

    /// Default playbooks in the shape of Robusta's, as Helm values and as the runner config the
    /// chart renders from them: no errors; a warning at each use of an action declared
    /// `implemented: false` and at each reference to the Robusta UI sink, which the chart defines
    /// when the platform is enabled; in Helm values every list is checked, disabled and platform
    /// playbooks included.
    @Test func defaultPlaybooksInHelmValuesValidateWithWarningsOnly() throws {
        let name = "helm_values.yaml"
        let result = try output(try CoreFixtures.fixture(name), file: name)
        #expect(result.config?.format == .helmValues)
        #expect(result.config?.playbooks.count == 8)
        #expect(
            result.diagnostics.map(\.description) == [
                Self.uiSinkWarning(name, 72),
                Self.uiSinkWarning(name, 80),
            ])
    }

    @Test func defaultPlaybooksInARenderedRunnerConfigValidateWithWarningsOnly() throws {
        let name = "runner_config_rendered.yaml"
        let result = try output(try CoreFixtures.fixture(name), file: name)
        #expect(result.config?.format == .runnerConfig)
        #expect(result.config?.playbooks.count == 7)
        #expect(result.config?.sinks.map(\.name) == ["fixture"])
        #expect(
            result.diagnostics.map(\.description) == [
                Self.uiSinkWarning(name, 60),
                Self.uiSinkWarning(name, 68),
            ])
    }
}
