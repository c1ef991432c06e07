import Foundation
import _TriggerfishCore

/// A request to run one action by hand: the body of Robusta's `POST /api/trigger`.
///
/// ```json
/// {"action_name": "echo", "action_params": {"message": "hi"}, "sinks": ["ops"], "sync_response": true, "no_sinks": false}
/// ```
public struct ManualTriggerRequest: Sendable, Equatable {
    /// The action to run (`action_name`).
    public var actionName: String
    /// One mapping holding the parameters of the action's event (`name`, `namespace`, ...) and of
    /// the action (`action_params`); `null` when none are given.
    public var actionParameters: JSONValue
    /// The sinks the findings go to instead of the default sinks (`sinks`); `nil`: the default sinks.
    public var sinks: [String]?
    /// Return the findings in the response (`sync_response`).
    public var syncResponse: Bool
    /// Deliver the findings to no sink (`no_sinks`).
    public var noSinks: Bool

    public init(
        actionName: String, actionParameters: JSONValue = .null, sinks: [String]? = nil, syncResponse: Bool = false, noSinks: Bool = false
    ) {
        self.actionName = actionName
        self.actionParameters = actionParameters
        self.sinks = sinks
        self.syncResponse = syncResponse
        self.noSinks = noSinks
    }

    /// The request's keys, as Robusta names them.
    public static let keys = ["action_name", "action_params", "sinks", "sync_response", "no_sinks"]

    /// Why a request body is not a trigger request; ``message`` starts with "Illegal trigger
    /// request", as Robusta's answer to a request without `action_name`.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }

        init(_ problem: String) {
            self.message = "Illegal trigger request: \(problem)"
        }
    }

    /// Reads a request body. Unlike Robusta, keys it does not know are rejected (a misspelled
    /// `action_params` would otherwise run the action without its parameters).
    public init(json: JSONValue) throws(Invalid) {
        guard case .object(let members) = json else {
            throw Invalid("the body must be a JSON object with 'action_name', found \(Self.found(json))")
        }
        for key in members.keys.sorted() where !Self.keys.contains(key) {
            let suggestion = Suggestions.didYouMean(key, in: Self.keys)
            throw Invalid(
                "unknown key \(quoted: key)\(suggestion.isEmpty ? "; the keys are \(Self.keys.map { "\(quoted: $0)" }.joined(separator: ", "))" : suggestion)"
            )
        }
        switch members["action_name"] {
        case nil, .null?:
            throw Invalid("'action_name' is missing; it names the action to run (a string)")
        case .string(let name)?:
            guard !name.isEmpty else { throw Invalid("'action_name' is empty; it names the action to run") }
            actionName = name
        case let other?:
            throw Invalid("'action_name' must be a string naming the action to run, found \(Self.found(other))")
        }
        switch members["action_params"] {
        case nil, .null?: actionParameters = .null
        case .object(let parameters)?: actionParameters = .object(parameters)
        case let other?: throw Invalid("'action_params' must be an object or null, found \(Self.found(other))")
        }
        switch members["sinks"] {
        case nil, .null?:
            sinks = nil
        case .array(let items)?:
            sinks = try items.enumerated().map { (index, item) throws(Invalid) -> String in
                guard case .string(let name) = item else {
                    throw Invalid("item \(index + 1) of 'sinks' must be a sink name (a string), found \(Self.found(item))")
                }
                return name
            }
        case let other?:
            throw Invalid("'sinks' must be a list of sink names or null, found \(Self.found(other))")
        }
        syncResponse = try Self.flag("sync_response", in: members)
        noSinks = try Self.flag("no_sinks", in: members)
    }

    /// The request body, as `triggerfish trigger` sends it.
    public var jsonValue: JSONValue {
        [
            "action_name": .string(actionName), "action_params": actionParameters,
            "sinks": sinks.map { .array($0.map(JSONValue.string)) } ?? .null, "sync_response": .bool(syncResponse),
            "no_sinks": .bool(noSinks),
        ]
    }

    static func flag(_ key: String, in members: [String: JSONValue]) throws(Invalid) -> Bool {
        switch members[key] {
        case nil, .null?: return false
        case .bool(let value)?: return value
        case let other?: throw Invalid("\(quoted: key) must be true or false, found \(found(other))")
        }
    }

    /// "an integer (42)", "a list": what a value is, for messages.
    static func found(_ value: JSONValue) -> String {
        switch value {
        case .array, .object, .null: value.kindDescription
        default: "\(value.kindDescription) (\(MessageText.quoted(value.serialized(), quote: "")))"
        }
    }
}

