import Foundation
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
        // Robusta's title, description and finding type (robusta-actions.md C2).
        #expect(finding.title == "pod/default/web-1.yaml updated")
        #expect(finding.description == "Pod updated\n ● Attributes: image")
        #expect(finding.findingType == "configuration_change")
        #expect(finding.failure == false)
        #expect(finding.severity == .info)
        #expect(finding.aggregationKey == "ConfigurationChange/KubernetesResource/Change")
        #expect(
            finding.enrichments == [
                Enrichment(
                    title: "Kubernetes Manifest Change",
                    blocks: [.kubernetesDiff([DiffEntry(path: "spec.image", old: "web:1", new: "web:2")])], type: "diff")
            ])
    }

    @Test func babysitterNamesCreatesAndDeletesAndListsAtMostFiveAttributes() async throws {
        let context = ActionContext()
        try await actions["resource_babysitter"]!.run(change(.create, old: nil, new: pod("web-1")), parameters: nil, context: context)
        try await actions["resource_babysitter"]!.run(change(.delete, old: nil, new: pod("web-2")), parameters: nil, context: context)
        #expect(context.findings.map(\.title) == ["pod/default/web-2.yaml deleted", "pod/default/web-1.yaml created"])
        #expect(context.findings.map(\.description) == ["Pod deleted", "Pod created"])
        let changes = ["a.b", "c[0].d", "e", "f.g[1]", "h", "i"].map { DiffEntry(path: $0, old: nil, new: 1) }
        #expect(
            BuiltinActionImplementations.diffDescription(kind: "Deployment", operation: .update, changes: changes)
                == "Deployment updated\n ● Attributes: b, d, e, g, h ... (and 1 more)")
        #expect(
            BuiltinActionImplementations.diffDescription(kind: "Deployment", operation: .update, changes: Array(changes.prefix(5)))
                == "Deployment updated\n ● Attributes: b, d, e, g, h ... (and 0 more)")
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

    @Test func aPreparedActionStillRefusesTheWrongTypeAfterAcceptingTheRightOne() async throws {
        let prepared = actions["name_silencer"]!.prepare(parameters: ["names": ["Watchdog"]])
        let watchdog = PrometheusKubernetesAlertInstance(
            alert: PrometheusAlert(status: "firing", labels: ["alertname": "Watchdog"]), resources: [:])
        for _ in 1...2 {
            let context = ActionContext()
            try await prepared.run(watchdog, context: context)
            #expect(context.stopProcessing)
            let error = await #expect(throws: ActionError.self) {
                try await prepared.run(ExecutionBaseEventInstance(), context: ActionContext())
            }
            #expect(error?.description == "action 'name_silencer': needs a PrometheusKubernetesAlert, but was given a ExecutionBaseEvent")
        }
    }

    /// A prepared action runs on events of each concrete type it accepts, in any order, each as
    /// itself: the run it keeps for one type (``OpenedRuns``) is never used for another.
    @Test func aPreparedActionRunsEachEventTypeItAcceptsAsThatType() async throws {
        let prepared = actions["create_finding"]!.prepare(parameters: ["title": "$kind $name", "aggregation_key": "Seen"])
        let alert = PrometheusKubernetesAlertInstance(
            alert: PrometheusAlert(status: "firing", labels: ["alertname": "KubePodCrashLooping"]), resources: ["Pod": pod("web-2")])
        let events: [any TriggerfishEvent] = [
            change(.update, old: nil, new: pod("web-1")), alert, ExecutionBaseEventInstance(), alert,
            change(.create, old: nil, new: pod("web-3")), ExecutionBaseEventInstance(),
        ]
        var titles: [String] = []
        for event in events {
            let context = ActionContext()
            try await prepared.run(event, context: context)
            titles.append(try #require(context.findings.first).title)
        }
        #expect(titles == ["pod web-1", "pod web-2", "<missing> Unresolved", "pod web-2", "pod web-3", "<missing> Unresolved"])
    }

    @Test func badParametersAreReportedNotRun() async throws {
        let error = await #expect(throws: ActionError.self) {
            try await actions["echo"]!.run(ExecutionBaseEventInstance(), parameters: ["message": 3], context: ActionContext())
        }
        #expect(error?.description == "action 'echo': echo.message: expected a string, found an integer")
    }
}

// MARK: - Alerts

/// An alert event as the alert trigger builds it; `resources` are the objects resolved from its labels.
func alertEvent(
    _ name: String = "KubePodCrashLooping", status: String = "firing", labels: [String: String] = [:],
    annotations: [String: String] = [:], startsAt: String = "2024-05-01T12:30:00Z", endsAt: String = "0001-01-01T00:00:00Z",
    generatorURL: String = "", fingerprint: String = "", resources: [String: KubernetesObject] = [:]
) -> PrometheusKubernetesAlertInstance {
    var allLabels = labels
    allLabels["alertname"] = name
    return PrometheusKubernetesAlertInstance(
        alert: PrometheusAlert(
            status: status, labels: allLabels, annotations: annotations, startsAt: startsAt, endsAt: endsAt,
            generatorURL: generatorURL, fingerprint: fingerprint),
        resources: resources)
}

/// 2024-05-01T12:30:00Z
let mayFirst = Date(timeIntervalSince1970: 1_714_566_600)

