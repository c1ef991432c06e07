import Foundation
import Testing

@testable import _TriggerfishCore

/// The repository's schema as loaded (kinds expanded, hierarchy, triggers, compatibility, manual
/// triggering, checked against Robusta's own table in the reference), and the loader's errors on
/// small inline schemas, each with its whole message and position.
@Suite struct SchemaLoaderTests {
    // MARK: The real schema

    static let kindNames = [
        "Pod", "ReplicaSet", "DaemonSet", "Deployment", "StatefulSet", "Service", "Event", "HorizontalPodAutoscaler", "Node",
        "ClusterRole", "ClusterRoleBinding", "Job", "Namespace", "ServiceAccount", "PersistentVolume", "PersistentVolumeClaim",
        "NetworkPolicy", "ConfigMap", "Ingress", "Secret",
    ]

    static let handWrittenTriggers = [
        "on_pod_crash_loop", "on_image_pull_backoff", "on_pod_oom_killed",
        "on_container_oom_killed", "on_pod_evicted", "on_job_failure", "on_kubernetes_warning_event",
        "on_kubernetes_warning_event_create", "on_kubernetes_warning_event_update", "on_kubernetes_warning_event_delete",
        "on_kubernetes_resource_operation", "on_prometheus_alert", "on_schedule",
    ]

    static let wildcardTriggers = [
        "on_kubernetes_any_resource_create", "on_kubernetes_any_resource_update", "on_kubernetes_any_resource_delete",
        "on_kubernetes_any_resource_all_changes",
    ]

    static let smartTriggers = [
        "on_pod_crash_loop", "on_image_pull_backoff", "on_pod_oom_killed", "on_container_oom_killed", "on_pod_evicted", "on_job_failure",
        "on_kubernetes_warning_event", "on_kubernetes_warning_event_create", "on_kubernetes_warning_event_update",
        "on_kubernetes_warning_event_delete",
    ]

    static var perKindTriggers: [String] {
        kindNames.flatMap { kind in ["create", "update", "delete", "all_changes"].map { "on_\(kind.lowercased())_\($0)" } }
    }

    static func kindTriggers(_ kind: String) -> [String] {
        ["create", "update", "delete", "all_changes"].map { "on_\(kind)_\($0)" }
    }

    /// The trigger keys an action accepting `event` can be bound to, in schema order.
    func compatible(with event: String) throws -> [String] {
        let schema = try CoreFixtures.schema()
        let action = ActionDefinition(
            name: "probe", doc: "", event: event, parameters: [], isCustom: true,
            location: _TriggerfishCore.SourceLocation(file: "probe", line: 1, column: 1))
        return schema.compatibleTriggers(for: action).map(\.key)
    }

    @Test func realSchemaLoadsWithoutDiagnostics() throws {
        let loaded = try #require(CoreFixtures.loadedSchema)
        #expect(loaded.diagnostics.map(\.description) == [])
        #expect(loaded.schema != nil)
    }

    @Test func twentyKindsInRobustasOrder() throws {
        let schema = try CoreFixtures.schema()
        #expect(schema.kinds.map(\.name) == Self.kindNames)
        let node = try #require(schema.kinds.first { $0.name == "Node" })
        #expect(node.apiVersion == "v1")
        #expect(node.namespaced == false)
        #expect(schema.kinds.first { $0.name == "Event" }?.apiVersion == "events.k8s.io/v1")
        #expect(schema.kinds.first { $0.name == "HorizontalPodAutoscaler" }?.accessor == "horizontalPodAutoscaler")
    }

    @Test func everyKindExpandsIntoAnEventAndAChangeEvent() throws {
        let schema = try CoreFixtures.schema()
        let names = Set(schema.events.map(\.name))
        for base in [
            "ExecutionBaseEvent", "KubernetesResourceEvent", "KubernetesAnyChangeEvent", "PrometheusKubernetesAlert",
            "ScheduledExecutionEvent",
        ] {
            #expect(names.contains(base), "\(base)")
        }
        for kind in Self.kindNames {
            #expect(schema.event(named: "\(kind)Event")?.parents == ["KubernetesResourceEvent"], "\(kind)")
            #expect(schema.event(named: "\(kind)ChangeEvent")?.parents == ["\(kind)Event", "KubernetesAnyChangeEvent"], "\(kind)")
        }
        #expect(schema.events.count == 5 + 2 * 20)
    }