/// The answer to a ``ManualTriggerRequest``, Robusta's shape:
/// `{"success": bool, "msg"?: string, "error_code"?: int, "findings"?: [finding]}`.
public struct ManualTriggerResponse: Sendable {
    /// Robusta's error codes (`utils/error_codes.py`) a manual trigger answers with.
    public enum ErrorCode: Int, Sendable, CaseIterable {
        /// The action is declared but has no implementation (`ACTION_NOT_REGISTERED`).
        case actionNotRegistered = 4600
        /// The event built is not one the action accepts (`EXECUTION_EVENT_MISMATCH`).
        case executionEventMismatch = 4601
        /// The action's parameters are wrong (`PARAMS_INSTANTIATION_FAILED`).
        case paramsInstantiationFailed = 4602
        /// No such action (`ACTION_NOT_FOUND`).
        case actionNotFound = 4603
        /// The action's event cannot be built by hand (`NOT_EXTERNAL_ACTION`).
        case notExternalAction = 4604
        /// The parameters of the action's event are wrong (`EVENT_PARAMS_INSTANTIATION_FAILED`).
        case eventParamsInstantiationFailed = 4605
        /// The event could not be built: its object could not be read (`EVENT_INSTANTIATION_FAILED`).
        case eventInstantiationFailed = 4606
        /// The action failed while running (`ACTION_UNEXPECTED_ERROR`).
        case actionUnexpectedError = 4700

        /// The code of an action's error.
        init(_ code: ActionError.Code) {
            switch code {
            case .eventMismatch: self = .executionEventMismatch
            case .invalidParameters: self = .paramsInstantiationFailed
            case .failed, .notImplemented: self = .actionUnexpectedError
            case .unknownAction: self = .actionNotRegistered
            }
        }
    }

    public var success: Bool
    /// Why it failed (`msg`); `nil` on success.
    public var message: String?
    /// Robusta's error code (`error_code`, see ``ErrorCode``); `nil` on success and for an
    /// illegal request.
    public var errorCode: Int?
    /// The findings, newest first, each with the sinks it was delivered to; only when the request
    /// asked for `sync_response`.
    public var findings: [RoutedFinding]?
    /// What happened, for the log: the action run, its findings and what it logged.
    public var report: EventReport

    public init(
        success: Bool, message: String? = nil, errorCode: Int? = nil, findings: [RoutedFinding]? = nil, report: EventReport
    ) {
        self.success = success
        self.message = message
        self.errorCode = errorCode
        self.findings = findings
        self.report = report
    }

    /// A failure with one of Robusta's codes.
    init(_ code: ErrorCode, _ message: String, report: EventReport) {
        self.init(success: false, message: message, errorCode: code.rawValue, report: report)
    }