@Suite struct DefaultEnricherTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    @Test func firingAlertGetsRobustasFindingWithLinkAndLabels() async throws {
        let context = ActionContext()
        let event = alertEvent(
            labels: ["namespace": "prod", "pod": "web-1", "severity": "critical"],
            annotations: [
                "summary": "Pod prod/web-1 is crash looping",
                "description": "Pod prod/web-1 (web) is restarting 2.5 times / 10 minutes.\nLABELS = map[pod:web-1 namespace:prod]",
            ],
            generatorURL: "http://prometheus:9090/graph?g0.expr=up", fingerprint: "2f1e7a0c9d3b4e5f",
            resources: ["Pod": pod("web-1", namespace: "prod", labels: ["app": "web"])])
        try await actions["default_enricher"]!.run(event, parameters: nil, context: context)
        #expect(context.findings.count == 1)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Pod prod/web-1 is crash looping")
        #expect(finding.description == "Pod prod/web-1 (web) is restarting 2.5 times / 10 minutes.\n")
        #expect(finding.severity == .high)
        #expect(finding.aggregationKey == "KubePodCrashLooping")
        #expect(finding.source == "prometheus")
        #expect(finding.fingerprint == "2f1e7a0c9d3b4e5f")
        #expect(finding.startsAt == mayFirst)
        #expect(finding.endsAt == nil)
        #expect(finding.subject.kind == "Pod")
        #expect(finding.subject.name == "web-1")
        #expect(finding.subject.namespace == "prod")
        #expect(finding.subject.node == "node-1")
        #expect(
            finding.subject.labels == [
                "app": "web", "alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "web-1", "severity": "critical",
            ])
        #expect(
            finding.enrichments == [
                Enrichment(title: "Links", blocks: [.markdown("[View Graph](http://prometheus:9090/graph?g0.expr=up)")]),
                Enrichment(
                    title: "Alert labels",
                    blocks: [
                        .table(
                            headers: ["label", "value"],
                            rows: [
                                ["alertname", "KubePodCrashLooping"], ["namespace", "prod"], ["pod", "web-1"], ["severity", "critical"],
                            ], name: "*Alert labels*")
                    ], type: "alert_labels"),
            ])
    }

    @Test func resolvedAlertWithoutSummaryIsTitledByItsName() async throws {
        let context = ActionContext()
        let event = alertEvent(
            "KubeJobFailed", status: "Resolved", labels: ["severity": "warning", "namespace": "batch"],
            endsAt: "2024-05-01T14:30:00.25+02:00")
        try await actions["default_enricher"]!.run(event, parameters: ["alert_generator_link": true], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "[RESOLVED] KubeJobFailed")
        // No description annotation: Robusta's alert finding is described by "" (reference A.5).
        #expect(finding.description == "")
        #expect(finding.severity == .low)
        #expect(finding.endsAt == Date(timeIntervalSince1970: 1_714_566_600.25))
        // No resource was resolved: the subject is "Unresolved" in the alert's namespace.
        #expect(finding.subject.name == "Unresolved")
        #expect(finding.subject.namespace == "batch")
        #expect(finding.subject.kind == nil)
        // No fingerprint from Alertmanager: the finding's own.
        #expect(
            finding.fingerprint
                == Finding.defaultFingerprint(subject: finding.subject, source: "prometheus", aggregationKey: "KubeJobFailed"))
        // No generator URL: no link.
        #expect(finding.enrichments.map(\.title) == ["Alert labels"])
    }

    @Test(arguments: [
        ("critical", Finding.Severity.high), ("HIGH", .high), ("medium", .high), ("Error", .high), ("warning", .low), ("low", .low),
        ("info", .info), ("debug", .debug), ("page-me", .info), ("", .info),
    ])
    func severityLabelMapsToRobustasSeverities(label: String, severity: Finding.Severity) async throws {
        let context = ActionContext()
        try await actions["default_enricher"]!.run(alertEvent(labels: ["severity": label]), parameters: nil, context: context)
        #expect(context.findings.first?.severity == severity)
    }

    @Test func missingSeverityLabelIsInfo() async throws {
        let context = ActionContext()
        try await actions["default_enricher"]!.run(alertEvent(), parameters: nil, context: context)
        #expect(context.findings.first?.severity == .info)
    }

    @Test func annotationsTableOnlyWhenAskedAndPresent() async throws {
        let withAnnotations = ActionContext()
        let event = alertEvent(annotations: ["summary": "s", "runbook_url": "http://runbooks/x"], generatorURL: "http://p/g")
        try await actions["default_enricher"]!.run(
            event, parameters: ["alert_annotations_enrichment": true, "alert_generator_link": false], context: withAnnotations)
        #expect(
            withAnnotations.findings.first?.enrichments == [
                Enrichment(
                    title: "Alert labels",
                    blocks: [.table(headers: ["label", "value"], rows: [["alertname", "KubePodCrashLooping"]], name: "*Alert labels*")],
                    type: "alert_labels"),
                Enrichment(
                    title: "Alert annotations",
                    blocks: [
                        .table(
                            headers: ["label", "value"], rows: [["runbook_url", "http://runbooks/x"], ["summary", "s"]],
                            name: "*Alert annotations*")
                    ], type: "alert_labels"),
            ])
        let withoutAnnotations = ActionContext()
        try await actions["default_enricher"]!.run(
            alertEvent(), parameters: ["alert_annotations_enrichment": true], context: withoutAnnotations)
        #expect(withoutAnnotations.findings.first?.enrichments.map(\.title) == ["Alert labels"])
    }

    @Test func labelsAttachToAFindingAnEarlierActionCreated() async throws {
        let context = ActionContext()
        let event = alertEvent(annotations: ["summary": "from the alert"])
        try await actions["create_finding"]!.run(event, parameters: ["title": "Custom", "aggregation_key": "Mine"], context: context)
        try await actions["default_enricher"]!.run(event, parameters: nil, context: context)
        #expect(context.findings.map(\.title) == ["Custom"])
        #expect(context.findings.first?.enrichments.map(\.title) == ["Alert labels"])
    }

    @Test func descriptionLosesOnlyATrailingLabelsMap() {
        func clean(_ description: String) -> String {
            PrometheusAlert(status: "firing", labels: [:], annotations: ["description": description]).cleanDescription
        }
        #expect(clean("CPU is high LABELS = map[instance:a job:b]") == "CPU is high ")
        #expect(clean("CPU is high\nLABELS = map[instance:a]\n") == "CPU is high\n\n")
        #expect(clean("LABELS = map[a:b]") == "")
        // Not at the end, or not closed: kept.
        #expect(clean("LABELS = map[a:b]\nmore text") == "LABELS = map[a:b]\nmore text")
        #expect(clean("see LABELS = map[a:b] below") == "see LABELS = map[a:b] below")
        #expect(clean("") == "")
        // A marker that starts inside a partial one; a partial one alone; no marker at all.
        #expect(clean("LABELS = maLABELS = map[a:b]") == "LABELS = ma")
        #expect(clean("LABELS = map") == "LABELS = map")
        #expect(clean("caf\u{e9} is down\n") == "caf\u{e9} is down\n")
        #expect(PrometheusAlert(status: "firing", labels: [:]).cleanDescription == "")
    }

    @Test func alertTimesAreRFC3339WithZeroYearMeaningNone() {
        #expect(PrometheusAlert.date(fromRFC3339: "2024-05-01T12:30:00Z") == mayFirst)
        #expect(PrometheusAlert.date(fromRFC3339: "2024-05-01t12:30:00z") == mayFirst)
        #expect(PrometheusAlert.date(fromRFC3339: "2024-05-01T08:30:00-04:00") == mayFirst)
        #expect(PrometheusAlert.date(fromRFC3339: "2024-05-01T12:30:00.5Z") == Date(timeIntervalSince1970: 1_714_566_600.5))
        #expect(PrometheusAlert.date(fromRFC3339: "2024-02-29T00:00:00Z") == Date(timeIntervalSince1970: 1_709_164_800))
        for none in [
            "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "", "yesterday", "2024-05-01", "2024-05-01T12:30:00",
            "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:30:00.Z", "2024-05-01T12:30:00Z junk",
        ] {
            #expect(PrometheusAlert.date(fromRFC3339: none) == nil, "\(none)")
        }
    }
}