    @Test func podChangeEventHierarchy() throws {
        let schema = try CoreFixtures.schema()
        let podChange = try #require(schema.event(named: "PodChangeEvent"))
        #expect(podChange.parents == ["PodEvent", "KubernetesAnyChangeEvent"])
        #expect(podChange.kind == "Pod")
        #expect(podChange.manualParameters == nil)
        #expect(
            schema.selfAndAncestors(of: "PodChangeEvent") == [
                "PodChangeEvent", "PodEvent", "KubernetesResourceEvent", "KubernetesAnyChangeEvent", "ExecutionBaseEvent",
            ])
        #expect(schema.allFields(of: "PodChangeEvent").map(\.name) == ["resource", "pod", "operation", "object", "oldObject"])
    }

    @Test func buildSourcesAndAlertLabelsComeFromTheSchema() throws {
        let schema = try CoreFixtures.schema()
        #expect(schema.event(named: "KubernetesAnyChangeEvent")?.builtFrom == .kubernetesChange)
        #expect(schema.event(named: "PodChangeEvent")?.builtFrom == .kubernetesChange)
        #expect(schema.event(named: "PrometheusKubernetesAlert")?.builtFrom == .prometheusAlert)
        #expect(schema.event(named: "PodEvent")?.builtFrom == nil)
        #expect(schema.event(named: "ScheduledExecutionEvent")?.builtFrom == nil)
        // Robusta's AlertEventBuilder order.
        #expect(
            schema.alertLabels.map { "\($0.label)=\($0.kind)" } == [
                "deployment=Deployment", "daemonset=DaemonSet", "statefulset=StatefulSet", "job_name=Job", "pod=Pod",
                "horizontalpodautoscaler=HorizontalPodAutoscaler",
            ])
    }

    @Test func prometheusAlertIsEveryAlertableResourceEvent() throws {
        let schema = try CoreFixtures.schema()
        #expect(
            schema.event(named: "PrometheusKubernetesAlert")?.parents == [
                "PodEvent", "NodeEvent", "DeploymentEvent", "JobEvent", "DaemonSetEvent", "StatefulSetEvent",
                "HorizontalPodAutoscalerEvent",
            ])
    }

    @Test func eightyPerKindTriggersAndTheHandWrittenOnes() throws {
        let schema = try CoreFixtures.schema()
        // The any-kind triggers take just the kind triggers' parameter sets, so they share their type.
        let shared = schema.triggers.filter { $0.sharedParametersType == "KindTriggerParameters" }.map(\.key)
        #expect(shared == Self.wildcardTriggers + Self.perKindTriggers)
        #expect(shared.count == 84)
        #expect(schema.triggers.filter { $0.sharedParametersType == nil }.map(\.key) == Self.handWrittenTriggers)
        #expect(schema.triggers.count == 97)
    }

    @Test func generatedTriggerShape() throws {
        let schema = try CoreFixtures.schema()
        let trigger = try #require(schema.trigger(named: "on_deployment_update"))
        #expect(trigger.event == "DeploymentChangeEvent")
        #expect(trigger.source == .kubernetes)
        #expect(trigger.kind == "Deployment")
        #expect(trigger.operation == .update)
        #expect(trigger.condition == nil)
        #expect(trigger.parameters.map(\.name) == ["name_prefix", "namespace_prefix", "labels_selector", "scope", "change_filters"])
        #expect(trigger.parameters.map(\.type) == [.string, .string, .labelSelector, .scope, .record("ChangeFilters")])
    }

    @Test func handWrittenTriggerShape() throws {
        let schema = try CoreFixtures.schema()
        let crashLoop = try #require(schema.trigger(named: "on_pod_crash_loop"))
        #expect(crashLoop.event == "PodChangeEvent")
        #expect(crashLoop.condition == "pod_crash_loop")
        #expect(
            crashLoop.parameters.map(\.name) == [
                "name_prefix", "namespace_prefix", "labels_selector", "scope", "rate_limit", "restart_reason", "restart_count",
            ])
        #expect(crashLoop.parameters.first { $0.name == "rate_limit" }?.defaultValue == .int(14400))
        let any = try #require(schema.trigger(named: "on_kubernetes_any_resource_update"))
        #expect(any.kind == nil)
        #expect(any.event == "KubernetesAnyChangeEvent")
        let schedule = try #require(schema.trigger(named: "on_schedule"))
        #expect(schedule.source == .schedule)
        #expect(schedule.exactlyOneOf == ["fixed_delay_repeat", "dynamic_delay_repeat", "cron_schedule_repeat"])
        let alert = try #require(schema.trigger(named: "on_prometheus_alert"))
        #expect(alert.parameters.first { $0.name == "status" }?.allowedValues == ["firing", "resolved", "all"])
        #expect(alert.parameters.first { $0.name == "status" }?.defaultValue == .string("firing"))
    }

    // MARK: Compatibility (reference §1(d))

    @Test func executionBaseEventActionsRunFromEveryTrigger() throws {
        #expect(try compatible(with: "ExecutionBaseEvent") == (try CoreFixtures.schema()).triggers.map(\.key))
    }

    @Test func podEventActions() throws {
        let schema = try CoreFixtures.schema()
        let podEvent = try compatible(with: "PodEvent")
        #expect(
            Set(podEvent)
                == Set(
                    Self.kindTriggers("pod") + [
                        "on_pod_crash_loop", "on_image_pull_backoff", "on_pod_oom_killed", "on_container_oom_killed", "on_pod_evicted",
                        "on_prometheus_alert",
                    ]))
        #expect(podEvent.count == 10)
        #expect(podEvent.contains("on_pod_update"))
        #expect(podEvent.contains("on_pod_crash_loop"))
        #expect(podEvent.contains("on_prometheus_alert"))
        #expect(!podEvent.contains("on_node_update"))
        #expect(!podEvent.contains("on_kubernetes_any_resource_update"))
        // The same answer through the model's own entry point.
        let onNodeUpdate = try #require(schema.trigger(named: "on_node_update"))
        let onPodUpdate = try #require(schema.trigger(named: "on_pod_update"))
        let action = ActionDefinition(
            name: "pod_action", doc: "", event: "PodEvent", parameters: [], isCustom: true,
            location: _TriggerfishCore.SourceLocation(file: "x", line: 1, column: 1))
        #expect(schema.isCompatible(trigger: onPodUpdate, action: action))
        #expect(!schema.isCompatible(trigger: onNodeUpdate, action: action))
    }

    @Test func kubernetesResourceEventActions() throws {
        let triggers = try compatible(with: "KubernetesResourceEvent")
        #expect(Set(triggers) == Set(Self.perKindTriggers + Self.smartTriggers + ["on_prometheus_alert"]))
        #expect(triggers.count == 91)
        for key in Self.wildcardTriggers + ["on_kubernetes_resource_operation", "on_schedule"] {
            #expect(!triggers.contains(key), "\(key)")
        }
    }

    @Test func kubernetesAnyChangeEventActions() throws {
        let triggers = try compatible(with: "KubernetesAnyChangeEvent")
        #expect(
            Set(triggers) == Set(Self.perKindTriggers + Self.wildcardTriggers + Self.smartTriggers + ["on_kubernetes_resource_operation"]))
        #expect(triggers.count == 95)
        #expect(!triggers.contains("on_prometheus_alert"))
        #expect(!triggers.contains("on_schedule"))
    }

    @Test func otherRowsOfRobustasTable() throws {
        func set(_ event: String) throws -> Set<String> { Set(try compatible(with: event)) }
        #expect(try compatible(with: "PrometheusKubernetesAlert") == ["on_prometheus_alert"])
        #expect(try set("NodeEvent") == Set(Self.kindTriggers("node") + ["on_prometheus_alert"]))
        #expect(try set("JobEvent") == Set(Self.kindTriggers("job") + ["on_job_failure", "on_prometheus_alert"]))
        #expect(
            try set("EventChangeEvent")
                == Set(
                    Self.kindTriggers("event") + [
                        "on_kubernetes_warning_event", "on_kubernetes_warning_event_create", "on_kubernetes_warning_event_update",
                        "on_kubernetes_warning_event_delete",
                    ]))
        for kind in ["Deployment", "DaemonSet", "StatefulSet", "HorizontalPodAutoscaler"] {
            #expect(try set("\(kind)Event") == Set(Self.kindTriggers(kind.lowercased()) + ["on_prometheus_alert"]), "\(kind)")
        }
        for kind in ["Deployment", "Node", "HorizontalPodAutoscaler"] {
            #expect(try set("\(kind)ChangeEvent") == Set(Self.kindTriggers(kind.lowercased())), "\(kind)")
        }
        #expect(try set("PersistentVolumeEvent") == Set(Self.kindTriggers("persistentvolume")))
        #expect(try compatible(with: "ScheduledExecutionEvent") == ["on_schedule"])
    }

    @Test func compatibleTriggersComeInSchemaOrder() throws {
        // triggers.yaml first, then the triggers expanded from kinds.yaml.
        #expect(try compatible(with: "NodeEvent") == ["on_prometheus_alert"] + Self.kindTriggers("node"))
    }

    @Test func builtInActionsAgainstTheirTriggers() throws {
        let schema = try CoreFixtures.schema()
        let babysitter = try #require(schema.action(named: "resource_babysitter"))
        let silencer = try #require(schema.action(named: "name_silencer"))
        let alert = try #require(schema.trigger(named: "on_prometheus_alert"))
        let anyUpdate = try #require(schema.trigger(named: "on_kubernetes_any_resource_update"))
        #expect(!schema.isCompatible(trigger: alert, action: babysitter))
        #expect(schema.isCompatible(trigger: anyUpdate, action: babysitter))
        #expect(schema.isCompatible(trigger: alert, action: silencer))
        #expect(!schema.isCompatible(trigger: anyUpdate, action: silencer))
    }

    @Test func manualTriggering() throws {
        let schema = try CoreFixtures.schema()
        func manual(_ name: String) throws -> Bool { schema.isManuallyTriggerable(try #require(schema.action(named: name))) }
        #expect(try manual("create_finding"))
        #expect(try manual("echo"))
        #expect(try !manual("resource_babysitter"))
        #expect(try !manual("name_silencer"))
        #expect(try !manual("severity_silencer"))
        #expect(schema.event(named: "PodEvent")?.manualParameters?.map(\.name) == ["name", "namespace"])
        #expect(schema.event(named: "NodeEvent")?.manualParameters?.map(\.name) == ["name"])
        #expect(schema.event(named: "KubernetesResourceEvent")?.manualParameters?.map(\.name) == ["kind", "name", "namespace"])
        #expect(schema.event(named: "ExecutionBaseEvent")?.manualParameters?.isEmpty == true)
        for event in ["KubernetesAnyChangeEvent", "PrometheusKubernetesAlert", "ScheduledExecutionEvent", "PodChangeEvent"] {
            #expect(schema.event(named: event)?.manualParameters == nil, "\(event)")
        }
    }

    @Test func sinksAndTheirSharedParameters() throws {
        let schema = try CoreFixtures.schema()
        #expect(schema.sinkBaseParameters.first?.name == "name")
        #expect(schema.sinkBaseParameters.first?.required == true)
        #expect(schema.sink(named: "slack_sink")?.parameters.filter(\.required).map(\.name) == ["api_key", "slack_channel"])
        #expect(schema.sink(named: "robusta_sink") == nil)
        // The sink types SinkFactory builds are the ones the schema says deliver.
        #expect(schema.sinks.filter(\.delivers).map(\.key) == ["console_sink", "file_sink", "webhook_sink"])
        #expect(schema.sinks.count == 22)
    }

    // MARK: Errors in inline schemas

    /// Two events, one trigger and one action: the smallest schema that loads.
    static let base = """
        events:
          BaseEvent:
            doc: root
            manual:
              parameters: {}
          ChildEvent:
            parents: [BaseEvent]
        triggers:
          on_thing:
            event: ChildEvent
            source: prometheus
        actions:
          do_thing:
            event: BaseEvent

        """

    /// `base` plus an action `other` (line 15) whose parameter `x` (line 18) has these lines.
    static func withParameter(_ lines: String) -> String {
        base + "  other:\n    event: BaseEvent\n    parameters:\n      x:\n" + lines
    }

    func errors(_ files: [(String, String)]) -> [String] {
        let loaded = CoreFixtures.loadSchema(files)
        if !loaded.diagnostics.isEmpty {
            #expect(loaded.schema == nil)
        }
        return loaded.diagnostics.map(\.description)
    }

    @Test func theSmallSchemaLoads() throws {
        let loaded = CoreFixtures.loadSchema([("s.yaml", Self.base)])
        #expect(loaded.diagnostics.map(\.description) == [])
        let schema = try #require(loaded.schema)
        #expect(schema.events.map(\.name) == ["BaseEvent", "ChildEvent"])
        #expect(schema.compatibleTriggers(for: try #require(schema.action(named: "do_thing"))).map(\.key) == ["on_thing"])
    }

    @Test func unknownKeyInAnEvent() {
        #expect(
            errors([("s.yaml", "events:\n  A:\n    parnets: [B]\n")]) == [
                "s.yaml:3:5: error: unknown key 'parnets' in event 'A'; did you mean 'parents'?"
            ])
        #expect(
            errors([("s.yaml", "events:\n  A:\n    colour: red\n")]) == [
                "s.yaml:3:5: error: unknown key 'colour' in event 'A'; expected 'doc', 'parents', 'fields', 'manual' or 'built_from'"
            ])
    }

    @Test func sinkDeliversIsABoolAndMisspellingsAreRejected() throws {
        let loaded = CoreFixtures.loadSchema([("s.yaml", Self.base + "sinks:\n  a_sink:\n    delivers: true\n  b_sink: {}\n")])
        #expect(loaded.diagnostics.map(\.description) == [])
        let schema = try #require(loaded.schema)
        #expect(schema.sinks.map(\.delivers) == [true, false])
        #expect(
            errors([("s.yaml", Self.base + "sinks:\n  a_sink:\n    delivers: sometimes\n")]) == [
                "s.yaml:17:15: error: 'delivers' in sink 'a_sink' must be true or false, found a string (sometimes)"
            ])
        #expect(
            errors([("s.yaml", Self.base + "sinks:\n  a_sink:\n    deliver: true\n")]) == [
                "s.yaml:17:5: error: unknown key 'deliver' in sink 'a_sink'; did you mean 'delivers'?"
            ])
    }

    @Test func unknownTopLevelSection() {
        #expect(errors([("s.yaml", "evnts: {}\n")]) == ["s.yaml:1:1: error: unknown key 'evnts' in a schema file; did you mean 'events'?"])
    }

    @Test func unknownParent() {
        #expect(
            errors([("s.yaml", "events:\n  A:\n    parents: [Bse]\n  Base: {}\n")]) == [
                "s.yaml:3:15: error: unknown parent 'Bse' of event 'A'; did you mean 'Base'?"
            ])
    }

    @Test func inheritanceCycles() {
        #expect(
            errors([("s.yaml", "events:\n  A:\n    parents: [B]\n  B:\n    parents: [A]\n")]) == [
                "s.yaml:2:3: error: inheritance cycle: A -> B -> A"
            ])
        #expect(
            errors([("s.yaml", "events:\n  A:\n    parents: [B]\n  B:\n    parents: [C]\n  C:\n    parents: [A]\n")]) == [
                "s.yaml:2:3: error: inheritance cycle: A -> B -> C -> A"
            ])
        #expect(errors([("s.yaml", "events:\n  A:\n    parents: [A]\n")]) == ["s.yaml:2:3: error: inheritance cycle: A -> A"])
    }

    @Test func duplicateEventAcrossFiles() {
        #expect(
            errors([("a.yaml", "events:\n  A: {}\n"), ("b.yaml", "events:\n  A: {}\n")]) == [
                "b.yaml:2:3: error: duplicate event 'A' (first defined at a.yaml:2:3)"
            ])
    }

    @Test func eventNamedLikeAGeneratedKindEvent() {
        let text = """
            kind_events: {resource_parent: Base, change_parent: Base}
            kinds:
              Pod: {api_version: v1, namespaced: true}
            events:
              Base: {}
              PodEvent: {}
            """
        #expect(errors([("s.yaml", text)]) == ["s.yaml:3:3: error: duplicate event 'PodEvent' (first defined at s.yaml:6:3)"])
    }

    @Test func unknownParameterType() {
        #expect(
            errors([("s.yaml", Self.withParameter("        type: strnig\n"))]) == [
                "s.yaml:19:15: error: unknown type 'strnig' for parameter 'x' of action 'other'; expected a built-in type (any, bool, cron, int, label_selector, number, regex, scope, string, url, list<T>, map<T>) or a type from 'types'; did you mean 'string'?"
            ])
        #expect(
            errors([("s.yaml", Self.withParameter("        type: list<\n"))]) == [
                "s.yaml:19:15: error: unknown type 'list<' for parameter 'x' of action 'other'; expected a built-in type (any, bool, cron, int, label_selector, number, regex, scope, string, url, list<T>, map<T>) or a type from 'types'"
            ])
    }

    @Test func unknownRecordType() {
        let types = "types:\n  Filters:\n    fields:\n      a: {type: string}\n"
        #expect(
            errors([("s.yaml", Self.withParameter("        type: map<list<Filterz>>\n") + types)]) == [
                "s.yaml:19:15: error: unknown type 'map<list<Filterz>>' for parameter 'x' of action 'other'; expected a built-in type (any, bool, cron, int, label_selector, number, regex, scope, string, url, list<T>, map<T>) or a type from 'types'; did you mean 'map<list<Filters>>'?"
            ])
    }

    @Test func recordTypesMayReferToEachOtherButNotContainThemselves() {
        let types = """
            types:
              Outer:
                fields:
                  inner: {type: Inner}
                  many: {type: list<Outer>}
              Inner:
                fields:
                  back: {type: Outer}
            """
        #expect(
            errors([("s.yaml", types)]) == [
                "s.yaml:2:3: error: type 'Outer' contains itself; nest it in a list<...> instead",
                "s.yaml:6:3: error: type 'Inner' contains itself; nest it in a list<...> instead",
            ])
        #expect(errors([("s.yaml", "types:\n  Tree:\n    fields:\n      children: {type: list<Tree>}\n")]) == [])
    }

    @Test func defaultThatDoesNotFitItsType() {
        #expect(
            errors([("s.yaml", Self.withParameter("        type: int\n        default: abc\n        minimum: 0\n        maximum: 9\n"))])
                == [
                    "s.yaml:20:18: error: the default of parameter 'x' of action 'other' must be an integer, found a string (abc)"
                ])
        #expect(
            errors([("s.yaml", Self.withParameter("        type: cron\n        default: \"0 25 * * *\"\n"))]) == [
                "s.yaml:20:18: error: invalid cron expression '0 25 * * *' in the default of parameter 'x' of action 'other': hour value 25 is out of range 0-23"
            ])
        #expect(
            errors([("s.yaml", Self.withParameter("        type: string\n        values: [a, b]\n        default: c\n"))]) == [
                "s.yaml:21:18: error: 'c' is not a valid value for the default of parameter 'x' of action 'other' and would never match; expected 'a' or 'b'"
            ])
        #expect(
            errors([
                ("s.yaml", Self.withParameter("        type: list<int>\n        default: [1, 2]\n        minimum: 0\n        maximum: 9\n"))
            ]) == [])
    }

    @Test func requiredParameterWithADefault() {
        #expect(
            errors([
                (
                    "s.yaml",
                    Self.withParameter(
                        "        type: int\n        required: true\n        default: 3\n        minimum: 0\n        maximum: 9\n")
                )
            ]) == [
                "s.yaml:21:18: error: parameter 'x' of action 'other' is required and so cannot have a default"
            ])
    }

    @Test func valuesOnlyForStrings() {
        #expect(
            errors([("s.yaml", Self.withParameter("        type: int\n        values: [a]\n        minimum: 0\n        maximum: 9\n"))])
                == [
                    "s.yaml:18:7: error: 'values' applies only to string parameters, but 'x' is int"
                ])
    }

    @Test func unknownKeyInAParameter() {
        #expect(
            errors([("s.yaml", Self.withParameter("        type: int\n        defualt: 3\n        minimum: 0\n        maximum: 9\n"))]) == [
                "s.yaml:20:9: error: unknown key 'defualt' in parameter 'x' of action 'other'; did you mean 'default'?"
            ])
    }

    @Test func unknownFieldType() {
        #expect(
            errors([("s.yaml", "events:\n  A:\n    fields:\n      f:\n        type: strng\n")]) == [
                "s.yaml:5:15: error: unknown field type 'strng' in field 'f' of event 'A'; expected one of string, int, bool, kubernetes_object, kubernetes_operation, prometheus_alert, string_map; did you mean 'string'?"
            ])
    }

    @Test func fieldNamedStorageIsReserved() {
        #expect(
            errors([("s.yaml", "events:\n  A:\n    fields:\n      storage:\n        type: string\n")]) == [
                "s.yaml:4:7: error: field name 'storage' in event 'A' is reserved: the generated event type keeps its fields there"
            ])
    }

    @Test func triggerWithUnknownEvent() {
        #expect(
            errors([("s.yaml", Self.base.replacingOccurrences(of: "event: ChildEvent", with: "event: ChildEvnt"))]) == [
                "s.yaml:10:12: error: unknown event 'ChildEvnt' in trigger 'on_thing'; did you mean 'ChildEvent'?"
            ])
    }

    @Test func unknownParameterSet() {
        let text =
            Self.base.replacingOccurrences(of: "source: prometheus", with: "source: prometheus\n    parameter_sets: [filtrs]")
            + "parameter_sets:\n  filters:\n    a:\n      type: string\n"
        #expect(
            errors([("s.yaml", text)]) == [
                "s.yaml:12:22: error: unknown parameter set 'filtrs' in trigger 'on_thing'; did you mean 'filters'?"
            ])
    }

    @Test func actionWithUnknownEvent() {
        #expect(
            errors([("s.yaml", Self.base.replacingOccurrences(of: "event: BaseEvent", with: "event: BaseEvnt"))]) == [
                "s.yaml:14:12: error: unknown event 'BaseEvnt' in action 'do_thing'; did you mean 'BaseEvent'?"
            ])
        #expect(
            errors([("s.yaml", Self.base.replacingOccurrences(of: "    event: BaseEvent\n", with: "    doc: no event\n"))]) == [
                "s.yaml:13:3: error: action 'do_thing' is missing 'event'"
            ])
    }

    @Test func triggerStructure() {
        let kinds = """
            kind_events: {resource_parent: BaseEvent, change_parent: BaseEvent}
            kinds:
              Pod: {api_version: v1, namespaced: true}

            """
        let pdo = Self.base.replacingOccurrences(
            of: "    source: prometheus\n", with: "    source: kubernetes\n    kind: Pdo\n    operation: update\n")
        #expect(
            errors([("k.yaml", kinds), ("s.yaml", pdo)]) == [
                "s.yaml:12:11: error: unknown kind 'Pdo' in trigger 'on_thing'; expected a kind from 'kinds' or 'any'; did you mean 'Pod'?"
            ])
        let noOperation = Self.base.replacingOccurrences(of: "source: prometheus", with: "source: kubernetes")
        #expect(
            errors([("s.yaml", noOperation)]) == [
                "s.yaml:9:3: error: trigger 'on_thing' has source 'kubernetes' and so needs an 'operation'"
            ])
        let kindOnAlert = Self.base.replacingOccurrences(of: "source: prometheus", with: "source: prometheus\n    kind: Pod")
        #expect(
            errors([("s.yaml", kindOnAlert)]) == [
                "s.yaml:12:5: error: 'kind' applies only to triggers with source 'kubernetes'",
                "s.yaml:12:11: error: unknown kind 'Pod' in trigger 'on_thing'; expected a kind from 'kinds' or 'any'",
            ])
        let badSource = Self.base.replacingOccurrences(of: "source: prometheus", with: "source: webhook")
        #expect(
            errors([("s.yaml", badSource)]) == [
                "s.yaml:11:13: error: unknown source 'webhook' in trigger 'on_thing'; expected 'kubernetes', 'prometheus' or 'schedule'"
            ])
    }

    @Test func kindsNeedKindEvents() {
        #expect(
            errors([("s.yaml", "kinds:\n  Pod: {api_version: v1, namespaced: true}\n")]) == [
                "s.yaml:2:3: error: kinds need a 'kind_events' section naming 'resource_parent' and 'change_parent'"
            ])
    }

    @Test func namesFollowTheirStyle() {
        #expect(
            errors([("s.yaml", "events:\n  podEvent: {}\n")]) == [
                "s.yaml:2:3: error: invalid name 'podEvent': expected UpperCamelCase letters and digits"
            ])
        #expect(
            errors([("s.yaml", Self.base.replacingOccurrences(of: "do_thing", with: "DoThing"))]) == [
                "s.yaml:13:3: error: invalid name 'DoThing': expected lower_snake_case letters, digits and '_'"
            ])
    }

    @Test func parameterNamesMayBeCamelCaseAsSomeOfRobustasAre() throws {
        let camel = Self.base + "  other:\n    event: BaseEvent\n    parameters:\n      serviceAccountName: {type: string}\n"
        let schema = try #require(CoreFixtures.loadSchema([("s.yaml", camel)]).schema)
        #expect(schema.action(named: "other")?.parameters.map(\.name) == ["serviceAccountName"])
        #expect(
            errors([("s.yaml", camel.replacingOccurrences(of: "serviceAccountName", with: "ServiceAccount"))]) == [
                "s.yaml:18:7: error: invalid name 'ServiceAccount': expected a lower-case letter, then letters, digits and '_' (lower_snake_case or lowerCamelCase)"
            ])
    }

    @Test func twoParametersMayNotBecomeOneSwiftProperty() {
        let text =
            Self.base
            + "  other:\n    event: BaseEvent\n    parameters:\n      max_pods: {type: int, minimum: 0, maximum: 9}\n      maxPods: {type: int, minimum: 0, maximum: 9}\n"
        #expect(
            errors([("s.yaml", text)]) == [
                "s.yaml:19:7: error: parameters 'max_pods' and 'maxPods' of action 'other' would both be the Swift property 'maxPods'; rename one"
            ])
    }

    @Test func yamlErrorsInASchemaFileAreReported() {
        #expect(
            errors([("s.yaml", "events:\n  A: {}\n  A: {}\n")]) == [
                "s.yaml:3:3: error: duplicate key 'A' (first defined at line 2, column 3)"
            ])
    }

    // MARK: Consumer declarations

    @Test func consumerActionsExtendTheSchema() throws {
        let schema = try CoreFixtures.schema()
        let text = """
            actions:
              restart_pod:
                doc: Restarts the pod.
                event: PodEvent
                parameters:
                  grace_seconds: {type: int, default: 30, minimum: 0, maximum: 3600}
            """
        let extended = SchemaLoader.extend(schema, with: [(path: "actions.yaml", text: text)])
        #expect(extended.diagnostics.map(\.description) == [])
        let action = try #require(extended.schema?.action(named: "restart_pod"))
        #expect(action.isCustom)
        #expect(extended.schema?.compatibleTriggers(for: action).count == 10)
        #expect(extended.schema?.isManuallyTriggerable(action) == true)
    }

    @Test func consumerActionsCannotShadowBuiltIns() throws {
        let schema = try CoreFixtures.schema()
        let text = "actions:\n  echo:\n    event: ExecutionBaseEvent\nevents: {}\n"
        let extended = SchemaLoader.extend(schema, with: [(path: "actions.yaml", text: text)])
        #expect(extended.schema == nil)
        #expect(
            extended.diagnostics.map(\.description) == [
                "actions.yaml:2:3: error: action 'echo' is already a built-in action; choose another name",
                "actions.yaml:4:1: error: unknown key 'events' in a schema file; expected 'actions', 'types' or 'permissions'",
            ])
    }

    @Test func builtFromIsCheckedAgainstTheFields() {
        #expect(
            errors([("s.yaml", "events:\n  A:\n    built_from: kubernetes_chnage\n")]) == [
                "s.yaml:3:17: error: unknown 'built_from' 'kubernetes_chnage' in event 'A'; expected 'kubernetes_change' or 'prometheus_alert'"
            ])
        let change = """
            events:
              A:
                built_from: kubernetes_change
                fields:
                  object: {type: kubernetes_object}
                  count: {type: int}

            """
        #expect(
            errors([("s.yaml", change)]) == [
                "s.yaml:3:17: error: event 'A' is built from a Kubernetes change and so needs the field 'operation'",
                "s.yaml:3:17: error: event 'A' is built from kubernetes_change, which cannot fill its field 'count' (int); expected 'operation' (kubernetes_operation), 'object' (kubernetes_object), 'oldObject' and other optional kubernetes_object fields",
            ])
        let alert = """
            events:
              A:
                built_from: prometheus_alert
                fields:
                  pod: {type: kubernetes_object}

            """
        #expect(
            errors([("s.yaml", alert)]) == [
                "s.yaml:3:17: error: event 'A' is built from a Prometheus alert and so needs a prometheus_alert field",
                "s.yaml:3:17: error: event 'A' is built from prometheus_alert, which cannot fill its field 'pod' (kubernetes_object); expected prometheus_alert and optional kubernetes_object fields",
            ])
    }

    @Test func alertLabelsNameKnownKinds() {
        let kinds = """
            kind_events: {resource_parent: BaseEvent, change_parent: BaseEvent}
            alert_labels:
              pod: Pdo
              job_name: [Job]
            kinds:
              Pod: {api_version: v1, namespaced: true}

            """
        #expect(
            errors([("k.yaml", kinds), ("s.yaml", Self.base)]) == [
                "k.yaml:3:8: error: unknown kind 'Pdo' for alert label 'pod'; did you mean 'Pod'?",
                "k.yaml:4:13: error: alert label 'job_name' must name a kind, found a list",
            ])
    }

    @Test func conditionIsOnlyForKubernetesTriggers() {
        let conditionOnAlert = Self.base.replacingOccurrences(of: "source: prometheus", with: "source: prometheus\n    condition: x")
        #expect(
            errors([("s.yaml", conditionOnAlert)]) == [
                "s.yaml:12:5: error: 'condition' applies only to triggers with source 'kubernetes'"
            ])
    }
}
