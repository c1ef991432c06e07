import Testing

@testable import Triggerfish

@Suite struct ParameterTests {
    @Test func defaultsApplyWhenParametersAreOmitted() throws {
        let parameters = try OnPodCrashLoop.Parameters(parameterValue: ["restart_reason": "CrashLoopBackOff"], path: "on_pod_crash_loop")
        #expect(parameters.rateLimit == 14400)
        #expect(parameters.restartCount == 2)
        #expect(parameters.restartReason == "CrashLoopBackOff")
        #expect(parameters.namePrefix == nil)
    }

    @Test func recordDefaultsAreTyped() throws {
        let parameters = try OnKubernetesResourceOperation.Parameters(parameterValue: nil, path: "on_kubernetes_resource_operation")
        #expect(parameters.changeFilters.include == ["spec"])
        #expect(parameters.changeFilters.ignore?.contains("status") == true)
    }

    @Test func kindTriggersShareOneParametersType() {
        #expect(OnPodUpdate.Parameters.self == KindTriggerParameters.self)
        #expect(OnSecretDelete.Parameters.self == KindTriggerParameters.self)
    }

    @Test func scopeAcceptsOneRegexOrAList() throws {
        let parameters = try KindTriggerParameters(
            parameterValue: ["scope": ["include": [["name": "web-.*", "namespace": ["prod", "staging"]]]]], path: "on_pod_update")
        #expect(parameters.scope?.include == [["name": ["web-.*"], "namespace": ["prod", "staging"]]])
        #expect(parameters.scope?.exclude == nil)
    }

    @Test func wrongTypesSayWhere() {
        #expect(throws: ParameterError(path: "on_pod_crash_loop.rate_limit", message: "expected an integer, found a string")) {
            try OnPodCrashLoop.Parameters(parameterValue: ["rate_limit": "abc"], path: "on_pod_crash_loop")
        }
        #expect(throws: ParameterError(path: "create_finding", message: "missing required parameter 'title'")) {
            try CreateFindingAction.Parameters(parameterValue: ["aggregation_key": "k"], path: "create_finding")
        }
        #expect(throws: ParameterError(path: "name_silencer.names[1]", message: "expected a string, found an integer")) {
            try NameSilencerAction.Parameters(parameterValue: ["names": ["Watchdog", 3]], path: "name_silencer")
        }
    }

    @Test func scheduleVariantsDecode() throws {
        let parameters = try OnSchedule.Parameters(
            parameterValue: ["cron_schedule_repeat": ["cron_expression": "0 12 * * 1"]], path: "on_schedule")
        #expect(parameters.cronScheduleRepeat?.cronExpression == "0 12 * * 1")
        #expect(parameters.fixedDelayRepeat == nil)
        let fixed = try FixedDelayRepeat(parameterValue: ["seconds_delay": 60], path: "fixed_delay_repeat")
        #expect(fixed.repeat == -1)
    }
}