@Suite struct AlertActionTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    @Test func silenceAlertAlwaysStopsAndLogsWhenAsked() async throws {
        let quiet = ActionContext()
        try await actions["silence_alert"]!.run(alertEvent("CPUThrottlingHigh"), parameters: nil, context: quiet)
        #expect(quiet.stopProcessing)
        #expect(quiet.logs == [])
        #expect(quiet.findings.isEmpty)
        let logged = ActionContext()
        try await actions["silence_alert"]!.run(alertEvent("CPUThrottlingHigh"), parameters: ["log_silence": true], context: logged)
        #expect(logged.stopProcessing)
        #expect(logged.logs == ["silencing alert CPUThrottlingHigh"])
    }

    @Test func alertExplanationCreatesTheAlertsFindingWhenThereIsNone() async throws {
        let context = ActionContext()
        try await actions["alert_explanation_enricher"]!.run(
            alertEvent("KubeletTooManyPods", annotations: ["summary": "Kubelet is running at 95% of its Pod capacity."]),
            parameters: [
                "alert_explanation": "The node is approaching the maximum number of scheduled pods.",
                "recommended_resolution": "Add more nodes to your cluster.",
            ], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Kubelet is running at 95% of its Pod capacity.")
        #expect(finding.aggregationKey == "KubeletTooManyPods")
        #expect(
            finding.enrichments == [
                Enrichment(blocks: [
                    .markdown("📘 *Alert Explanation:* The node is approaching the maximum number of scheduled pods."),
                    .markdown("🛠 *Robusta's Recommendation:* Add more nodes to your cluster."),
                ])
            ])
    }

    @Test func alertExplanationWithoutRecommendation() async throws {
        let context = ActionContext()
        try await actions["alert_explanation_enricher"]!.run(
            alertEvent(), parameters: ["alert_explanation": "Disk is filling up.", "recommended_resolution": ""], context: context)
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("📘 *Alert Explanation:* Disk is filling up.")])])
        // Robusta's parameters are both optional (reference C4): without them, nothing at all.
        let neither = ActionContext()
        try await actions["alert_explanation_enricher"]!.run(alertEvent(), parameters: nil, context: neither)
        try await actions["alert_explanation_enricher"]!.run(alertEvent(), parameters: ["alert_explanation": ""], context: neither)
        #expect(neither.findings.isEmpty)
        let onlyResolution = ActionContext()
        try await actions["alert_explanation_enricher"]!.run(
            alertEvent(), parameters: ["recommended_resolution": "Add disk."], context: onlyResolution)
        #expect(
            onlyResolution.findings.first?.enrichments == [Enrichment(blocks: [.markdown("🛠 *Robusta's Recommendation:* Add disk.")])])
    }

    @Test func statefulSetCountsAreAppendedToTheFindingsDescription() async throws {
        let statefulSet = KubernetesObject(json: [
            "kind": "StatefulSet", "metadata": ["name": "db", "namespace": "data"], "spec": ["replicas": 3],
            "status": ["replicas": 2, "readyReplicas": 1],
        ])
        let event = alertEvent(
            "KubeStatefulSetReplicasMismatch", annotations: ["description": "StatefulSet data/db has not matched replicas."],
            resources: ["StatefulSet": statefulSet])
        let context = ActionContext()
        try await actions["default_enricher"]!.run(event, parameters: nil, context: context)
        try await actions["statefulset_replicas_enricher"]!.run(event, parameters: nil, context: context)
        #expect(
            context.findings.first?.description
                == "StatefulSet data/db has not matched replicas. 2 out of 3 replicas were created for this Statefulset. Only 1 replicas are ready."
        )

        let noneReady = KubernetesObject(json: [
            "kind": "StatefulSet", "metadata": ["name": "db", "namespace": "data"], "spec": ["replicas": 3], "status": ["replicas": 3],
        ])
        let second = ActionContext()
        let event2 = alertEvent("KubeStatefulSetReplicasMismatch", resources: ["StatefulSet": noneReady])
        try await actions["default_enricher"]!.run(event2, parameters: nil, context: second)
        try await actions["statefulset_replicas_enricher"]!.run(event2, parameters: nil, context: second)
        #expect(second.findings.first?.description == " 3 out of 3 replicas were created for this Statefulset. No replicas are ready.")
    }

    @Test func statefulSetEnricherChangesOnlyExistingFindings() async throws {
        let context = ActionContext()
        try await actions["statefulset_replicas_enricher"]!.run(
            alertEvent(resources: ["StatefulSet": KubernetesObject(json: ["kind": "StatefulSet"])]), parameters: nil, context: context)
        try await actions["statefulset_replicas_enricher"]!.run(alertEvent(), parameters: nil, context: context)
        #expect(context.findings.isEmpty)
        #expect(context.logs == ["statefulset_replicas_enricher: the alert KubePodCrashLooping has no StatefulSet"])
    }
}

