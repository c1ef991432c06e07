import Foundation
import Testing

@testable import Triggerfish

/// Whole findings of built-in actions as robusta-actions.md records Robusta's (A.5, C2, C4, C5, C8).
@Suite struct FindingFidelityTests {
    let actions = Dictionary(uniqueKeysWithValues: BuiltinActionImplementations().registrations.map { ($0.name, $0) })

    // MARK: template_enricher (C4)

    @Test func templateEnricherOnAnAlertSeesItsLabelsAnnotationsAndTheWholeSubject() async throws {
        let context = ActionContext()
        let event = alertEvent(
            labels: ["namespace": "prod", "pod": "web-1", "container": "app"],
            annotations: ["runbook": "rb-42", "name": "from-annotation"],
            resources: ["Pod": pod("web-1", namespace: "prod", labels: ["app": "web"])])
        try await actions["template_enricher"]!.run(
            event,
            parameters: [
                "template":
                    "$name $namespace $node $container $kind ${subject_type} $runbook $alertname $nope ${labels.app} $$ | $labels | $annotations.x"
            ], context: context)
        let subject = FindingSubject(
            kind: "Pod", name: "web-1", namespace: "prod", node: "node-1",
            labels: ["app": "web", "alertname": "KubePodCrashLooping", "namespace": "prod", "pod": "web-1", "container": "app"],
            annotations: ["runbook": "rb-42", "name": "from-annotation"])
        let labels = "{'alertname': 'KubePodCrashLooping', 'app': 'web', 'container': 'app', 'namespace': 'prod', 'pod': 'web-1'}"
        #expect(
            context.findings == [
                Finding(
                    title: "KubePodCrashLooping", description: "", severity: .info, aggregationKey: "KubePodCrashLooping",
                    source: "prometheus", subject: subject,
                    enrichments: [
                        Enrichment(blocks: [
                            .markdown(
                                "web-1 prod node-1 app pod FindingSubjectType.TYPE_POD rb-42 KubePodCrashLooping <missing> ${labels.app} $ | \(labels) | {'name': 'from-annotation', 'runbook': 'rb-42'}.x"
                            )
                        ])
                    ],
                    fingerprint: "8cc997d1e5ccb24e39cccbc63742a97fcf643571aa82bf356df9c5b613e06da7", startsAt: mayFirst)
            ])
    }

    /// (run) in C4: a Node's namespace is `None`; a kind Robusta has no subject type for gives
    /// `None` and `TYPE_NONE`; the finding is the plain default one.
    @Test func templateEnricherWritesMissingValuesAsPythonDoes() async throws {
        let node = KubernetesObject(json: ["kind": "Node", "metadata": ["name": "n1", "labels": ["zone": "a", "it's": "x\"y"]]])
        let context = ActionContext()
        let template = "ns=$namespace node=$node kind=$kind type=$subject_type container=$container labels=$labels"
        try await actions["template_enricher"]!.run(
            NodeEventInstance(resource: node, node: node), parameters: ["template": .string(template)], context: context)
        #expect(
            context.findings == [
                Finding(
                    title: "Robusta notification", aggregationKey: "GenericFindingKey",
                    enrichments: [
                        Enrichment(blocks: [
                            .markdown(
                                #"ns=None node=n1 kind=node type=FindingSubjectType.TYPE_NODE container=None labels={"it's": 'x"y', 'zone': 'a'}"#
                            )
                        ])
                    ],
                    fingerprint: "453f692fcae782c51560fa189cda092c771f3bb23c23eba47126dc66ab1b8d2c")
            ])
        let ingress = KubernetesObject(json: ["kind": "Ingress", "metadata": ["name": "site", "namespace": "web"]])
        let other = ActionContext()
        try await actions["template_enricher"]!.run(
            DeploymentEventInstance(resource: ingress), parameters: ["template": "$kind $subject_type $name"], context: other)
        #expect(other.findings.first?.enrichments == [Enrichment(blocks: [.markdown("None FindingSubjectType.TYPE_NONE site")])])
    }

    // MARK: statefulset_replicas_enricher (C8)

    @Test func statefulSetCountsItDoesNotHaveAreNone() async throws {
        let statefulSet = KubernetesObject(json: ["kind": "StatefulSet", "metadata": ["name": "db", "namespace": "data"], "status": [:]])
        let event = alertEvent(
            "KubeStatefulSetReplicasMismatch", labels: ["severity": "warning"],
            annotations: ["description": "StatefulSet has not matched. LABELS = map[a:b]"], resources: ["StatefulSet": statefulSet])
        let context = ActionContext()
        try await actions["default_enricher"]!.run(event, parameters: ["alert_generator_link": false], context: context)
        try await actions["statefulset_replicas_enricher"]!.run(event, parameters: nil, context: context)
        let subject = FindingSubject(
            kind: "StatefulSet", name: "db", namespace: "data",
            labels: ["alertname": "KubeStatefulSetReplicasMismatch", "severity": "warning"],
            annotations: ["description": "StatefulSet has not matched. LABELS = map[a:b]"])
        #expect(
            context.findings == [
                Finding(
                    title: "KubeStatefulSetReplicasMismatch",
                    description:
                        "StatefulSet has not matched.  None out of None replicas were created for this Statefulset. No replicas are ready.",
                    severity: .low, aggregationKey: "KubeStatefulSetReplicasMismatch", source: "prometheus", subject: subject,
                    enrichments: [
                        Enrichment(
                            title: "Alert labels",
                            blocks: [
                                .table(
                                    headers: ["label", "value"],
                                    rows: [["alertname", "KubeStatefulSetReplicasMismatch"], ["severity", "warning"]],
                                    name: "*Alert labels*")
                            ], type: "alert_labels")
                    ],
                    fingerprint: SHA256.hex(
                        "FindingSubjectType.TYPE_STATEFULSET,db,data,None,prometheusKubeStatefulSetReplicasMismatch"),
                    startsAt: mayFirst)
            ])
    }

    // MARK: default_enricher (C4)

    /// The graph link only for an http(s) URL with a host; the labels table named and typed as
    /// Robusta's, even for an alert whose labels are only its name.
    @Test func defaultEnricherLinksOnlyWebURLs() async throws {
        for url in ["prometheus:9090/graph", "ftp://p/g", "http:///graph", "not a url"] {
            let context = ActionContext()
            try await actions["default_enricher"]!.run(alertEvent(generatorURL: url), parameters: nil, context: context)
            #expect(
                context.findings.first?.enrichments == [
                    Enrichment(
                        title: "Alert labels",
                        blocks: [
                            .table(headers: ["label", "value"], rows: [["alertname", "KubePodCrashLooping"]], name: "*Alert labels*")
                        ],
                        type: "alert_labels")
                ], "\(url)")
        }
        let linked = ActionContext()
        try await actions["default_enricher"]!.run(alertEvent(generatorURL: "HTTPS://p:9090/g?x=1"), parameters: nil, context: linked)
        #expect(
            linked.findings.first?.enrichments.first
                == Enrichment(title: "Links", blocks: [.markdown("[View Graph](HTTPS://p:9090/g?x=1)")]))
    }

    // MARK: create_event_finding, warning_events_report (C5)

    @Test func createEventFindingIsRobustasWholeFinding() async throws {
        let context = ActionContext()
        try await actions["create_event_finding"]!.run(
            kubernetesEvent(reason: "BackOff", name: "p1", namespace: "default"), parameters: ["aggregation_key": "PodBackOff"],
            context: context)
        #expect(
            context.findings == [
                Finding(
                    title: "BackOff Warning for Pod default/p1", description: "Back-off restarting failed container", severity: .debug,
                    aggregationKey: "PodBackOff", source: "kubernetes_api_server",
                    subject: FindingSubject(kind: "Pod", name: "p1", namespace: "default"),
                    fingerprint: "c4ed7fcc803ec8387e51c35362d84585ee0062042958a0f7186be0702198d6da")
            ])
    }

    /// (run) in C5: `vol $kind $name $namespace $node` gives `vol Node n1 <missing> <missing>`;
    /// names are Robusta's event template's: `$name.` is the unknown name `name.`, a braced name
    /// may hold `/` and `-`.
    @Test func warningEventsReportTemplatesAgainstTheObjectReference() async throws {
        let groups: JSONValue = [
            [
                "aggregation_key": "VolumeWarning", "matchers": ["FailedMount"],
                "description": "vol $kind $name $namespace $node; $name. ${labels.app.kubernetes.io/name} ${name}",
            ]
        ]
        let context = ActionContext()
        try await actions["warning_events_report"]!.run(
            kubernetesEvent(reason: "FailedMount", note: "MountVolume.SetUp failed", kind: "Node", name: "n1", namespace: nil),
            parameters: ["warning_event_groups": groups], context: context)
        #expect(
            context.findings == [
                Finding(
                    title: "FailedMount Warning for Node None/n1", description: "vol Node n1 <missing> <missing>; <missing> <missing> n1",
                    severity: .debug, aggregationKey: "VolumeWarning", source: "kubernetes_api_server",
                    subject: FindingSubject(kind: "Node", name: "n1", node: "n1"),
                    fingerprint: SHA256.hex("FindingSubjectType.TYPE_NODE,n1,None,n1,kubernetes_api_serverVolumeWarning"))
            ])
        let unmatched = ActionContext()
        try await actions["warning_events_report"]!.run(
            kubernetesEvent(reason: "Other", note: "note", kind: "Node", name: "n1", namespace: nil),
            parameters: ["warning_event_groups": groups], context: unmatched)
        #expect(
            unmatched.findings == [
                Finding(
                    title: "Other Warning for Node None/n1", description: "note", severity: .debug,
                    aggregationKey: "KubernetesWarningEvent",
                    source: "kubernetes_api_server", subject: FindingSubject(kind: "Node", name: "n1", node: "n1"),
                    fingerprint: "501df4cc411af887b7304e6d203423422097a7f23aa9a4012d4fde20b647815c")
            ])
    }

    // MARK: daemonset_status_enricher (C8)

    @Test func daemonSetWithoutANameIsNone() async throws {
        let daemonSet = KubernetesObject(json: ["kind": "DaemonSet", "status": ["desiredNumberScheduled": 2, "numberMisscheduled": 0]])
        let context = ActionContext()
        try await actions["daemonset_status_enricher"]!.run(DaemonSetEventInstance(daemonSet: daemonSet), parameters: nil, context: context)
        #expect(
            context.findings == [
                Finding(
                    title: "Robusta notification", aggregationKey: "GenericFindingKey",
                    enrichments: [
                        Enrichment(blocks: [
                            .markdown("*Daemonset Stats for None*"),
                            .table(
                                headers: ["field", "value"],
                                rows: [
                                    ["status.desiredNumberScheduled", "2"], ["status.currentNumberScheduled", "None"],
                                    ["status.numberAvailable", "None"], ["status.numberMisscheduled", "0"],
                                ]),
                            .markdown(
                                "_Daemonset lifecycle: pods start out as desired, then get scheduled, and then become available. If Kubernetes then decides a pod shouldn't be running on a node after all, it becomes misscheduled._"
                            ),
                        ])
                    ])
            ])
    }

    // MARK: Default findings (A.5) and the babysitter's subject (C2)

    @Test func defaultFindingsAreRobustasWholeFindings() {
        #expect(
            DefaultFinding.of(ScheduledExecutionEventInstance(recurrence: 2))
                == Finding(
                    title: "General scheduled task", aggregationKey: "GeneralScheduledTask",
                    fingerprint: "4830d11067ca06149a3ec1ecf7f8be1a8bd72d95199401ac603ebbfb8acefcdb"))
        #expect(
            DefaultFinding.of(PodChangeEventInstance(change: KubernetesChange(operation: .update, kind: "Pod", object: pod("web-1"))))
                == Finding(
                    title: "Update to pod web-1", aggregationKey: "GenericChange",
                    fingerprint: "148ba8a05372a445da1cd623ceb9bf8a0a4b09abe20c05f9c497cc54ca648624"))
        #expect(
            DefaultFinding.of(ExecutionBaseEventInstance())
                == Finding(
                    title: "Robusta notification", aggregationKey: "GenericFindingKey",
                    fingerprint: "453f692fcae782c51560fa189cda092c771f3bb23c23eba47126dc66ab1b8d2c"))
        // An alert without a description annotation is described by "".
        let resolved = alertEvent(status: "RESOLVED", endsAt: "2024-05-01T13:00:00Z", fingerprint: "abc")
        #expect(
            DefaultFinding.forAlert(resolved)
                == Finding(
                    title: "[RESOLVED] KubePodCrashLooping", description: "", aggregationKey: "KubePodCrashLooping", source: "prometheus",
                    subject: FindingSubject(name: "Unresolved", labels: ["alertname": "KubePodCrashLooping"]), fingerprint: "abc",
                    startsAt: mayFirst, endsAt: Date(timeIntervalSince1970: 1_714_568_400)))
    }

    /// C2: the babysitter's subject has a node only for a Node change, so a pod's fingerprint
    /// does not depend on where it runs.
    @Test func babysitterSubjectOfAPodHasNoNode() async throws {
        let context = ActionContext()
        try await actions["resource_babysitter"]!.run(
            PodChangeEventInstance(change: KubernetesChange(operation: .create, kind: "Pod", object: pod("web-1"))), parameters: nil,
            context: context)
        let finding = try #require(context.findings.first)
        #expect(finding.subject == FindingSubject(kind: "Pod", name: "web-1", namespace: "default", labels: [:]))
        #expect(finding.fingerprint == "c6774e6476e4ca96930a38c10c1045bf27e092cd446314dbacb615e668ea63d2")
        let node = ActionContext()
        let n1 = KubernetesObject(json: ["apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1"]])
        try await actions["resource_babysitter"]!.run(
            NodeChangeEventInstance(change: KubernetesChange(operation: .create, kind: "Node", object: n1)), parameters: nil, context: node)
        #expect(node.findings.first?.subject == FindingSubject(kind: "Node", name: "n1", node: "n1"))
    }
}

