import Foundation
import Testing

@testable import Triggerfish

/// The compiled index on its own: given a config, which playbooks are candidates for an input.
@Suite struct PlaybookIndexTests {
    func index(_ yaml: String, defaultSinks: [String] = ["main"]) throws -> PlaybookIndex {
        let schema = try PlaybookConfig.schema(addingActions: [("test.actions.yaml", EngineHarness.actionDeclarations)])
        let config = try PlaybookConfig.load(text: yaml, file: "test.yaml", schema: schema)
        return try PlaybookIndex(playbooks: config.playbooks, defaultSinks: defaultSinks)
    }

    func change(_ operation: KubernetesOperation, _ kind: String) -> KubernetesChange {
        KubernetesChange(operation: operation, kind: kind, object: object(kind, "x"))
    }

    @Test func aKindTriggerIsACandidateForItsKindAndOperationOnly() throws {
        let index = try index(
            """
            - triggers: [{on_pod_create: {}}]
              actions: [{record: {tag: create}}]
            - triggers: [{on_pod_all_changes: {}}]
              actions: [{record: {tag: all}}]
            - triggers: [{on_deployment_update: {}}]
              actions: [{record: {tag: deployment}}]
            """)
        #expect(index.candidates(for: change(.create, "Pod")) == [0, 1])
        #expect(index.candidates(for: change(.update, "Pod")) == [1])
        #expect(index.candidates(for: change(.delete, "Pod")) == [1])
        #expect(index.candidates(for: change(.update, "Deployment")) == [2])
        #expect(index.candidates(for: change(.create, "Deployment")) == [])
        #expect(index.candidates(for: change(.update, "Widget")) == [])
    }