    /// The response body. Each finding is ``Finding/jsonValue`` with `sinks`, the sinks it was
    /// delivered to, added.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = ["success": .bool(success)]
        if let message { object["msg"] = .string(message) }
        if let errorCode { object["error_code"] = .int(errorCode) }
        if let findings {
            object["findings"] = .array(
                findings.map { routed in
                    guard case .object(var finding) = routed.finding.jsonValue else { return routed.finding.jsonValue }
                    finding["sinks"] = .array(routed.sinks.map(JSONValue.string))
                    return .object(finding)
                })
        }
        return .object(object)
    }

    /// Why a server's answer is not a trigger response.
    public struct DecodingError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Reads a server's answer (what `triggerfish trigger` does). The ``report`` is rebuilt from
    /// it: the action, run by hand, and the findings with their sinks.
    public init(jsonValue: JSONValue, actionName: String) throws(DecodingError) {
        guard case .object(let members) = jsonValue else {
            throw DecodingError(message: "expected a JSON object, found \(ManualTriggerRequest.found(jsonValue))")
        }
        guard case .bool(let success)? = members["success"] else {
            throw DecodingError(
                message: "'success' must be true or false, found \(members["success"].map(ManualTriggerRequest.found) ?? "none")")
        }
        var response = ManualTriggerResponse(success: success, report: PlaybookEngine.manualReport(actionName))
        switch members["msg"] {
        case nil, .null?: break
        case .string(let message)?: response.message = message
        case let other?: throw DecodingError(message: "'msg' must be a string, found \(ManualTriggerRequest.found(other))")
        }
        switch members["error_code"] {
        case nil, .null?: break
        case .int(let code)?: response.errorCode = code
        case let other?: throw DecodingError(message: "'error_code' must be an integer, found \(ManualTriggerRequest.found(other))")
        }
        switch members["findings"] {
        case nil, .null?: break
        case .array(let items)?:
            var findings: [RoutedFinding] = []
            for (index, item) in items.enumerated() {
                do throws(FindingDecodingError) {
                    let finding = try Finding(jsonValue: item)
                    let sinks = item["sinks"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    findings.append(RoutedFinding(finding: finding, sinks: sinks))
                } catch {
                    throw DecodingError(message: "finding \(index + 1): \(error.message)")
                }
            }
            response.findings = findings
            response.report.findings = findings
        case let other?: throw DecodingError(message: "'findings' must be a list, found \(ManualTriggerRequest.found(other))")
        }
        self = response
    }
}

extension PlaybookEngine {
    /// How reports name the "playbook" of a manual trigger.
    public static let manualPlaybookName = "manual trigger"

    /// The report of a manual trigger of `action`, before it runs.
    static func manualReport(_ action: String, on object: String? = nil) -> EventReport {
        var report = EventReport(summary: "manual trigger of \(action)\(object.map { " on \($0)" } ?? "")")
        report.playbooks = [manualPlaybookName]
        report.actions = [ActionRun(action: action, playbook: manualPlaybookName)]
        return report
    }

