import Foundation
import Synchronization
import Testing
import TriggerfishTesting

@testable import Triggerfish

/// A test action on `PodEvent`: logs the pod it was given and its note.
enum PodProbeAction: ActionDefinition {
    static let name = "pod_probe"
    static let eventName = "PodEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any PodEvent.Type }

    struct Parameters: ActionParameters {
        var note: String?
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {
            note = try ParameterReader(parameterValue, path: path).optional("note")
        }
    }
}

/// A test action on `ScheduledExecutionEvent`, which only the scheduler builds.
enum TickAction: ActionDefinition {
    static let name = "tick"
    static let eventName = "ScheduledExecutionEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ScheduledExecutionEvent.Type }

    struct Parameters: ActionParameters {
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {}
    }
}

/// A cluster of a few objects; a read of `broken` fails.
final class FakeCluster: KubernetesAPI {
    let objects: [KubernetesObject]
    let reads = Mutex([String]())

    init(_ objects: [KubernetesObject]) {
        self.objects = objects
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "the API server did not answer" }
    }

    func object(_ resource: KubernetesResource, namespace: String?, name: String) async throws -> KubernetesObject? {
        reads.withLock { $0.append("\(resource.kind) \(namespace ?? "-") \(name)") }
        if name == "broken" { throw Unreachable() }
        return objects.first { $0.kind == resource.kind && $0.namespace == namespace && $0.name == name }
    }

    // Manual triggers only read objects.
    func list(_ resource: KubernetesResource, namespace: String?, labelSelector: String?, fieldSelector: String?) async throws
        -> [KubernetesObject]
    { throw Unreachable() }
    func logs(namespace: String, pod: String, container: String?, previous: Bool, tailLines: Int?) async throws -> String? {
        throw Unreachable()
    }
    func create(_ object: KubernetesObject, in resource: KubernetesResource) async throws -> KubernetesObject { throw Unreachable() }
    func patch(_ resource: KubernetesResource, namespace: String?, name: String, patch: JSONValue, type: KubernetesPatchType)
        async throws -> KubernetesObject
    { throw Unreachable() }
    func delete(_ resource: KubernetesResource, namespace: String?, name: String) async throws { throw Unreachable() }
    func evict(namespace: String, pod: String) async throws { throw Unreachable() }
}

@Suite struct ManualTriggerTests {
    static let declarations =
        EngineHarness.actionDeclarations + """

              pod_probe:
                doc: "Logs the pod it was given."
                event: PodEvent
                parameters:
                  note:
                    type: string
                    doc: "Text to log with it."
              tick:
                doc: "Runs on a schedule."
                event: ScheduledExecutionEvent
            """

    static let config = """
        sinks_config:
          - console_sink: {name: main}
          - console_sink: {name: audit, default: false}
        active_playbooks:
          - triggers: [{on_pod_update: {}}]
            actions: [{record: {tag: unused}}]
        """

    let main = CapturingSink(name: "main")
    let audit = CapturingSink(name: "audit")

    func engine(
        _ yaml: String = config, reader: (any KubernetesAPI)? = nil, builtins: Bool = true, extra: [ActionRegistration] = []
    ) throws -> PlaybookEngine {
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", Self.declarations)])
        let config = try PlaybookConfig.load(text: yaml, file: "test.yaml", schema: schema)
        let registrations =
            (builtins ? BuiltinActionImplementations().registrations : []) + EngineHarness.registrations + extra + [
                ActionRegistration(PodProbeAction.self) { event, parameters, context in
                    let pod = (event as? any PodEvent)?.pod
                    context.log("\(type(of: event).eventName) \(pod?.namespace ?? "-")/\(pod?.name ?? "-") \(parameters.note ?? "")")
                },
                ActionRegistration(TickAction.self) { _, _, _ in },
            ]
        return try PlaybookEngine(
            config: config, actions: registrations, sinks: ["main": main, "audit": audit], options: .init(kubernetes: reader))
    }

    func trigger(_ engine: PlaybookEngine, _ json: String) async throws -> ManualTriggerResponse {
        await engine.trigger(try ManualTriggerRequest(json: try JSONValue.parse(json)))
    }

    /// The response body as text.
    func body(_ response: ManualTriggerResponse) -> String { response.jsonValue.serialized() }

    // MARK: Running

