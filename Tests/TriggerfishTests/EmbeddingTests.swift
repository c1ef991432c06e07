import Testing

@testable import Triggerfish

/// An action declared the way a consumer target declares its own (what the plugin generates from
/// its `actions.yaml`): it accepts a `PodEvent` and takes no parameters.
enum NotePodAction: ActionDefinition {
    static let name = "note_pod"
    static let eventName = "PodEvent"
    static let isImplemented = true
    static func accepts(_ eventType: any TriggerfishEvent.Type) -> Bool { eventType is any PodEvent.Type }

    struct Parameters: ActionParameters {
        init(parameterValue: JSONValue, path: String) throws(ParameterError) {}
    }
}

/// The engine embedded as the README's 'Embedding the runtime' does it: the target's embedded
/// playbooks loaded by file name, the built-in actions and the target's own, a kubewatch body in.
@Suite struct EmbeddingTests {
    static let actionFiles = [
        (
            name: "actions.yaml",
            text: """
            actions:
              note_pod:
                doc: "Adds a finding about the pod, made as the README's example makes it."
                event: PodEvent
            """
        )
    ]

    static let playbookFiles = [
        (
            name: "playbooks.yaml",
            text: """
            - triggers:
                - on_pod_update: {}
              actions:
                - note_pod: {}
                - create_finding:
                    title: "Pod $name changed"
                    aggregation_key: PodChanged
            """
        )
    ]

    /// The user's action: a finding with a title and an aggregation key, and nothing else.
    static let notePod = ActionRegistration(NotePodAction.self) { _, _, context in
        context.addFinding(Finding(title: "Noted a pod", aggregationKey: "PodNoted"))
    }

    static let kubewatchBody = """
        {"specversion": "1.0", "data": {"operation": "update", "kind": "Pod", "apiVersion": "v1",
         "obj": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop"}, "spec": {"nodeName": "node-1"}},
         "oldObj": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop"}}}}
        """

    func engine() throws -> PlaybookEngine {
        let config = try PlaybookConfig.load(named: "playbooks.yaml", from: Self.playbookFiles, actionFiles: Self.actionFiles)
        return try PlaybookEngine(config: config, actions: BuiltinActionImplementations().registrations + [Self.notePod])
    }

    @Test func aFindingTheUsersActionCreatesFromAPodEventIsAboutThePod() async throws {
        let reports = try await engine().handle(try InputDecoder.decode(Self.kubewatchBody))
        let report = try #require(reports.first)
        #expect(report.actionNames == ["note_pod", "create_finding"])
        #expect(report.failedActions.isEmpty)
        let noted = try #require(report.findings.first { $0.finding.title == "Noted a pod" }?.finding)
        #expect(noted.subject.kind == "Pod")
        #expect(noted.subject.name == "web-1")
        #expect(noted.subject.namespace == "shop")
        #expect(noted.subject.node == "node-1")
        #expect(noted.source == "kubernetes_api_server")
        #expect(
            noted.fingerprint == Finding.defaultFingerprint(subject: noted.subject, source: noted.source, aggregationKey: "PodNoted"))

        // The same subject and source as the built-in create_finding gives, which replay shows.
        let created = try #require(report.findings.first { $0.finding.title == "Pod web-1 changed" }?.finding)
        #expect(created.subject == noted.subject)
        #expect(created.source == noted.source)
    }

    @Test func whatTheActionSetsItselfIsKept() async throws {
        let explicit = ActionRegistration(NotePodAction.self) { _, _, context in
            context.addFinding(
                Finding(
                    title: "Mine", aggregationKey: "Mine", source: "my_tool", subject: FindingSubject(kind: "Node", name: "node-9"),
                    fingerprint: "fixed"))
        }
        let config = try PlaybookConfig.load(named: "playbooks.yaml", from: Self.playbookFiles, actionFiles: Self.actionFiles)
        let engine = try PlaybookEngine(config: config, actions: BuiltinActionImplementations().registrations + [explicit])
        let report = try #require(await engine.handle(try InputDecoder.decode(Self.kubewatchBody)).first)
        let mine = try #require(report.findings.first { $0.finding.title == "Mine" }?.finding)
        #expect(mine.subject == FindingSubject(kind: "Node", name: "node-9"))
        #expect(mine.source == "my_tool")
        #expect(mine.fingerprint == "fixed")
    }

    @Test func aFindingFromAnAlertIsAboutTheAlertsResource() async throws {
        let playbooks = [
            (
                name: "playbooks.yaml",
                text: """
                - triggers:
                    - on_prometheus_alert: {}
                  actions:
                    - echo: {message: hi}
                """
            )
        ]
        let alerted = ActionRegistration(EchoAction.self) { _, _, context in
            context.addFinding(Finding(title: "Alerted", aggregationKey: "Alerted"))
        }
        let config = try PlaybookConfig.load(named: "playbooks.yaml", from: playbooks)
        let engine = try PlaybookEngine(config: config, actions: [alerted])
        let report = await engine.handle(alert("KubePodNotReady", labels: ["pod": "api-7", "namespace": "shop"]))
        let finding = try #require(report.findings.first?.finding)
        #expect(finding.source == "prometheus")
        #expect(finding.subject.kind == "Pod")
        #expect(finding.subject.name == "api-7")
        #expect(finding.subject.namespace == "shop")
    }

    @Test func reportsPrintAsReplayPrintsThem() async throws {
        let report = try #require(await engine().handle(try InputDecoder.decode(Self.kubewatchBody)).first)
        #expect(
            report.description == """
                Pod shop/web-1 update
                    playbook 1 (playbooks.yaml:1): note_pod, create_finding
                    finding [HIGH] Pod web-1 changed → no sink accepts it
                    finding [INFO] Noted a pod → no sink accepts it
                """)
        #expect("\(report)" == report.description)
        let input = InputReport(index: 4, kind: .kubernetes, events: [report])
        #expect(input.description + "\n" == ReportFormatting.text(input))
        #expect(input.description.hasPrefix("#4 Pod shop/web-1 update\n    playbook 1 (playbooks.yaml:1): note_pod, create_finding\n"))
    }

    @Test func embeddedPlaybooksAreFoundByFileNameAndAMissingOneIsAnError() throws {
        #expect(throws: Never.self) {
            try PlaybookConfig.load(named: "playbooks.yaml", from: Self.playbookFiles, actionFiles: Self.actionFiles)
        }
        let error = #expect(throws: ConfigLoadError.self) {
            try PlaybookConfig.load(named: "my-playbooks.yaml", from: Self.playbookFiles, actionFiles: Self.actionFiles)
        }
        #expect(
            error?.description
                == "my-playbooks.yaml: error: no playbooks file named 'my-playbooks.yaml' is embedded (embedded: 'playbooks.yaml'); "
                + "TriggerfishPlugin embeds a target's 'playbooks.yaml' and '*.playbooks.yaml' (or .yml)")
        let none = #expect(throws: ConfigLoadError.self) { try PlaybookConfig.load(named: "playbooks.yaml", from: []) }
        #expect(none?.description.contains("is embedded (embedded: none)") == true)
    }
}
