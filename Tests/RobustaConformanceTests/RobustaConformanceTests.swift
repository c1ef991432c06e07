import Testing
import TriggerfishTestSupport

/// Triggerfish against Robusta's own recorded fixtures and the behaviour its runner showed on them
/// (`../shared/fixtures/robusta`; its README says where each file comes from). The tests of the
/// other targets run on the repository's own fixtures (`Tests/Fixtures`); these compare with
/// Robusta. A clone has no `../shared`, so there this is skipped; CI runs it.
///
/// One parameterized test with a case per check rather than a suite of tests, so that the skip
/// is one line of output: Swift Testing (6.3.1) reports a disabled suite's reason for the suite
/// and again for every suite and test in it, a disabled test's once whatever its arguments.
@Test(
    "Robusta conformance",
    .enabled(if: RobustaFixtures.isPresent, "../shared/fixtures/robusta not found (a clone has none; CI provides it)"),
    arguments: RobustaCheck.allCases)
func robustaConformance(_ check: RobustaCheck) async throws {
    try await check.run()
}

/// The comparisons with Robusta, one test case each.
enum RobustaCheck: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case validRunnerConfig = "runner_config_valid.yaml validates"
    case duplicateSinkNames = "runner_config_invalid_dupl_sink_names.yaml is rejected"
    case defaultPlaybooksAsHelmValues = "helm_values.yaml validates with warnings only"
    case defaultPlaybooksAsRunnerConfig = "active_playbooks.rendered.yaml validates with warnings only"
    case crashLoopAlertPlaybookWarnings = "the KubePodCrashLooping playbook warns at each action not implemented"
    case kubewatchInputs = "kubewatch CloudEvents decode"
    case alertmanagerInputs = "Alertmanager webhooks decode"
    case everyInputDecodesOrSaysWhy = "every JSON fixture decodes or says why"
    case inputsParseAsFoundationDoes = "JSON fixtures parse as Foundation parses them"
    case scopeTable = "scope_test_config.yaml: every case"
    case validateCommand = "triggerfish validate on Robusta's default playbooks"
    case replayRenderedConfig = "triggerfish replay runs the actions Robusta's runner runs"
    case replayHelmValues = "triggerfish replay of the Helm values runs what the chart renders"

    var testDescription: String { rawValue }

    func run() async throws {
        switch self {
        case .validRunnerConfig: try ConfigConformance.validRunnerConfig()
        case .duplicateSinkNames: try ConfigConformance.duplicateSinkNames()
        case .defaultPlaybooksAsHelmValues: try ConfigConformance.defaultPlaybooks("helm_values.yaml", format: .helmValues)
        case .defaultPlaybooksAsRunnerConfig:
            try ConfigConformance.defaultPlaybooks("active_playbooks.rendered.yaml", format: .runnerConfig)
        case .crashLoopAlertPlaybookWarnings: try ConfigConformance.crashLoopAlertPlaybookWarnings()
        case .kubewatchInputs: try InputConformance.kubewatchInputs()
        case .alertmanagerInputs: try InputConformance.alertmanagerInputs()
        case .everyInputDecodesOrSaysWhy: try InputConformance.everyInputDecodesOrSaysWhy()
        case .inputsParseAsFoundationDoes: try InputConformance.inputsParseAsFoundationDoes()
        case .scopeTable: try InputConformance.scopeTable()
        case .validateCommand: try CommandConformance.validate()
        case .replayRenderedConfig: try CommandConformance.replayRenderedConfig()
        case .replayHelmValues: try CommandConformance.replayHelmValues()
        }
    }
}
