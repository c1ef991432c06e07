import Testing

@testable import Triggerfish

@Suite struct BuiltinActionTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    func change(_ operation: KubernetesOperation, old: KubernetesObject?, new: KubernetesObject) -> PodChangeEventInstance {
        PodChangeEventInstance(change: KubernetesChange(operation: operation, kind: "Pod", object: new, oldObject: old))
    }

    @Test func createFindingTemplatesTitleAndDescription() async throws {
        let context = ActionContext()
        let event = change(.update, old: nil, new: pod("web-1", namespace: "prod", labels: ["app": "web"]))
        try await actions["create_finding"]!.run(
            event,
            parameters: [
                "title": "$kind $name in $namespace on $node (${labels.app}, ${labels.nope}) costs $$5",
                "aggregation_key": "PodChanged", "description": "owner: ${annotations.owner}", "severity": "MEDIUM",
            ],
            context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "pod web-1 in prod on node-1 (web, <missing>) costs $5")
        #expect(finding.description == "owner: <missing>")
        #expect(finding.severity == .high)
        #expect(finding.aggregationKey == "PodChanged")
        #expect(finding.source == "kubernetes_api_server")
        #expect(finding.subject.name == "web-1")
    }

    @Test func newestFindingComesFirst() async throws {
        let context = ActionContext()
        let event = ExecutionBaseEventInstance()
        for title in ["first", "second"] {
            try await actions["create_finding"]!.run(
                event, parameters: ["title": .string(title), "aggregation_key": "k"], context: context)
        }
        #expect(context.findings.map(\.title) == ["second", "first"])
    }

    @Test func babysitterReportsTheDiffWithoutNoise() async throws {
        let context = ActionContext()
        let old = pod("web-1", extra: ["spec": ["nodeName": "node-1", "image": "web:1"]])
        var newJSON = pod("web-1", extra: ["spec": ["nodeName": "node-1", "image": "web:2"]]).json
        if case .object(var members) = newJSON, case .object(var metadata)? = members["metadata"] {
            metadata["resourceVersion"] = "42"
            members["metadata"] = .object(metadata)
            newJSON = .object(members)
        }
        try await actions["resource_babysitter"]!.run(
            change(.update, old: old, new: KubernetesObject(json: newJSON)), parameters: nil, context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Pod web-1 updated in namespace default")
        #expect(
            finding.enrichments == [
                Enrichment(title: "Changes", blocks: [.kubernetesDiff([DiffEntry(path: "spec.image", old: "web:1", new: "web:2")])])
            ])
    }

    @Test func babysitterSkipsIgnoredNamespacesAndNoiseOnlyUpdates() async throws {
        let context = ActionContext()
        try await actions["resource_babysitter"]!.run(
            change(.create, old: nil, new: pod("web-1", namespace: "kube-system")), parameters: ["ignored_namespaces": ["kube-system"]],
            context: context)
        try await actions["resource_babysitter"]!.run(change(.update, old: pod("a"), new: pod("a")), parameters: nil, context: context)
        #expect(context.findings.isEmpty)
    }

    @Test func nameSilencerStopsProcessingForListedAlerts() async throws {
        let silenced = ActionContext()
        let watchdog = PrometheusKubernetesAlertInstance(
            alert: PrometheusAlert(status: "firing", labels: ["alertname": "Watchdog"]), resources: [:])
        try await actions["name_silencer"]!.run(watchdog, parameters: ["names": ["Watchdog"]], context: silenced)
        #expect(silenced.stopProcessing)
        let other = ActionContext()
        let crash = PrometheusKubernetesAlertInstance(
            alert: PrometheusAlert(status: "firing", labels: ["alertname": "KubePodCrashLooping"]), resources: [:])
        try await actions["name_silencer"]!.run(crash, parameters: ["names": ["Watchdog"]], context: other)
        #expect(!other.stopProcessing)
    }

    @Test func anActionRefusesAnEventOfTheWrongType() async throws {
        let error = await #expect(throws: ActionError.self) {
            try await actions["name_silencer"]!.run(ExecutionBaseEventInstance(), parameters: ["names": []], context: ActionContext())
        }
        #expect(error?.description == "action 'name_silencer': needs a PrometheusKubernetesAlert, but was given a ExecutionBaseEvent")
        #expect(error?.code == .eventMismatch)
    }

    @Test func badParametersAreReportedNotRun() async throws {
        let error = await #expect(throws: ActionError.self) {
            try await actions["echo"]!.run(ExecutionBaseEventInstance(), parameters: ["message": 3], context: ActionContext())
        }
        #expect(error?.description == "action 'echo': echo.message: expected a string, found an integer")
    }
}