    @Test func anExecutionBaseEventActionRunsWithItsParameters() async throws {
        let response = try await trigger(engine(), #"{"action_name": "echo", "action_params": {"message": "hi"}}"#)
        #expect(body(response) == #"{"success":true}"#)
        #expect(response.report.summary == "manual trigger of echo")
        #expect(response.report.playbooks == ["manual trigger"])
        #expect(response.report.actionNames == ["echo"])
        #expect(response.report.logs == ["echo: hi"])
    }

    @Test func findingsGoToTheDefaultSinksAndAreReturnedWithSyncResponse() async throws {
        let engine = try engine()
        let quiet = try await trigger(
            engine, #"{"action_name": "create_finding", "action_params": {"title": "Disk full", "aggregation_key": "disk"}}"#)
        #expect(body(quiet) == #"{"success":true}"#)
        #expect(main.findings.map(\.title) == ["Disk full"])
        #expect(audit.findings.isEmpty)

        let synced = try await trigger(
            engine,
            #"{"action_name": "create_finding", "action_params": {"title": "Disk full", "aggregation_key": "disk", "severity": "LOW"}, "sync_response": true}"#
        )
        let finding = try #require(synced.findings?.first)
        #expect(synced.findings?.count == 1)
        #expect(finding.sinks == ["main"])
        #expect(
            body(synced)
                == #"{"findings":[{"aggregation_key":"disk","description":null,"ends_at":null,"enrichments":[],"#
                + #""failure":true,"finding_type":"issue","fingerprint":"\#(finding.finding.fingerprint)","severity":"LOW","sinks":["main"],"source":"NONE","starts_at":null,"#
                + #""subject":{"annotations":{},"kind":null,"labels":{},"name":"Unresolved","namespace":null,"node":null},"#
                + #""title":"Disk full"}],"success":true}"#)
        // What `triggerfish trigger` reads back is what was sent.
        let decoded = try ManualTriggerResponse(jsonValue: synced.jsonValue, actionName: "create_finding")
        #expect(decoded.success && decoded.message == nil && decoded.errorCode == nil)
        #expect(decoded.findings?.map(\.finding) == [finding.finding])
        #expect(decoded.findings?.map(\.sinks) == [["main"]])
    }

    @Test func namedSinksReplaceTheDefaultOnesAndNoSinksDeliversNowhere() async throws {
        let engine = try engine()
        let named = try await trigger(
            engine,
            #"{"action_name": "create_finding", "action_params": {"title": "a", "aggregation_key": "k"}, "sinks": ["audit"], "sync_response": true}"#
        )
        #expect(named.findings?.map(\.sinks) == [["audit"]])
        #expect(audit.findings.map(\.title) == ["a"])
        #expect(main.findings.isEmpty)

        let nowhere = try await trigger(
            engine,
            #"{"action_name": "create_finding", "action_params": {"title": "b", "aggregation_key": "k"}, "no_sinks": true, "sync_response": true}"#
        )
        #expect(nowhere.success)
        #expect(nowhere.findings?.map(\.finding.title) == ["b"])
        #expect(nowhere.findings?.map(\.sinks) == [[]])
        #expect(audit.findings.map(\.title) == ["a"])
        #expect(main.findings.isEmpty)
    }

    @Test func anUnknownSinkIsAnIllegalRequest() async throws {
        let response = try await trigger(
            engine(), #"{"action_name": "echo", "action_params": {"message": "hi"}, "sinks": ["audti"]}"#)
        #expect(
            body(response)
                == #"{"msg":"Illegal trigger request: unknown sink 'audti' in 'sinks'; defined sinks: main, audit; did you mean 'audit'?","success":false}"#
        )
        #expect(response.report.logs.isEmpty)
    }

    @Test func globalConfigIsMergedUnderTheActionsParameters() async throws {
        let engine = try engine(
            """
            global_config: {message: from global, cluster_name: c1}
            active_playbooks: []
            """)
        let inherited = try await trigger(engine, #"{"action_name": "echo"}"#)
        #expect(inherited.success)
        #expect(inherited.report.logs == ["echo: from global"])
        let own = try await trigger(engine, #"{"action_name": "echo", "action_params": {"message": "mine"}}"#)
        #expect(own.report.logs == ["echo: mine"])
    }

    @Test func anActionsErrorIsReportedWithItsCode() async throws {
        let response = try await trigger(engine(), #"{"action_name": "explode"}"#)
        #expect(body(response) == #"{"error_code":4700,"msg":"action 'explode': boom","success":false}"#)
        #expect(response.report.failedActions.map(\.action) == ["explode"])
    }

    // MARK: 4603, 4604

    @Test func anUnknownActionIsNotFound() async throws {
        let engine = try engine()
        #expect(
            body(try await trigger(engine, #"{"action_name": "ecko"}"#))
                == #"{"error_code":4603,"msg":"unknown action 'ecko'; did you mean 'echo'?","success":false}"#)
        #expect(
            body(try await trigger(engine, #"{"action_name": "zzzzzz"}"#))
                == #"{"error_code":4603,"msg":"unknown action 'zzzzzz'","success":false}"#)
    }

    @Test func anActionMustBeBothDeclaredAndRegistered() async throws {
        let unregistered = try await trigger(engine(builtins: false), #"{"action_name": "create_finding"}"#)
        #expect(
            body(unregistered)
                == #"{"error_code":4603,"msg":"action 'create_finding' is declared but no implementation of it is registered in this runner","success":false}"#
        )
        let undeclared = ActionRegistration(EchoLikeAction.self) { _, _, _ in }
        let response = try await trigger(engine(extra: [undeclared]), #"{"action_name": "echo_like"}"#)
        #expect(
            body(response)
                == #"{"error_code":4603,"msg":"action 'echo_like' is registered but not declared in the schema the config was loaded with, so its event and parameters are unknown; declare it in an actions file (--actions FILE)","success":false}"#
        )
    }

    @Test func actionsOnEventsThatCannotBeBuiltByHandAreRefused() async throws {
        let engine = try engine()
        let tail = "; a manual trigger can only build ExecutionBaseEvent, KubernetesResourceEvent or a <Kind>Event"
        #expect(
            try await trigger(engine, #"{"action_name": "resource_babysitter"}"#).message
                == "action 'resource_babysitter' cannot be triggered by hand: it runs on a KubernetesAnyChangeEvent, which is built from a Kubernetes change (the object before and after it), as kubewatch reports it"
                + tail)
        #expect(
            try await trigger(engine, #"{"action_name": "name_silencer", "action_params": {"names": ["x"]}}"#).message
                == "action 'name_silencer' cannot be triggered by hand: it runs on a PrometheusKubernetesAlert, which is built from an alert that Alertmanager sends"
                + tail)
        #expect(
            try await trigger(engine, #"{"action_name": "create_event_finding"}"#).message
                == "action 'create_event_finding' cannot be triggered by hand: it runs on a EventChangeEvent, which is built from a Kubernetes change (the object before and after it), as kubewatch reports it"
                + tail)
        let tick = try await trigger(engine, #"{"action_name": "tick"}"#)
        #expect(tick.errorCode == 4604)
        #expect(
            tick.message
                == "action 'tick' cannot be triggered by hand: it runs on a ScheduledExecutionEvent, which the scheduler builds for on_schedule playbooks"
                + tail)
    }

    // MARK: Parameters: 4605, 4602

    @Test func theActionsParametersAreCheckedByTheValidator() async throws {
        let engine = try engine()
        #expect(
            body(try await trigger(engine, #"{"action_name": "echo"}"#))
                == #"{"error_code":4602,"msg":"missing required parameter 'message' (string) of action 'echo'","success":false}"#)
        #expect(
            body(try await trigger(engine, #"{"action_name": "echo", "action_params": {"mesage": "hi"}}"#))
                == #"{"error_code":4602,"msg":"missing required parameter 'message' (string) of action 'echo'; unknown parameter 'mesage' for manual trigger of action 'echo'; did you mean 'message'?","success":false}"#
        )
        #expect(
            try await trigger(engine, #"{"action_name": "echo", "action_params": {"message": 42}}"#).message
                == #"parameter 'message' of action 'echo' must be a string, found an integer (42); quote it to make it a string: "42""#)
        #expect(
            try await trigger(
                engine, #"{"action_name": "create_finding", "action_params": {"title": "t", "aggregation_key": "k", "severity": "URGENT"}}"#
            )
            .message
                == "'URGENT' is not a valid value for parameter 'severity' of action 'create_finding' and would never match; expected 'DEBUG', 'INFO', 'LOW', 'MEDIUM' or 'HIGH'"
        )
        #expect(
            try await trigger(engine, #"{"action_name": "echo", "action_params": {"message": "hi", "name": "web-1"}}"#).message
                == "unknown parameter 'name' for manual trigger of action 'echo'; valid parameters: message")
    }

    @Test func theEventsParametersAreCheckedFirst() async throws {
        let engine = try engine(reader: FakeCluster([]))
        let missing = try await trigger(engine, #"{"action_name": "pod_probe", "action_params": {"namespace": "prod", "nmae": "web-1"}}"#)
        #expect(
            body(missing)
                == #"{"error_code":4605,"msg":"missing required parameter 'name' (string) of the PodEvent action 'pod_probe' runs on; unknown parameter 'nmae' for manual trigger of action 'pod_probe'; did you mean 'name' or 'note'?","success":false}"#
        )
        #expect(
            try await trigger(engine, #"{"action_name": "pod_probe", "action_params": {"name": 7, "namespace": "prod", "note": 1}}"#)
                .message
                == #"parameter 'name' of the PodEvent action 'pod_probe' runs on must be a string, found an integer (7); quote it to make it a string: "7"; parameter 'note' of action 'pod_probe' must be a string, found an integer (1); quote it to make it a string: "1""#
        )
        let null = try await trigger(engine, #"{"action_name": "pod_probe", "action_params": null}"#)
        #expect(null.errorCode == 4605)
        #expect(
            null.message
                == "missing required parameter 'name' (string) of the PodEvent action 'pod_probe' runs on; missing required parameter 'namespace' (string) of the PodEvent action 'pod_probe' runs on"
        )
    }

    @Test func aResourceEventsKindMustBeASchemaKindWithTheRightScope() async throws {
        let engine = try engine(reader: FakeCluster([]))
        #expect(
            body(try await trigger(engine, #"{"action_name": "status_enricher", "action_params": {"kind": "Podd", "name": "web-1"}}"#))
                == #"{"error_code":4605,"msg":"unknown kind 'Podd' in parameter 'kind' of the KubernetesResourceEvent action 'status_enricher' runs on; did you mean 'Pod' or 'Node'?","success":false}"#
        )
        #expect(
            try await trigger(engine, #"{"action_name": "status_enricher", "action_params": {"kind": "pod", "name": "web-1"}}"#).message
                == "missing parameter 'namespace' of the KubernetesResourceEvent action 'status_enricher' runs on: a Pod is namespaced, so 'namespace' is required"
        )
        #expect(
            try await trigger(
                engine, #"{"action_name": "status_enricher", "action_params": {"kind": "Node", "name": "n1", "namespace": "prod"}}"#
            ).message
                == "parameter 'namespace' ('prod') of the KubernetesResourceEvent action 'status_enricher' runs on is not allowed: a Node is cluster-scoped; remove 'namespace'"
        )
    }

    // MARK: Events read from the cluster: 4606

    @Test func withoutAClusterReaderAResourceEventNeedsTheKubernetesAPI() async throws {
        let response = try await trigger(
            engine(), #"{"action_name": "pod_probe", "action_params": {"name": "web-1", "namespace": "prod"}}"#)
        #expect(
            body(response)
                == #"{"error_code":4606,"msg":"building the PodEvent for action 'pod_probe' means reading Pod prod/web-1 from the cluster, which needs the Kubernetes API; this runner was started without it (serve --kubernetes auto, in-cluster or kubeconfig)","success":false}"#
        )
        #expect(response.report.summary == "manual trigger of pod_probe on Pod prod/web-1")
    }

    @Test func aReaderBuildsTheKindsEventFromTheObject() async throws {
        let cluster = FakeCluster([.fixture("Pod", "web-1", namespace: "prod"), .fixture("Node", "n1", namespace: nil)])
        let engine = try engine(reader: cluster)
        let probe = try await trigger(
            engine, #"{"action_name": "pod_probe", "action_params": {"name": "web-1", "namespace": "prod", "note": "hello"}}"#)
        #expect(body(probe) == #"{"success":true}"#)
        #expect(probe.report.logs == ["PodEvent prod/web-1 hello"])
        #expect(probe.report.summary == "manual trigger of pod_probe on Pod prod/web-1")

        // An action on any resource gets the kind's own event: the kind as Robusta accepts it, in any case.
        let template = try await trigger(
            engine,
            #"{"action_name": "template_enricher", "action_params": {"kind": "node", "name": "n1", "template": "node $name"}, "sync_response": true}"#
        )
        #expect(template.success)
        // The template reads the subject of the event: the node read from the cluster.
        #expect(template.findings?.first?.finding.enrichments.flatMap(\.blocks) == [.markdown("node n1")])
        #expect(cluster.reads.withLock { $0 } == ["Pod prod web-1", "Node - n1"])
    }

    @Test func anObjectTheReaderCannotFindOrReadIsNotBuilt() async throws {
        let engine = try engine(reader: FakeCluster([]))
        #expect(
            body(try await trigger(engine, #"{"action_name": "pod_probe", "action_params": {"name": "gone", "namespace": "prod"}}"#))
                == #"{"error_code":4606,"msg":"Pod prod/gone was not found in the cluster, so the PodEvent of action 'pod_probe' cannot be built","success":false}"#
        )
        #expect(
            try await trigger(engine, #"{"action_name": "pod_probe", "action_params": {"name": "broken", "namespace": "prod"}}"#).message
                == "could not read Pod prod/broken from the cluster for the PodEvent of action 'pod_probe': the API server did not answer")
    }

    // MARK: The request

    @Test func aRequestIsReadStrictly() throws {
        func problem(_ json: String) throws -> String? {
            let value = try JSONValue.parse(json)
            do throws(ManualTriggerRequest.Invalid) {
                _ = try ManualTriggerRequest(json: value)
                return nil
            } catch {
                return error.message
            }
        }
        #expect(
            try problem(#"{"action_params": {}}"#)
                == "Illegal trigger request: 'action_name' is missing; it names the action to run (a string)")
        #expect(try problem(#"{"action_name": ""}"#) == "Illegal trigger request: 'action_name' is empty; it names the action to run")
        #expect(
            try problem(#"{"action_name": 3}"#)
                == "Illegal trigger request: 'action_name' must be a string naming the action to run, found an integer (3)")
        #expect(
            try problem(#"[1]"#) == "Illegal trigger request: the body must be a JSON object with 'action_name', found a list")
        #expect(
            try problem(#"{"action_name": "echo", "action_param": {}}"#)
                == "Illegal trigger request: unknown key 'action_param'; did you mean 'action_params'?")
        #expect(
            try problem(#"{"action_name": "echo", "zzz": 1}"#)
                == "Illegal trigger request: unknown key 'zzz'; the keys are 'action_name', 'action_params', 'sinks', 'sync_response', 'no_sinks'"
        )
        #expect(
            try problem(#"{"action_name": "echo", "action_params": [1]}"#)
                == "Illegal trigger request: 'action_params' must be an object or null, found a list")
        #expect(
            try problem(#"{"action_name": "echo", "sinks": "main"}"#)
                == #"Illegal trigger request: 'sinks' must be a list of sink names or null, found a string ("main")"#)
        #expect(
            try problem(#"{"action_name": "echo", "sinks": ["main", 2]}"#)
                == "Illegal trigger request: item 2 of 'sinks' must be a sink name (a string), found an integer (2)")
        #expect(
            try problem(#"{"action_name": "echo", "sync_response": "yes"}"#)
                == #"Illegal trigger request: 'sync_response' must be true or false, found a string ("yes")"#)

        let full = try ManualTriggerRequest(
            json: try JSONValue.parse(
                #"{"action_name": "echo", "action_params": {"message": "hi"}, "sinks": ["a"], "sync_response": true, "no_sinks": true}"#))
        #expect(
            full
                == ManualTriggerRequest(
                    actionName: "echo", actionParameters: ["message": "hi"], sinks: ["a"], syncResponse: true, noSinks: true))
        #expect(try ManualTriggerRequest(json: full.jsonValue) == full)
        let minimal = try ManualTriggerRequest(json: ["action_name": "echo"])
        #expect(minimal == ManualTriggerRequest(actionName: "echo"))
    }
}

/// Registered but declared nowhere.
enum EchoLikeAction: ActionDefinition {
    static let name = "echo_like"
    static let eventName = "ExecutionBaseEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any ExecutionBaseEvent.Type }

    struct Parameters: ActionParameters {
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {}
    }
}