// MARK: - Findings

@Suite struct CustomiseFindingTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    func podChange(namespace: String = "prod", labels: JSONValue = ["app": "payments"]) -> PodChangeEventInstance {
        PodChangeEventInstance(
            change: KubernetesChange(
                operation: .update, kind: "Pod",
                object: pod(
                    "payments-worker", namespace: namespace, labels: labels,
                    extra: [
                        "metadata": [
                            "name": "payments-worker", "namespace": .string(namespace), "labels": labels,
                            "annotations": ["owner": "platform"],
                        ]
                    ])))
    }

    /// Runs create_finding then customise_finding with `parameters` and returns the finding.
    func customised(_ parameters: JSONValue, event: PodChangeEventInstance? = nil) async throws -> Finding {
        let context = ActionContext()
        let event = event ?? podChange()
        try await actions["create_finding"]!.run(
            event, parameters: ["title": "Original", "aggregation_key": "Key", "severity": "LOW"], context: context)
        try await actions["customise_finding"]!.run(event, parameters: parameters, context: context)
        return try #require(context.findings.first)
    }

    @Test func overridesTemplatedAttributesOfExistingFindings() async throws {
        let finding = try await customised([
            "title": "$kind $namespace/$name is in trouble", "description": "owned by ${annotations.owner}", "severity": "MEDIUM",
            "aggregation_key": "Trouble-$namespace",
        ])
        #expect(finding.title == "pod prod/payments-worker is in trouble")
        #expect(finding.description == "owned by platform")
        #expect(finding.severity == .high)
        #expect(finding.aggregationKey == "Trouble-prod")
    }

    @Test func emptyOrMissingOverridesChangeNothing() async throws {
        let finding = try await customised(["title": "", "description": nil])
        #expect(finding.title == "Original")
        #expect(finding.description == nil)
        #expect(finding.severity == .low)
        #expect(finding.aggregationKey == "Key")
    }

    @Test func createsNoFindingOfItsOwn() async throws {
        // Robusta (reference §7.4): before default_enricher, customise_finding changes nothing for an alert.
        let context = ActionContext()
        try await actions["customise_finding"]!.run(alertEvent(), parameters: ["title": "New"], context: context)
        #expect(context.findings.isEmpty)
        try await actions["default_enricher"]!.run(alertEvent(), parameters: nil, context: context)
        try await actions["customise_finding"]!.run(alertEvent(), parameters: ["title": "New"], context: context)
        #expect(context.findings.map(\.title) == ["New"])
    }

    @Test func changesEveryFindingSoFar() async throws {
        let context = ActionContext()
        let event = ExecutionBaseEventInstance()
        for title in ["a", "b"] {
            try await actions["create_finding"]!.run(
                event, parameters: ["title": .string(title), "aggregation_key": "k"], context: context)
        }
        try await actions["customise_finding"]!.run(event, parameters: ["aggregation_key": "IngressChange"], context: context)
        #expect(context.findings.map(\.aggregationKey) == ["IngressChange", "IngressChange"])
    }

    @Test func unknownSeverityIsAParameterError() async throws {
        // Validation rejects it first; a config loaded without validation still gets a clear error.
        let error = await #expect(throws: ActionError.self) {
            try await customised(["severity": "URGENT"])
        }
        #expect(error?.code == .invalidParameters)
        #expect(error?.description == "action 'customise_finding': unknown severity 'URGENT'; expected DEBUG, INFO, LOW, MEDIUM or HIGH")
    }

    /// Label rules of Robusta's test_customise_finding_relabel.py, on a pod named payments-worker.
    @Test(
        arguments: [
            (
                ["source_fields": ["namespace"], "regex": "infra-.*", "target_label": "team", "replacement": "infra-team"],
                "infra-monitoring", "infra-team"
            ),
            (
                ["source_fields": ["namespace"], "regex": "infra-.*|kube-system", "target_label": "team", "replacement": "infra-team"],
                "kube-system", "infra-team"
            ),
            (
                ["source_fields": ["namespace"], "regex": "team-(.*)", "target_label": "team", "replacement": "$1"], "team-backend",
                "backend"
            ),
            (
                ["source_fields": ["namespace"], "regex": "(\\w+)-(\\w+)-(\\w+)", "target_label": "team", "replacement": "$3-${1}"],
                "eu-backend-prod", "prod-eu"
            ),
            (
                ["source_fields": ["name"], "regex": "payments-.*", "target_label": "team", "replacement": "payments"], "default",
                "payments"
            ),
            (["source_fields": ["kind"], "regex": "pod", "target_label": "team", "replacement": "pods"], "default", "pods"),
            (
                ["source_fields": ["labels.app"], "regex": "payments", "target_label": "team", "replacement": "payments-team"], "default",
                "payments-team"
            ),
            (
                ["source_fields": ["annotations.owner"], "regex": "platform", "target_label": "team", "replacement": "platform-team"],
                "default", "platform-team"
            ),
            (
                [
                    "source_fields": ["namespace", "labels.app"], "regex": "eu;payments", "target_label": "team",
                    "replacement": "eu-payments",
                ], "eu", "eu-payments"
            ),
            (
                [
                    "source_fields": ["namespace", "labels.app"], "separator": "/", "regex": "eu/payments", "target_label": "team",
                    "replacement": "x",
                ], "eu", "x"
            ),
            (["source_fields": ["labels.nonexistent"], "regex": "", "target_label": "team", "replacement": "x"], "default", "x"),
            (["source_fields": ["namespace"], "regex": "team-(.*)", "target_label": "team"], "team-search", "search"),
            (["source_fields": ["namespace"], "regex": "(a)|(b)", "target_label": "team", "replacement": "[$2]$$"], "a", "[]$"),
        ] as [(JSONValue, String, String)])
    func labelRuleSetsTheTargetLabel(rule: JSONValue, namespace: String, team: String) async throws {
        let finding = try await customised(["finding_label_rules": [rule]], event: podChange(namespace: namespace))
        #expect(finding.subject.labels["team"] == team)
    }

    @Test func aRuleThatDoesNotMatchChangesNothing() async throws {
        let rule: JSONValue = ["source_fields": ["namespace"], "regex": "infra-.*", "target_label": "team", "replacement": "infra"]
        let finding = try await customised(["finding_label_rules": [rule]], event: podChange(namespace: "app-infra-prod"))
        #expect(finding.subject.labels["team"] == nil)
        let existing = try await customised(
            ["finding_label_rules": [rule]], event: podChange(namespace: "app-prod", labels: ["team": "original"]))
        #expect(existing.subject.labels["team"] == "original")
    }

    @Test func laterRulesOverwriteAndSeeEarlierOnes() async throws {
        let finding = try await customised(
            [
                "finding_label_rules": [
                    ["source_fields": ["namespace"], "regex": "infra-.*", "target_label": "team", "replacement": "first"],
                    ["source_fields": ["namespace"], "regex": "infra-db", "target_label": "team", "replacement": "second"],
                    ["source_fields": ["namespace"], "regex": "infra-.*", "target_label": "cost_center", "replacement": "cc-infra"],
                    ["source_fields": ["labels.team"], "regex": "(.*)", "target_label": "owner", "replacement": "team-$1"],
                ]
            ], event: podChange(namespace: "infra-db"))
        #expect(finding.subject.labels["team"] == "second")
        #expect(finding.subject.labels["cost_center"] == "cc-infra")
        #expect(finding.subject.labels["owner"] == "team-second")
        #expect(finding.subject.labels["app"] == "payments")
    }

    @Test func anInvalidRegexIsAParameterError() async throws {
        let error = await #expect(throws: ActionError.self) {
            try await customised(["finding_label_rules": [["source_fields": ["name"], "regex": "(unclosed", "target_label": "t"]]])
        }
        #expect(error?.code == .invalidParameters)
        #expect(error?.message.hasPrefix("invalid regex '(unclosed' in finding_label_rules: ") == true)
    }

    @Test func externalVideoLinkGoesToTheNewestFinding() async throws {
        let context = ActionContext()
        try await actions["external_video_enricher"]!.run(
            ExecutionBaseEventInstance(), parameters: ["url": "https://bit.ly/overcommit-cpu"], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Robusta notification")
        #expect(finding.aggregationKey == "GenericFindingKey")
        #expect(finding.enrichments == [Enrichment(title: "Video", blocks: [.markdown("[See more](https://bit.ly/overcommit-cpu)")])])

        let alert = ActionContext()
        try await actions["external_video_enricher"]!.run(
            alertEvent("KubeCPUOvercommit"), parameters: ["url": "https://bit.ly/overcommit-cpu", "name": "CPU Overcommited"],
            context: alert)
        #expect(alert.findings.first?.title == "KubeCPUOvercommit")
        #expect(
            alert.findings.first?.enrichments == [
                Enrichment(title: "Video", blocks: [.markdown("[CPU Overcommited](https://bit.ly/overcommit-cpu)")])
            ])
    }

    @Test func defaultFindingsOfOtherEvents() {
        let update = PodChangeEventInstance(change: KubernetesChange(operation: .update, kind: "Pod", object: pod("web-1")))
        #expect(DefaultFinding.of(update).title == "Update to pod web-1")
        #expect(DefaultFinding.of(update).aggregationKey == "GenericChange")
        let unnamed = PodChangeEventInstance(
            change: KubernetesChange(operation: .delete, kind: "Pod", object: KubernetesObject(json: ["kind": "Pod"])))
        #expect(DefaultFinding.of(unnamed).title == "Kubernetes delete")
        let tick = DefaultFinding.of(ScheduledExecutionEventInstance(recurrence: 2))
        #expect(tick.title == "General scheduled task")
        #expect(tick.aggregationKey == "GeneralScheduledTask")
        #expect(tick.source == "none")
        #expect(DefaultFinding.of(NodeEventInstance(resource: nil, node: nil)).title == "Robusta notification")
    }
}