    @Test func anyResourceTriggersAreCandidatesForEveryKindKnownOrNot() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            - triggers: [{on_kubernetes_any_resource_update: {}}]
              actions: [{record: {tag: any}}]
            """)
        #expect(index.candidates(for: change(.update, "Pod")) == [0, 1])
        #expect(index.candidates(for: change(.update, "Deployment")) == [1])
        #expect(index.candidates(for: change(.update, "Widget")) == [1])
        #expect(index.candidates(for: change(.create, "Widget")) == [])
    }

    @Test func candidatesAreInConfigOrderAndEachPlaybookOnce() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}, {on_pod_all_changes: {}}, {on_kubernetes_any_resource_update: {}}]
              actions: [{record: {tag: first}}]
            - triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 60}}}]
              actions: [{record: {tag: scheduled}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: third}}]
            """)
        #expect(index.candidates(for: change(.update, "Pod")) == [0, 2])
        #expect(index.runnables.count == 3)
        #expect(
            index.runnables[0].kubernetesTriggers.map(\.key) == [
                "on_pod_update", "on_pod_all_changes", "on_kubernetes_any_resource_update",
            ])
    }

    /// What the alert filters see of an alert named `name` with these labels.
    func alert(_ name: String, labels: [String: String] = [:]) -> AlertFilters.Subject {
        AlertFilters.Subject(
            PrometheusAlert(status: "firing", labels: labels.merging(["alertname": name]) { _, name in name }), provider: "")
    }

    /// Of 400 playbooks on one alert name, those whose pod name or namespace prefix the alert has.
    @Test func alertPlaybooksOfOneNameAreFoundByPodAndNamespacePrefix() throws {
        var yaml = ""
        for index in 0..<200 {
            yaml += "- triggers: [{on_prometheus_alert: {alert_name: A, pod_name_prefix: p\(index), namespace_prefix: x}}]\n"
            yaml += "  actions: [{record: {tag: t}}]\n"
            yaml += "- triggers: [{on_prometheus_alert: {alert_name: A, namespace_prefix: n\(index)}}]\n  actions: [{record: {tag: t}}]\n"
        }
        yaml += "- triggers: [{on_prometheus_alert: {alert_name: A}}]\n  actions: [{record: {tag: a}}]\n"
        yaml += "- triggers: [{on_prometheus_alert: {namespace_prefix: n4}}]\n  actions: [{record: {tag: any}}]\n"
        let index = try index(yaml)
        #expect(index.candidates(for: alert("A", labels: ["pod": "p42-0", "namespace": "n42"])) == [8, 9, 84, 85, 400, 401])
        #expect(index.candidates(for: alert("A", labels: ["namespace": "n1"])) == [3, 400])
        #expect(index.candidates(for: alert("A")) == [400])
        #expect(index.candidates(for: alert("B", labels: ["pod": "p4", "namespace": "n4"])) == [401])
    }

    @Test func manyPlaybooksAreFoundThroughTheIndexNotByScanning() throws {
        var yaml = ""
        for index in 0..<500 { yaml += "- triggers: [{on_deployment_update: {name_prefix: d\(index)}}]\n  actions: [{record: {tag: t}}]\n" }
        yaml += "- triggers: [{on_pod_create: {}}]\n  actions: [{record: {tag: pod}}]\n"
        yaml += "- triggers: [{on_kubernetes_any_resource_all_changes: {}}]\n  actions: [{record: {tag: any}}]\n"
        yaml += "- triggers: [{on_prometheus_alert: {alert_name: A}}]\n  actions: [{record: {tag: a}}]\n"
        yaml += "- triggers: [{on_prometheus_alert: {}}]\n  actions: [{record: {tag: all}}]\n"
        let index = try index(yaml)
        #expect(index.candidates(for: change(.create, "Pod")) == [500, 501])
        #expect(index.candidates(for: change(.update, "Pod")) == [501])
        #expect(index.candidates(for: change(.update, "Widget")) == [501])
        // Only the name prefixes the object's name has: d4 and d42, not the other 498.
        let d42 = KubernetesChange(operation: .update, kind: "Deployment", object: object("Deployment", "d42-web"))
        #expect(index.candidates(for: d42) == [4, 42, 501])
        #expect(index.candidates(for: change(.update, "Deployment")) == [501])
        #expect(index.candidates(for: alert("A")) == [502, 503])
        #expect(index.candidates(for: alert("B")) == [503])
    }

    @Test func theObjectIndexFindsEveryPlaybookWhoseTriggerCanFireAndNoneThatCannot() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {name_prefix: web}}]
              actions: [{record: {tag: name}}]
            - triggers: [{on_pod_update: {namespace_prefix: prod}}]
              actions: [{record: {tag: namespace}}]
            - triggers: [{on_pod_update: {labels_selector: "team=shop,tier=front"}}]
              actions: [{record: {tag: label}}]
            - triggers: [{on_pod_update: {labels_selector: "team="}}]
              actions: [{record: {tag: empty label}}]
            - triggers: [{on_pod_update: {name_prefix: "wé"}}]
              actions: [{record: {tag: non-ASCII prefix}}]
            - triggers: [{on_pod_update: {name_prefix: db}}, {on_pod_update: {namespace_prefix: prod}}]
              actions: [{record: {tag: two triggers}}]
            - triggers: [{on_pod_update: {name_prefix: web-frontend-long}}]
              actions: [{record: {tag: longer prefix}}]
            """)
        func candidates(_ name: String, _ namespace: String?, _ labels: [String: String] = [:]) -> [Int] {
            index.candidates(
                for: KubernetesChange(operation: .update, kind: "Pod", object: object("Pod", name, namespace: namespace, labels: labels)))
        }
        // A label "team=" also matches a pod without the label, and the non-ASCII prefix is
        // checked by its trigger, so both are candidates for every pod.
        #expect(candidates("api", "dev") == [3, 4])
        #expect(candidates("web-1", "dev") == [0, 3, 4])
        #expect(candidates("web-frontend-long-2", "dev") == [0, 3, 4, 6])
        #expect(candidates("we", "dev") == [3, 4])
        #expect(candidates("db-0", "dev") == [3, 4, 5])
        #expect(candidates("api", "production") == [1, 3, 4, 5])
        #expect(candidates("api", nil) == [3, 4])
        #expect(candidates("api", "dev", ["team": "shop"]) == [2, 3, 4])
        #expect(candidates("api", "dev", ["team": "other"]) == [3, 4])
        // A name that is cut inside a character at a prefix's length: no lookup goes wrong.
        #expect(candidates("wéb", "dev") == [3, 4])
    }

    /// Random configs and objects from small alphabets, so prefixes, namespaces and labels often
    /// collide: every playbook one of whose triggers accepts the change is a candidate.
    @Test func candidatesAreASupersetOfThePlaybooksThatAccept() throws {
        var random = SplitMix64(seed: 20_261_203)
        func pick(_ count: Int) -> Int { Int.random(in: 0..<count, using: &random) }
        let names = ["a", "ab", "abc", "b", "ba", "é", "aé", ""]
        let triggers = [
            "on_pod_update", "on_pod_create", "on_pod_all_changes", "on_deployment_update", "on_kubernetes_any_resource_update",
        ]
        for _ in 0..<40 {
            var yaml = ""
            for _ in 0..<30 {
                var filters: [String] = []
                if pick(3) == 0 { filters.append("name_prefix: \"\(names[pick(names.count)])\"") }
                if pick(3) == 0 { filters.append("namespace_prefix: \"\(names[pick(names.count)])\"") }
                if pick(3) == 0 { filters.append("labels_selector: \"k=\(["x", "y", ""][pick(3)])\"") }
                let trigger = "{\(triggers[pick(triggers.count)]): {\(filters.joined(separator: ", "))}}"
                let second = pick(4) == 0 ? ", {on_pod_update: {name_prefix: \"\(names[pick(names.count)])\"}}" : ""
                yaml += "- triggers: [\(trigger)\(second)]\n  actions: [{record: {tag: t}}]\n"
            }
            let index = try index(yaml)
            for _ in 0..<50 {
                let labels = pick(2) == 0 ? ["k": ["x", "y", ""][pick(3)]] : [:]
                let namespace = pick(4) == 0 ? nil : names[pick(names.count)] + "ns"
                let change = KubernetesChange(
                    operation: [.create, .update][pick(2)], kind: ["Pod", "Deployment"][pick(2)],
                    object: object("Pod", names[pick(names.count)] + "-1", namespace: namespace, labels: labels))
                let accepting = index.runnables.indices.filter { playbook in
                    index.runnables[playbook].kubernetesTriggers.contains {
                        $0.type.listens(to: change) && $0.filters.accepts(change.object)
                    }
                }
                let candidates = index.candidates(for: change)
                #expect(Set(accepting).isSubset(of: candidates), "\(yaml)\n\(change.kind) \(change.operation) \(change.object.json)")
                #expect(candidates == candidates.sorted() && Set(candidates).count == candidates.count)
            }
        }
    }

    /// Random alert playbooks and alerts from small alphabets, so names and prefixes often
    /// collide: every playbook one of whose triggers accepts the alert is a candidate, and one
    /// whose pod name or namespace prefix the alert lacks is not looked at.
    @Test func alertCandidatesAreASupersetOfThePlaybooksThatAccept() throws {
        var random = SplitMix64(seed: 20_261_205)
        func pick(_ count: Int) -> Int { Int.random(in: 0..<count, using: &random) }
        let names = ["A", "B", "AB"]
        let prefixes = ["a", "ab", "abc", "b", "é", "aé", ""]
        var skipped = 0
        for _ in 0..<40 {
            var yaml = ""
            for _ in 0..<30 {
                var filters: [String] = []
                if pick(4) != 0 { filters.append("alert_name: \(names[pick(names.count)])") }
                if pick(2) == 0 { filters.append("pod_name_prefix: \"\(prefixes[pick(prefixes.count)])\"") }
                if pick(2) == 0 { filters.append("namespace_prefix: \"\(prefixes[pick(prefixes.count)])\"") }
                if pick(4) == 0 { filters.append("status: \(["firing", "resolved", "all"][pick(3)])") }
                let second = pick(4) == 0 ? ", {on_prometheus_alert: {alert_name: \(names[pick(names.count)])}}" : ""
                yaml +=
                    "- triggers: [{on_prometheus_alert: {\(filters.joined(separator: ", "))}}\(second)]\n  actions: [{record: {tag: t}}]\n"
            }
            let index = try index(yaml)
            for _ in 0..<50 {
                var labels: [String: String] = [:]
                if pick(6) != 0 { labels["alertname"] = (names + ["C"])[pick(names.count + 1)] }
                if pick(4) != 0 { labels["pod"] = prefixes[pick(prefixes.count)] + "-1" }
                if pick(4) != 0 { labels["namespace"] = prefixes[pick(prefixes.count)] + "ns" }
                let subject = AlertFilters.Subject(PrometheusAlert(status: ["firing", "resolved"][pick(2)], labels: labels), provider: "")
                let accepting = index.runnables.indices.filter { playbook in
                    index.runnables[playbook].alertTriggers.contains { $0.accepts(subject) }
                }
                let candidates = index.candidates(for: subject)
                #expect(Set(accepting).isSubset(of: candidates), "\(yaml)\n\(labels)")
                #expect(candidates == candidates.sorted() && Set(candidates).count == candidates.count)
                let withTheirName = index.runnables.indices.filter { playbook in
                    index.runnables[playbook].alertTriggers.contains { [nil, subject.alertName].contains($0.parameters.alertName) }
                }
                skipped += withTheirName.count - candidates.count
            }
        }
        // The prefixes keep playbooks of the alert's name from being looked at.
        #expect(skipped > 5_000, "\(skipped)")
    }

    /// An object's candidate lists (each ascending) are merged into one ascending list without
    /// repeats, as hashing them into a set and sorting would give.
    @Test func candidateListsMergeIntoConfigOrderWithoutRepeats() {
        var random = SplitMix64(seed: 20_261_204)
        for _ in 0..<500 {
            let lists = (0..<(2 + Int(random.next() % 4))).map { _ in
                Array(Set((0..<Int(random.next() % 8)).map { _ in Int(random.next() % 20) })).sorted()
            }
            #expect(ObjectIndex.merged(lists) == Array(Set(lists.joined())).sorted(), "\(lists)")
        }
    }

    /// The prefix trie hands over the playbooks of every filed prefix the text's bytes start with,
    /// shortest first, as testing each prefix with `starts(with:)` would: generated prefix sets
    /// that share stems, and texts that have them, stop inside them, go past them or leave ASCII.
    @Test func thePrefixTrieFindsEachPrefixTheTextHasShortestFirst() {
        var random = SplitMix64(seed: 20_261_205)
        let pieces = ["a", "ab", "b", "-", "web", "w", "shop-", "é", "z"]
        func text(_ count: Int) -> String { (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined() }
        for _ in 0..<400 {
            var byPrefix: [String: [Int]] = [:]
            for playbook in 0..<Int(1 + random.next() % 12) {
                let prefix = text(Int(1 + random.next() % 4))
                guard PrefixIndex.canFile(prefix) else { continue }
                byPrefix[prefix, default: []].append(playbook)
                if random.next() % 4 == 0 { byPrefix[prefix, default: []].append(playbook) }
            }
            let trie = PrefixIndex(byPrefix)
            #expect(trie.isEmpty == byPrefix.isEmpty)
            for _ in 0..<10 {
                let name =
                    random.next() % 3 == 0 ? (byPrefix.keys.randomElement(using: &random) ?? "") + text(2) : text(Int(random.next() % 6))
                var found = ObjectIndex.Lists()
                trie.matches(name, into: &found)
                let expected = byPrefix.filter { name.utf8.starts(with: $0.key.utf8) }.sorted { $0.key.utf8.count < $1.key.utf8.count }
                    .map { Array(Set($0.value)).sorted() }
                #expect(([found.first].compactMap { $0 } + (found.more?.dropFirst() ?? [])) == expected, "\(name) in \(byPrefix)")
            }
        }
    }

    @Test func alertPlaybooksAreFoundByAlertNameAndThoseWithoutOneTakeEveryAlert() throws {
        let index = try index(
            """
            - triggers: [{on_prometheus_alert: {}}]
              actions: [{record: {tag: every}}]
            - triggers: [{on_prometheus_alert: {alert_name: KubePodCrashLooping}}, {on_prometheus_alert: {alert_name: Other}}]
              actions: [{record: {tag: named}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            - triggers: [{on_prometheus_alert: {alert_name: KubePodCrashLooping}}]
              actions: [{record: {tag: again}}]
            """)
        #expect(index.hasAlertPlaybooks)
        #expect(index.candidates(for: alert("KubePodCrashLooping")) == [0, 1, 3])
        #expect(index.candidates(for: alert("Other")) == [0, 1])
        #expect(index.candidates(for: alert("Unheard")) == [0])
        #expect(index.runnables[1].alertTriggers.count == 2)
        #expect(index.candidates(for: change(.update, "Pod")) == [2])
    }

    @Test func withoutAlertPlaybooksObjectsNeedNotBeKept() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            """)
        #expect(!index.hasAlertPlaybooks)
        #expect(index.candidates(for: alert("Any")) == [])
    }

    @Test func scheduledPlaybooksAreNoInputsCandidates() throws {
        let index = try index(
            """
            - name: tick
              triggers: [{on_schedule: {fixed_delay_repeat: {seconds_delay: 600}}}]
              actions: [{record: {tag: tick}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: pod}}]
            """)
        #expect(index.scheduledPlaybooks.map(\.displayName) == ["tick"])
        #expect(index.candidates(for: change(.update, "Pod")) == [1])
    }

    @Test func aPlaybookWithoutSinksGoesToTheDefaultSinks() throws {
        let index = try index(
            """
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: a}}]
            - triggers: [{on_pod_update: {}}]
              actions: [{record: {tag: b}}]
              sinks: [audit, pager]
            """, defaultSinks: ["main", "slack"])
        #expect(index.runnables.map(\.sinks) == [["main", "slack"], ["audit", "pager"]])
    }

    @Test func smartTriggersAreCompiledWithTheirConditionOthersWithout() throws {
        let index = try index(
            """
            - triggers: [{on_pod_crash_loop: {restart_count: 3}}, {on_pod_update: {}}]
              actions: [{record: {tag: a}}]
            - triggers: [{on_kubernetes_resource_operation: {resources: [deployment]}}]
              actions: [{record: {tag: b}}]
            """)
        #expect(index.runnables[0].kubernetesTriggers.map { $0.condition != nil } == [true, false])
        #expect(index.runnables[1].kubernetesTriggers[0].condition?.changeFilters != nil)
    }
}