    /// Runs one action by hand, as Robusta's `POST /api/trigger` does: the action is looked up
    /// among the actions the config's schema declares and the engine has registered (4603), its
    /// event must be one that can be built by hand (4604), the request's parameters are checked
    /// (4605 for the event's, 4602 for the action's; unknown keys are errors), the event is built
    /// (reading its object from the cluster when it is about one, 4606), and the action runs like
    /// any other (its error reported with its code). Its findings go to the request's `sinks`, to
    /// none with `no_sinks`, otherwise to the default sinks; with `sync_response` they are returned.
    public func trigger(_ request: ManualTriggerRequest) async -> ManualTriggerResponse {
        let name = request.actionName
        var report = EventReport(summary: "manual trigger of \(name)")
        func failure(_ code: ManualTriggerResponse.ErrorCode, _ message: String) -> ManualTriggerResponse {
            ManualTriggerResponse(code, message, report: report)
        }
        let schema = config.schema
        let declared = schema.action(named: name)
        let registration = registrations[name]
        guard let action = declared, let registration else {
            if declared != nil {
                return failure(
                    .actionNotFound, "action \(quoted: name) is declared but no implementation of it is registered in this runner")
            }
            if registration != nil {
                return failure(
                    .actionNotFound,
                    "action \(quoted: name) is registered but not declared in the schema the config was loaded with, so its event and parameters are unknown; declare it in an actions file (--actions FILE)"
                )
            }
            let known = Set(schema.actions.map(\.name)).union(registrations.keys).sorted()
            return failure(.actionNotFound, "unknown action \(quoted: name)\(Suggestions.didYouMean(name, in: known))")
        }
        guard let event = schema.event(named: action.event), let eventParameters = event.manualParameters else {
            return failure(.notExternalAction, notManualMessage(action))
        }
        if let sinks = request.sinks {
            let defined = config.sinks.map(\.name)
            for sink in sinks where !defined.contains(sink) {
                let list = defined.isEmpty ? "; no sinks are defined" : "; defined sinks: \(defined.joined(separator: ", "))"
                return ManualTriggerResponse(
                    success: false,
                    message: ManualTriggerRequest.Invalid(
                        "unknown sink \(quoted: sink) in 'sinks'\(list)\(Suggestions.didYouMean(sink, in: defined))"
                    )
                    .message, report: report)
            }
        }

        let given = request.actionParameters.objectValue ?? [:]
        let check = ConfigValidator(schema: schema).checkManualTrigger(
            action: action, parameters: request.actionParameters, globalConfig: config.globalConfig)
        if check.hasErrors {
            let message = (check.eventDiagnostics + check.actionDiagnostics).map(\.message).joined(separator: "; ")
            return failure(check.eventDiagnostics.isEmpty ? .paramsInstantiationFailed : .eventParamsInstantiationFailed, message)
        }

        // The event.
        let built: any TriggerfishEvent
        switch buildManualEvent(action: action, event: event, eventParameters: eventParameters, given: given) {
        case .success(let target):
            switch target {
            case .base:
                built = ExecutionBaseEventInstance()
            case .object(let kind, let namespace, let objectName):
                let described = "\(kind) \(namespace.map { "\($0)/" } ?? "")\(objectName)"
                report.summary += " on \(described)"
                guard let reader = options.kubernetes else {
                    return failure(
                        .eventInstantiationFailed,
                        "building the \(event.name) for action \(quoted: name) means reading \(described) from the cluster, which needs the Kubernetes API; this runner was started without it (serve --kubernetes auto, in-cluster or kubeconfig)"
                    )
                }
                let object: KubernetesObject?
                do {
                    object = try await reader.object(kind: kind, namespace: namespace, name: objectName)
                } catch {
                    return failure(
                        .eventInstantiationFailed,
                        "could not read \(described) from the cluster for the \(event.name) of action \(quoted: name): \(error)")
                }
                guard let object else {
                    return failure(
                        .eventInstantiationFailed,
                        "\(described) was not found in the cluster, so the \(event.name) of action \(quoted: name) cannot be built")
                }
                guard let resourceEvent = KubernetesEvents.resourceEvent(kind: kind, object: object) else {
                    return failure(.eventInstantiationFailed, "Triggerfish cannot build an event about a \(kind)")
                }
                built = resourceEvent
            }
        case .failure(let problem):
            return failure(problem.code, problem.message)
        }

        // The action, with the config's global_config under its parameters, as a config's actions have it.
        let actionNames = Set(action.parameters.map(\.name))
        var parameters = (config.globalConfig.objectValue ?? [:]).filter { actionNames.contains($0.key) && !$0.value.isNull }
        for (key, value) in given where actionNames.contains(key) { parameters[key] = value }
        let context = ActionContext(kubernetes: options.kubernetes, now: options.now)
        context.currentSinks = request.noSinks ? [] : (request.sinks ?? router.defaultSinkNames)
        report.playbooks.append(Self.manualPlaybookName)
        var run = ActionRun(action: name, playbook: Self.manualPlaybookName)
        metrics.handled(.manual)
        let started = ContinuousClock.now
        do {
            try await registration.prepare(parameters: .object(parameters)).run(built, context: context)
        } catch let error as ActionError {
            run.failure = ActionFailure(code: error.code, message: error.message)
        } catch {
            run.failure = ActionFailure(code: .failed, message: "\(error)")
        }
        metrics.ran(name, duration: ContinuousClock.now - started, failure: run.failure?.code)
        report.actions.append(run)
        await finish(context, report: &report)
        var response = ManualTriggerResponse(success: true, report: report)
        if let failed = run.failure {
            response.success = false
            response.message = "action \(quoted: name): \(failed.message)"
            response.errorCode = ManualTriggerResponse.ErrorCode(failed.code).rawValue
        }
        if request.syncResponse { response.findings = report.findings }
        return response
    }

    /// What a manual trigger builds its event from.
    enum ManualEventTarget {
        /// The root event, from nothing.
        case base
        /// The kind's event about an object read from the cluster.
        case object(kind: String, namespace: String?, name: String)
    }

    struct ManualEventProblem: Error {
        var code: ManualTriggerResponse.ErrorCode
        var message: String
    }