// MARK: - Kubernetes events

/// An events.k8s.io/v1 Event about `kind` `namespace`/`name`, as its create change.
func kubernetesEvent(
    reason: String, type: String = "Warning", note: String = "Back-off restarting failed container", kind: String = "Pod",
    name: String = "web-1", namespace: String? = "prod"
) -> EventChangeEventInstance {
    var regarding: [String: JSONValue] = ["kind": .string(kind), "name": .string(name)]
    if let namespace { regarding["namespace"] = .string(namespace) }
    let object = KubernetesObject(json: [
        "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "web-1.17a", "namespace": "prod"],
        "reason": .string(reason), "type": .string(type), "note": .string(note), "regarding": .object(regarding),
    ])
    return EventChangeEventInstance(change: KubernetesChange(operation: .create, kind: "Event", object: object))
}

@Suite struct KubernetesEventActionTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    static let groups: JSONValue = [
        ["aggregation_key": "PodLifecycleWarning", "matchers": ["FailedCreatePodSandBox", "BackOff", "Evicted"]],
        [
            "aggregation_key": "NodeHealthWarning", "matchers": ["NodeNotReady", "BackOff"],
            "description": "$kind $name in ${namespace} (${labels.app}) is unhealthy; $$5",
        ],
    ]

    @Test func createEventFindingUsesTheEventAndTheGivenKey() async throws {
        let context = ActionContext()
        try await actions["create_event_finding"]!.run(
            kubernetesEvent(reason: "Evicted", note: "The node was low on resource: memory."),
            parameters: ["aggregation_key": "PodEviction"],
            context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Evicted Warning for Pod prod/web-1")
        #expect(finding.description == "The node was low on resource: memory.")
        #expect(finding.aggregationKey == "PodEviction")
        #expect(finding.severity == .debug)
        #expect(finding.source == "kubernetes_api_server")
        #expect(finding.subject == FindingSubject(kind: "Pod", name: "web-1", namespace: "prod"))
    }

    @Test func normalEventsAreInfoAndCoreEventsAreReadToo() async throws {
        let context = ActionContext()
        let core = KubernetesObject(json: [
            "apiVersion": "v1", "kind": "Event", "reason": "Scheduled", "type": "Normal", "message": "Successfully assigned prod/web-1",
            "involvedObject": ["kind": "Pod", "name": "web-1", "namespace": "prod"],
        ])
        try await actions["create_event_finding"]!.run(
            EventChangeEventInstance(change: KubernetesChange(operation: .create, kind: "Event", object: core)),
            parameters: ["aggregation_key": "Scheduling"], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Scheduled Normal for Pod prod/web-1")
        #expect(finding.description == "Successfully assigned prod/web-1")
        #expect(finding.severity == .info)
    }

    @Test func warningEventsReportPicksTheFirstGroupWithTheReason() async throws {
        let context = ActionContext()
        try await actions["warning_events_report"]!.run(
            kubernetesEvent(reason: "BackOff"), parameters: ["warning_event_groups": Self.groups], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "BackOff Warning for Pod prod/web-1")
        #expect(finding.aggregationKey == "PodLifecycleWarning")
        #expect(finding.description == "Back-off restarting failed container")
        #expect(finding.severity == .debug)
    }

    @Test func warningEventsReportTemplatesTheGroupsDescription() async throws {
        let context = ActionContext()
        try await actions["warning_events_report"]!.run(
            kubernetesEvent(reason: "NodeNotReady", note: "Node is not ready", kind: "Node", name: "node-1", namespace: nil),
            parameters: ["warning_event_groups": Self.groups], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "NodeNotReady Warning for Node None/node-1")
        #expect(finding.aggregationKey == "NodeHealthWarning")
        #expect(finding.description == "Node node-1 in <missing> (<missing>) is unhealthy; $5")
        #expect(finding.subject == FindingSubject(kind: "Node", name: "node-1", node: "node-1"))
    }

    @Test func warningEventsReportWithoutAMatchingGroup() async throws {
        let context = ActionContext()
        try await actions["warning_events_report"]!.run(
            kubernetesEvent(reason: "FailedMount", note: "MountVolume.SetUp failed"), parameters: ["warning_event_groups": Self.groups],
            context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.aggregationKey == "KubernetesWarningEvent")
        #expect(finding.description == "MountVolume.SetUp failed")
    }
}

// MARK: - Resources

/// A node with two conditions and its allocatable resources.
let readyNode = KubernetesObject(json: [
    "kind": "Node", "metadata": ["name": "node-1"],
    "status": [
        "conditions": [
            ["type": "MemoryPressure", "status": "False", "message": "kubelet has sufficient memory available"],
            ["type": "Ready", "status": "False", "message": "PLEG is not healthy"],
        ],
        "allocatable": ["pods": "110", "cpu": "3920m", "memory": "15214976Ki"],
    ],
])

@Suite struct ResourceActionTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    @Test func templateEnricherOnAnAlertSeesLabelsAnnotationsAndTheSubject() async throws {
        let context = ActionContext()
        let event = alertEvent(
            labels: ["namespace": "prod", "pod": "web-1"], annotations: ["runbook": "rb-42"],
            resources: ["Pod": pod("web-1", namespace: "prod")])
        try await actions["template_enricher"]!.run(
            event,
            parameters: [
                "template":
                    "<https://grafana/d/x?pod=${name}&ns=$namespace|$alertname> $kind on $node, $runbook, $nope, ${labels.pod}, $$HOME, $ 5"
            ], context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "KubePodCrashLooping")
        #expect(
            finding.enrichments == [
                Enrichment(blocks: [
                    .markdown(
                        "<https://grafana/d/x?pod=web-1&ns=prod|KubePodCrashLooping> pod on node-1, rb-42, <missing>, ${labels.pod}, $HOME, $ 5"
                    )
                ])
            ])
    }

    @Test func templateEnricherOnAResource() async throws {
        let context = ActionContext()
        let event = DeploymentEventInstance(
            resource: KubernetesObject(json: ["kind": "Deployment", "metadata": ["name": "api", "namespace": "shop"]]))
        try await actions["template_enricher"]!.run(
            event, parameters: ["template": "$kind ${namespace}/${name} on $node"], context: context)
        #expect(context.findings.first?.title == "Robusta notification")
        #expect(context.findings.first?.enrichments == [Enrichment(blocks: [.markdown("deployment shop/api on None")])])
        let empty = ActionContext()
        try await actions["template_enricher"]!.run(event, parameters: nil, context: empty)
        #expect(empty.findings.first?.enrichments == [Enrichment(blocks: [.markdown("")])])
    }

    @Test func statusEnricherTabulatesConditions() async throws {
        let brief = ActionContext()
        try await actions["status_enricher"]!.run(NodeEventInstance(resource: readyNode, node: readyNode), parameters: nil, context: brief)
        #expect(
            brief.findings.first?.enrichments == [
                Enrichment(
                    blocks: [
                        .table(
                            headers: ["Type", "Status"], rows: [["MemoryPressure", "False"], ["Ready", "False"]],
                            name: "*Node status details:*")
                    ])
            ])
        let detailed = ActionContext()
        try await actions["status_enricher"]!.run(
            NodeEventInstance(resource: readyNode, node: readyNode), parameters: ["show_details": true], context: detailed)
        #expect(
            detailed.findings.first?.enrichments == [
                Enrichment(
                    blocks: [
                        .table(
                            headers: ["Type", "Status", "Message"],
                            rows: [
                                ["MemoryPressure", "False", "kubelet has sufficient memory available"],
                                ["Ready", "False", "PLEG is not healthy"],
                            ], name: "*Node status details:*")
                    ])
            ])
    }

    @Test func statusEnricherDoesNothingWithoutConditionsOrResource() async throws {
        let context = ActionContext()
        try await actions["status_enricher"]!.run(
            DeploymentEventInstance(resource: KubernetesObject(json: ["kind": "Deployment", "status": [:]])), parameters: nil,
            context: context)
        try await actions["status_enricher"]!.run(DeploymentEventInstance(), parameters: nil, context: context)
        #expect(context.findings.isEmpty)
        #expect(context.logs == ["status_enricher: the event has no resource"])
    }

    @Test func nodeStatusAndAllocatableResources() async throws {
        let context = ActionContext()
        let event = NodeEventInstance(resource: readyNode, node: readyNode)
        try await actions["node_status_enricher"]!.run(event, parameters: nil, context: context)
        try await actions["node_allocatable_resources_enricher"]!.run(event, parameters: nil, context: context)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    blocks: [
                        .table(
                            headers: ["Type", "Status"], rows: [["MemoryPressure", "False"], ["Ready", "False"]],
                            name: "*Node status details:*")
                    ]),
                Enrichment(
                    blocks: [
                        .table(
                            headers: ["resource", "value"], rows: [["cpu", "3920m"], ["memory", "15214976Ki"], ["pods", "110"]],
                            name: "Node Allocatable Resources - The amount of compute resources that are available for pods")
                    ]),
            ])
        let none = ActionContext()
        try await actions["node_status_enricher"]!.run(NodeEventInstance(), parameters: nil, context: none)
        try await actions["node_allocatable_resources_enricher"]!.run(NodeEventInstance(), parameters: nil, context: none)
        #expect(none.findings.isEmpty)
        #expect(none.logs == ["node_status_enricher: the event has no node", "node_allocatable_resources_enricher: the event has no node"])
    }

    @Test func daemonSetStats() async throws {
        let daemonSet = KubernetesObject(json: [
            "kind": "DaemonSet", "metadata": ["name": "fluentd", "namespace": "logging"],
            "status": ["desiredNumberScheduled": 5, "currentNumberScheduled": 5, "numberAvailable": 4, "numberMisscheduled": 1],
        ])
        let context = ActionContext()
        try await actions["daemonset_status_enricher"]!.run(
            DaemonSetEventInstance(resource: daemonSet, daemonSet: daemonSet), parameters: nil, context: context)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(blocks: [
                    .markdown("*Daemonset Stats for fluentd*"),
                    .table(
                        headers: ["field", "value"],
                        rows: [
                            ["status.desiredNumberScheduled", "5"], ["status.currentNumberScheduled", "5"],
                            ["status.numberAvailable", "4"],
                            ["status.numberMisscheduled", "1"],
                        ]),
                    .markdown(
                        "_Daemonset lifecycle: pods start out as desired, then get scheduled, and then become available. If Kubernetes then decides a pod shouldn't be running on a node after all, it becomes misscheduled._"
                    ),
                ])
            ])
        let partial = ActionContext()
        let fresh = KubernetesObject(json: ["kind": "DaemonSet", "metadata": ["name": "new"], "status": ["desiredNumberScheduled": 0]])
        try await actions["daemonset_status_enricher"]!.run(DaemonSetEventInstance(daemonSet: fresh), parameters: nil, context: partial)
        guard case .table(_, let rows, _)? = partial.findings.first?.enrichments.first?.blocks[1] else {
            Issue.record("no table")
            return
        }
        #expect(rows.map(\.last) == ["0", "None", "None", "None"])
    }

    static func job(status: JSONValue, containers: JSONValue = [], initContainers: JSONValue = [], completions: JSONValue = 1)
        -> KubernetesObject
    {
        KubernetesObject(json: [
            "kind": "Job", "metadata": ["name": "report", "namespace": "batch"],
            "spec": [
                "completions": completions, "backoffLimit": 6,
                "template": ["spec": ["containers": containers, "initContainers": initContainers]],
            ],
            "status": status,
        ])
    }

    @Test func jobInformationOfAFailedJob() async throws {
        let job = Self.job(
            status: [
                "startTime": "2024-05-01T12:00:00Z", "failed": 7,
                "conditions": [
                    ["type": "Suspended", "status": "False"],
                    ["type": "Failed", "status": "True", "message": "Job has reached the specified backoff limit"],
                ],
            ],
            containers: [
                [
                    "name": "main", "image": "report:1.2",
                    "resources": ["requests": ["cpu": "250m", "memory": "128Mi"], "limits": ["cpu": 1, "memory": "1Gi"]],
                ]
            ],
            initContainers: [["name": "setup", "image": "busybox"]])
        let context = ActionContext()
        try await actions["job_info_enricher"]!.run(JobEventInstance(job: job), parameters: nil, context: context)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    blocks: [
                        .table(
                            headers: ["description", "value"],
                            rows: [
                                ["status", "Failed"], ["message", "Job has reached the specified backoff limit"], ["completions", "0/1"],
                                ["failures", "7"], ["backoffLimit", "6"], ["duration", "2024-05-01T12:00:00Z - None"],
                                ["containers", "------------------"], ["name", "setup"], ["image", "busybox"],
                                ["cpu (request/limit)", "None/None"], ["memory MB (request/limit)", "None/None"], ["name", "main"],
                                ["image", "report:1.2"], ["cpu (request/limit)", "0.25/1.0"], ["memory MB (request/limit)", "128/1024"],
                            ], name: "*Job information*")
                    ])
            ])
    }

    @Test func jobStatusIsRunningCompleteOrUnknown() async throws {
        func status(_ job: KubernetesObject) async throws -> [[String]] {
            let context = ActionContext()
            try await actions["job_info_enricher"]!.run(JobEventInstance(job: job), parameters: nil, context: context)
            guard case .table(_, let rows, _)? = context.findings.first?.enrichments.first?.blocks.first else { return [] }
            return Array(rows.prefix(3))
        }
        #expect(
            try await status(Self.job(status: ["active": 1, "succeeded": 2], completions: 5)) == [
                ["status", "Running"], ["completions", "2/5"], ["failures", "0"],
            ])
        #expect(
            try await status(Self.job(status: ["succeeded": 1, "conditions": [["type": "Complete", "status": "True"]]], completions: nil))
                == [["status", "Complete"], ["completions", "1/None"], ["failures", "0"]])
        #expect(try await status(Self.job(status: [:])) == [["status", "Starting"], ["completions", "0/1"], ["failures", "0"]])
        #expect(try await status(Self.job(status: ["failed": 1])) == [["status", "Unknown"], ["completions", "0/1"], ["failures", "1"]])
        let context = ActionContext()
        try await actions["job_info_enricher"]!.run(JobEventInstance(), parameters: nil, context: context)
        #expect(context.findings.isEmpty)
    }

    @Test func containerQuantities() {
        #expect(ContainerResources.cores(.string("500m")) == 0.5)
        #expect(ContainerResources.cores(.string("1")) == 1)
        #expect(ContainerResources.cores(.double(0.1234)) == 0.123)
        #expect(ContainerResources.cores(.string("lots")) == 0)
        #expect(ContainerResources.bytes(.string("1Gi")) == 1 << 30)
        #expect(ContainerResources.bytes(.string("500M")) == 500_000_000)
        #expect(ContainerResources.bytes(.string("2Ti")) == 2 << 40)
        #expect(ContainerResources.bytes(.int(4096)) == 4096)
        #expect(ContainerResources.bytes(.string("1.5Gi")) == 0)
        #expect(ContainerResources.pair(0.5, 0.0) == "0.5/None")
    }

    static func throttled(_ name: String, tolerations: JSONValue = [], limits: JSONValue = [:]) -> PodEventInstance {
        let object = pod(
            name, namespace: "kube-system",
            extra: [
                "spec": ["nodeName": "node-1", "tolerations": tolerations, "containers": [["name": "c", "resources": ["limits": limits]]]]
            ])
        return PodEventInstance(resource: object, pod: object)
    }

    @Test func cpuThrottlingExplainsFromThePodSpec() async throws {
        func explanation(_ event: PodEventInstance) async throws -> [Block] {
            let context = ActionContext()
            try await actions["cpu_throttling_analysis_enricher"]!.run(event, parameters: nil, context: context)
            #expect(!context.stopProcessing)
            return context.findings.first?.enrichments.first?.blocks ?? []
        }
        let limited = try await explanation(Self.throttled("web-1", limits: ["cpu": "500m"]))
        #expect(limited.count == 2)
        #expect(
            limited.first
                == .markdown(
                    "📘 *Alert Explanation:* This pod is throttled due to its CPU limit. This can occur even when CPU usage is far below the limit. <https://github.com/robusta-dev/alert-explanations/wiki/CPUThrottlingHigh-(Prometheus-Alert)|Learn more.>"
                ))
        let unlimited = try await explanation(Self.throttled("web-1", limits: ["memory": "1Gi"]))
        #expect(
            unlimited == [
                .markdown(
                    "📘 *Alert Explanation:* This pod is throttled because it is using more CPU than its request and the node doesn't have spare CPU to give. Increase the pod's CPU request. This will impact Kubernetes' scheduling decisions and guarantee the pod is placed on a node with sufficient CPU to match the new request."
                )
            ])
        let metricsServer = try await explanation(Self.throttled("metrics-server-5f8b7", limits: ["cpu": "100m"]))
        #expect(
            metricsServer.first
                == .markdown(
                    "📘 *Alert Explanation:* This alert is likely due to a known issue with metrics-server. <https://github.com/kubernetes/autoscaler/issues/4141|The default metrics-server deployment has cpu limits which are too low.>"
                ))
    }

    @Test func cpuThrottlingOfGKEsMetricsServerStopsProcessing() async throws {
        let context = ActionContext()
        try await actions["cpu_throttling_analysis_enricher"]!.run(
            Self.throttled(
                "metrics-server-v0.5-abc", tolerations: [["key": "components.gke.io/gke-managed-components", "operator": "Exists"]]),
            parameters: nil, context: context)
        #expect(context.stopProcessing)
        #expect(context.findings.isEmpty)
        let none = ActionContext()
        try await actions["cpu_throttling_analysis_enricher"]!.run(PodEventInstance(), parameters: nil, context: none)
        #expect(none.findings.isEmpty)
        #expect(!none.stopProcessing)
    }
}