/// An alert's subject as Robusta's `get_alert_subject` makes it (robusta-actions.md A.2).
@Suite struct AlertSubjectTests {
    @Test func aNodeOrHPAKeepsTheAlertsNamespaceLabelAndOnlyNodesAndPodsHaveANode() {
        let node = KubernetesObject(json: ["kind": "Node", "metadata": ["name": "n1", "labels": ["zone": "a"]]])
        #expect(
            EventSubject.of(alertEvent("KubeNodeNotReady", labels: ["namespace": "monitoring", "node": "n1"], resources: ["Node": node]))
                == FindingSubject(
                    kind: "Node", name: "n1", namespace: "monitoring", node: "n1",
                    labels: ["zone": "a", "alertname": "KubeNodeNotReady", "namespace": "monitoring", "node": "n1"]))
        let hpa = KubernetesObject(json: ["kind": "HorizontalPodAutoscaler", "metadata": ["name": "web", "namespace": "prod"]])
        #expect(
            EventSubject.of(alertEvent("KubeHpaMaxedOut", resources: ["HorizontalPodAutoscaler": hpa]))
                == FindingSubject(kind: "HorizontalPodAutoscaler", name: "web", labels: ["alertname": "KubeHpaMaxedOut"]))
        let job = KubernetesObject(json: [
            "kind": "Job", "metadata": ["name": "backup", "namespace": "ops"], "spec": ["nodeName": "not-a-pod-field"],
        ])
        #expect(
            EventSubject.of(alertEvent("KubeJobFailed", labels: ["namespace": "other"], resources: ["Job": job]))
                == FindingSubject(
                    kind: "Job", name: "backup", namespace: "ops", labels: ["alertname": "KubeJobFailed", "namespace": "other"]))
        #expect(
            EventSubject.of(
                alertEvent("KubePodCrashLooping", labels: ["namespace": "prod"], resources: ["Pod": pod("web-1", namespace: "prod")]))
                == FindingSubject(
                    kind: "Pod", name: "web-1", namespace: "prod", node: "node-1",
                    labels: ["alertname": "KubePodCrashLooping", "namespace": "prod"]))
        #expect(
            EventSubject.of(alertEvent("Watchdog", labels: ["namespace": "monitoring"]))
                == FindingSubject(
                    name: "Unresolved", namespace: "monitoring", labels: ["alertname": "Watchdog", "namespace": "monitoring"]))
    }
}