    /// Reads the event's manual parameters (already type-checked): an event with none is built
    /// from nothing; a kind's event (`PodEvent`) from its object, named by `name` and
    /// `namespace`; an event about any kind (`KubernetesResourceEvent`) from the object `kind`
    /// names, the kind's own event.
    func buildManualEvent(
        action: _TriggerfishCore.ActionDefinition, event: EventDefinition, eventParameters: [ParameterDefinition],
        given: [String: JSONValue]
    ) -> Result<ManualEventTarget, ManualEventProblem> {
        let schema = config.schema
        guard !eventParameters.isEmpty else {
            guard event.fields.isEmpty && event.parents.isEmpty else {
                return .failure(
                    ManualEventProblem(
                        code: .eventInstantiationFailed,
                        message: "Triggerfish cannot build a \(event.name) by hand yet (action \(quoted: action.name))"))
            }
            return .success(.base)
        }
        let owner = "the \(event.name) action \(quoted: action.name) runs on"
        let kindName: String
        if let kind = event.kind {
            kindName = kind
        } else if let requested = given["kind"]?.stringValue {
            let kinds = schema.kinds.map(\.name)
            guard let match = kinds.first(where: { $0.lowercased() == requested.lowercased() }) else {
                let suggestion = Suggestions.didYouMean(requested, in: kinds)
                return .failure(
                    ManualEventProblem(
                        code: .eventParamsInstantiationFailed,
                        message:
                            "unknown kind \(quoted: requested) in parameter 'kind' of \(owner)\(suggestion.isEmpty ? "; the kinds are \(kinds.joined(separator: ", "))" : suggestion)"
                    ))
            }
            kindName = match
        } else {
            return .failure(
                ManualEventProblem(
                    code: .eventInstantiationFailed,
                    message: "Triggerfish cannot build a \(event.name) by hand yet: it names no kind (action \(quoted: action.name))"))
        }
        guard let kind = schema.kinds.first(where: { $0.name == kindName }), let objectName = given["name"]?.stringValue else {
            return .failure(
                ManualEventProblem(
                    code: .eventInstantiationFailed,
                    message: "Triggerfish cannot build a \(event.name) by hand yet: it takes no 'name' (action \(quoted: action.name))"))
        }
        let namespace = given["namespace"]?.stringValue
        if kind.namespaced && namespace == nil {
            return .failure(
                ManualEventProblem(
                    code: .eventParamsInstantiationFailed,
                    message: "missing parameter 'namespace' of \(owner): a \(kind.name) is namespaced, so 'namespace' is required"))
        }
        if !kind.namespaced, let namespace {
            return .failure(
                ManualEventProblem(
                    code: .eventParamsInstantiationFailed,
                    message:
                        "parameter 'namespace' (\(quoted: namespace)) of \(owner) is not allowed: a \(kind.name) is cluster-scoped; remove 'namespace'"
                ))
        }
        return .success(.object(kind: kind.name, namespace: namespace, name: objectName))
    }

    /// Why an action cannot run from a manual trigger: which event it needs and what builds that event.
    func notManualMessage(_ action: _TriggerfishCore.ActionDefinition) -> String {
        let schema = config.schema
        let builder: String
        switch schema.event(named: action.event)?.builtFrom {
        case .kubernetesChange?:
            builder = "which is built from a Kubernetes change (the object before and after it), as kubewatch reports it"
        case .prometheusAlert?:
            builder = "which is built from an alert that Alertmanager sends"
        case nil:
            let producers = schema.triggers.filter { $0.event == action.event }
            if !producers.isEmpty && producers.allSatisfy({ $0.source == .schedule }) {
                builder = "which the scheduler builds for \(producers.map(\.key).joined(separator: ", ")) playbooks"
            } else if !producers.isEmpty {
                builder =
                    "which only the trigger\(producers.count == 1 ? "" : "s") \(producers.map(\.key).joined(separator: ", ")) build\(producers.count == 1 ? "s" : "")"
            } else {
                builder = "which has no 'manual' entry in the schema"
            }
        }
        let manual = schema.events.filter { $0.manualParameters != nil && $0.kind == nil }.map(\.name)
        let kinds = schema.kinds.contains { schema.event(named: $0.eventName)?.manualParameters != nil } ? ["a <Kind>Event"] : []
        return
            "action \(quoted: action.name) cannot be triggered by hand: it runs on a \(action.event), \(builder); a manual trigger can only build \(Suggestions.orList(manual + kinds))"
    }
}