// MARK: - Declared but not implemented

@Suite struct NotImplementedActionRegistrationTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    @Test func everyDeclaredActionIsRegisteredAndFlagged() {
        let schema = SchemaLoader.load(files: SchemaSource.files.map { ("schema/" + $0.name, $0.text) }).schema
        #expect(Set(actions.keys) == Set(schema?.actions.map(\.name) ?? []))
        #expect(AlertGraphEnricherAction.isImplemented == false)
        #expect(DefaultEnricherAction.isImplemented == true)
    }

    @Test func runningOneDecodesItsParametersThenFails() async throws {
        let event = alertEvent()
        let bad = await #expect(throws: ActionError.self) {
            try await actions["alert_graph_enricher"]!.run(
                event, parameters: ["resource_type": "CPU", "item_type": "Pod", "add_additional_labels": "yes"], context: ActionContext())
        }
        #expect(bad?.code == .invalidParameters)
        #expect(
            bad?.description
                == "action 'alert_graph_enricher': alert_graph_enricher.add_additional_labels: expected true or false, found a string")
        let good = await #expect(throws: ActionError.self) {
            try await actions["alert_graph_enricher"]!.run(
                event, parameters: ["resource_type": "CPU", "item_type": "Pod"], context: ActionContext())
        }
        #expect(good?.code == .notImplemented)
        #expect(good?.description == "action 'alert_graph_enricher': is not implemented in Triggerfish yet")
        let mismatch = await #expect(throws: ActionError.self) {
            try await actions["alert_graph_enricher"]!.run(ExecutionBaseEventInstance(), parameters: nil, context: ActionContext())
        }
        #expect(mismatch?.code == .eventMismatch)
    }
}
