import Foundation
import Testing

@testable import _TriggerfishCore
@testable import _TriggerfishGenerator

/// What the generated reference docs say, checked against the schema they come from: small diagrams,
/// the kinds as a table, compatibility per action and per trigger (and as JSON), and the sinks.
@Suite struct DocsEmitterTests {
    static let schema = Result { try CoreFixtures.schema() }
    static let docs = Result {
        try Dictionary(uniqueKeysWithValues: DocsEmitter(schema: schema.get()).files().map { ($0.name, $0.contents) })
    }

    func schema() throws -> Schema { try Self.schema.get() }

    func doc(_ name: String) throws -> String {
        try #require(try Self.docs.get()[name], "the emitter produces no \(name)")
    }

    func lines(_ name: String) throws -> [String] {
        try doc(name).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The Mermaid blocks of a Markdown file, each as its lines without the fences.
    func diagrams(_ name: String) throws -> [[String]] {
        var result: [[String]] = []
        var current: [String]?
        for line in try lines(name) {
            if line == "```mermaid" {
                current = []
            } else if line == "```", let block = current {
                result.append(block)
                current = nil
            } else {
                current?.append(line)
            }
        }
        return result
    }

    /// The boxes of a class diagram: every class named in an edge or declared alone.
    func boxes(_ diagram: [String]) -> Set<String> {
        var names: Set<String> = []
        for line in diagram {
            let words = line.split(separator: " ").map(String.init)
            if words.count == 3 && words[1] == "<|--" {
                names.formUnion([words[0], words[2]])
            } else if words.count == 2 && words[0] == "class" {
                names.insert(words[1])
            }
        }
        return names
    }

    /// The lines of the section under `heading` (a whole line), up to the next heading of its level or higher.
    func section(_ heading: String, in name: String) throws -> [String] {
        let all = try lines(name)
        let start = try #require(all.firstIndex(of: heading), "\(name) has no line '\(heading)'")
        let level = heading.prefix { $0 == "#" }.count
        let rest = all[(start + 1)...]
        let end =
            rest.firstIndex { line in
                let hashes = line.prefix { $0 == "#" }.count
                return hashes > 0 && hashes <= level && line.dropFirst(hashes).hasPrefix(" ")
            } ?? all.endIndex
        return Array(all[(start + 1)..<end])
    }

    /// The names in backticks on a line, without the `*` that marks an action not implemented yet.
    func codeNames(_ line: String) -> [String] {
        line.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
    func slug(_ heading: String) -> String {
        String(
            heading.lowercased().unicodeScalars.compactMap { scalar -> Character? in
                if scalar == " " { return "-" }
                let character = Character(scalar)
                return character.isLetter || character.isNumber || character == "-" || character == "_" ? character : nil
            })
    }

    @Test func theEmitterProducesTheFilesItNames() throws {
        #expect(try Self.docs.get().keys.sorted() == DocsEmitter.fileNames.sorted())
        #expect(DocsEmitter(schema: try schema()).files().map(\.name) == DocsEmitter.fileNames)
    }

    // MARK: events.md

    @Test func theHierarchyIsOneSmallDiagramWithTheAlertsSevenParents() throws {
        let diagrams = try diagrams("events.md")
        #expect(diagrams.count == 2)
        let hierarchy = try #require(diagrams.first)
        #expect(
            boxes(hierarchy) == [
                "ExecutionBaseEvent", "KubernetesResourceEvent", "KubernetesAnyChangeEvent", "ScheduledExecutionEvent",
                "PrometheusKubernetesAlert", "PodEvent", "NodeEvent", "DeploymentEvent", "JobEvent", "DaemonSetEvent", "StatefulSetEvent",
                "HorizontalPodAutoscalerEvent",
            ])
        let alertParents = try #require(try schema().event(named: "PrometheusKubernetesAlert")?.parents)
        #expect(alertParents.count == 7)
        for parent in alertParents {
            #expect(hierarchy.contains("    \(parent) <|-- PrometheusKubernetesAlert"))
            #expect(hierarchy.contains("    KubernetesResourceEvent <|-- \(parent)"))
        }
        #expect(hierarchy.contains("    ExecutionBaseEvent <|-- ScheduledExecutionEvent"))
        // Edges: the three under the root, the seven kinds under KubernetesResourceEvent, the alert's seven.
        #expect(hierarchy.filter { $0.contains(" <|-- ") }.count == 17)
        #expect(!hierarchy.contains { $0.contains("ChangeEvent") && $0.contains("<|--") && !$0.contains("KubernetesAnyChangeEvent") })
    }

    @Test func thePerKindPatternIsDrawnOnce() throws {
        let pattern = try #require(try diagrams("events.md").last)
        #expect(
            pattern == [
                "classDiagram",
                "    direction LR",
                "    KubernetesResourceEvent <|-- PodEvent",
                "    PodEvent <|-- PodChangeEvent",
                "    KubernetesAnyChangeEvent <|-- PodChangeEvent",
            ])
    }

    @Test func everyDiagramIsSmallAndItsEdgesAreTheSchemas() throws {
        let schema = try schema()
        for name in DocsEmitter.fileNames where name.hasSuffix(".md") {
            for diagram in try diagrams(name) {
                #expect(boxes(diagram).count <= 12, "\(name): \(boxes(diagram).count) boxes")
                for line in diagram where line.contains(" <|-- ") {
                    let words = line.split(separator: " ").map(String.init)
                    #expect(schema.event(named: words[2])?.parents.contains(words[0]) == true, "\(name): \(line)")
                }
            }
        }
    }

    @Test func theKindsAreATable() throws {
        let schema = try schema()
        let lines = try lines("events.md")
        #expect(lines.contains("| Kind, apiVersion | Events | Triggers |"))
        #expect(
            lines.contains(
                "| **Pod**<br>`v1`, namespaced | <a id=\"podevent\"></a>PodEvent<br><a id=\"podchangeevent\"></a>PodChangeEvent | [`on_pod_create`](triggers.md#on_pod_create), [`on_pod_update`](triggers.md#on_pod_update), [`on_pod_delete`](triggers.md#on_pod_delete), [`on_pod_all_changes`](triggers.md#on_pod_all_changes) |"
            ))
        #expect(
            lines.contains(
                "| **Node**<br>`v1`, not namespaced | <a id=\"nodeevent\"></a>NodeEvent<br><a id=\"nodechangeevent\"></a>NodeChangeEvent | [`on_node_create`](triggers.md#on_node_create), [`on_node_update`](triggers.md#on_node_update), [`on_node_delete`](triggers.md#on_node_delete), [`on_node_all_changes`](triggers.md#on_node_all_changes) |"
            ))
        let rows = lines.filter { $0.hasPrefix("| **") }
        #expect(rows.count == schema.kinds.count)
        for (row, kind) in zip(rows, schema.kinds) {
            #expect(row.hasPrefix("| **\(kind.name)**<br>`\(kind.apiVersion)`, \(kind.namespaced ? "namespaced" : "not namespaced") |"))
        }
    }

    @Test func everyLinkBetweenTheDocsLandsOnAnAnchor() throws {
        let docs = try Self.docs.get()
        var anchors: [String: Set<String>] = [:]
        for (name, text) in docs where name.hasSuffix(".md") {
            for line in text.split(separator: "\n").map(String.init) {
                if line.hasPrefix("#") { anchors[name, default: []].insert(slug(String(line.drop { $0 == "#" }.dropFirst()))) }
                for piece in line.components(separatedBy: "<a id=\"").dropFirst() {
                    anchors[name, default: []].insert(String(piece.prefix { $0 != "\"" }))
                }
            }
        }
        var checked = 0
        for (name, text) in docs where name.hasSuffix(".md") {
            for piece in text.components(separatedBy: "](").dropFirst() {
                let target = piece.prefix { $0 != ")" }
                guard !target.hasPrefix("http") else { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                let file = parts[0].isEmpty ? name : parts[0]
                #expect(docs[file] != nil, "\(name) links to \(target), which the emitter does not produce")
                if parts.count == 2 {
                    #expect(anchors[file]?.contains(parts[1]) == true, "\(name) links to \(target), which has no such anchor")
                }
                checked += 1
            }
        }
        #expect(checked > 500)
    }

    // MARK: compatibility.md and compatibility.json

    @Test func compatibilityListsForEachActionTheTriggersThatCanRunIt() throws {
        let schema = try schema()
        let part = try section("## For each action, the triggers that can run it", in: "compatibility.md")
        for action in schema.actions {
            let heading = "### Actions accepting \(action.event)"
            let group = try section(heading, in: "compatibility.md")
            #expect(part.contains(heading))
            let names = codeNames(try #require(group.first { $0.hasPrefix("Actions (") }))
            #expect(names.contains(action.name), "\(action.name) is not listed under '\(heading)'")
            let triggers = group.filter { $0.hasPrefix("- ") }.flatMap(codeNames)
            #expect(triggers.sorted() == schema.compatibleTriggers(for: action).map(\.key).sorted(), "\(action.name)")
        }
        // Every action is listed in exactly one group.
        let listed = part.filter { $0.hasPrefix("Actions (") }.flatMap(codeNames)
        #expect(listed.sorted() == schema.actions.map(\.name).sorted())
    }

    @Test func compatibilityListsForEachTriggerTheActionsItCanRun() throws {
        let schema = try schema()
        let part = try section("## For each trigger, the actions it can run", in: "compatibility.md")
        for trigger in schema.triggers {
            let group = try section("### Triggers producing \(trigger.event)", in: "compatibility.md")
            let names = codeNames(try #require(group.first { $0.hasPrefix("Triggers (") }))
            #expect(names.contains(trigger.key), "\(trigger.key)")
            let actions = group.filter { $0.hasPrefix("- ") }.flatMap(codeNames)
            let expected = schema.actions.filter { schema.isCompatible(trigger: trigger, action: $0) }.map(\.name)
            #expect(actions.sorted() == expected.sorted(), "\(trigger.key)")
        }
        let listed = part.filter { $0.hasPrefix("Triggers (") }.flatMap(codeNames)
        #expect(listed.sorted() == schema.triggers.map(\.key).sorted())
    }

    @Test func compatibilityIsGroupedAndNoLongerAMatrix() throws {
        let lines = try lines("compatibility.md")
        #expect(!lines.contains { $0.contains("✓") })
        #expect(
            lines.contains(
                "Actions (2): `resource_babysitter`, `resource_events_diff`."
            ))
        #expect(
            lines.contains(
                "- [PodChangeEvent](events.md#podchangeevent): `on_pod_crash_loop`, `on_image_pull_backoff`, `on_pod_oom_killed`, `on_container_oom_killed`, `on_pod_evicted`, `on_pod_create`, `on_pod_update`, `on_pod_delete`, `on_pod_all_changes`"
            ))
        #expect(
            lines.contains(
                "They produce [ScheduledExecutionEvent](events.md#scheduledexecutionevent), so they can run these actions (6), by the event they accept:"
            ))
    }

    @Test func theJSONMatrixIsIsCompatibleForEveryPair() throws {
        let schema = try schema()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(try doc("compatibility.json").utf8)) as? [String: Any])
        let triggers = try #require(object["triggers"] as? [String: [String: Any]])
        let actions = try #require(object["actions"] as? [String: [String: Any]])
        #expect(triggers.keys.sorted() == schema.triggers.map(\.key).sorted())
        #expect(actions.keys.sorted() == schema.actions.map(\.name).sorted())
        var pairs = 0
        for trigger in schema.triggers {
            let entry = try #require(triggers[trigger.key])
            #expect(entry["event"] as? String == trigger.event)
            let runs = Set(try #require(entry["actions"] as? [String]))
            for action in schema.actions {
                let canRun = try #require(actions[action.name]?["triggers"] as? [String]).contains(trigger.key)
                let compatible = schema.isCompatible(trigger: trigger, action: action)
                #expect(runs.contains(action.name) == compatible, "\(trigger.key) × \(action.name)")
                #expect(canRun == compatible, "\(action.name) × \(trigger.key)")
                pairs += 1
            }
        }
        #expect(pairs == schema.triggers.count * schema.actions.count)
        for action in schema.actions {
            let entry = try #require(actions[action.name])
            #expect(entry["event"] as? String == action.event)
            #expect(entry["implemented"] as? Bool == action.isImplemented)
            #expect(entry["manual_trigger"] as? Bool == schema.isManuallyTriggerable(action))
        }
    }

    @Test func theValidatorPointsAtADocThatListsTheCompatibleTriggers() throws {
        let diagnostics = try CoreFixtures.validate(
            """
            - triggers:
                - on_prometheus_alert: {}
              actions:
                - resource_babysitter: {}
            """)
        let message = try #require(diagnostics.first)
        let pointer = try #require(message.components(separatedBy: "(see docs/").last?.components(separatedBy: ")").first)
        #expect(pointer == "compatibility.md")
        #expect(try lines(pointer).contains("### Actions accepting KubernetesAnyChangeEvent"))
    }

    // MARK: sinks.md

    @Test func sinksListEveryTypeWithItsParametersAndWhetherItDelivers() throws {
        let schema = try schema()
        let lines = try lines("sinks.md")
        #expect(lines.contains("22 sink types validate; 3 of them deliver findings: `console_sink`, `file_sink` and `webhook_sink`."))
        #expect(lines.contains("| [`console_sink`](#console_sink) | yes | — | — |"))
        #expect(
            lines.contains(
                "| [`webhook_sink`](#webhook_sink) | yes | `url` | `size_limit`, `authorization`, `format`, `slack_webhook`, `timeout_seconds`, `retries`, `concurrent_requests` |"
            ))
        #expect(
            lines.contains(
                "| [`slack_sink`](#slack_sink) | no | `api_key`, `slack_channel` | `channel_override`, `max_log_file_limit_kb`, `investigate_link` |"
            ))
        let rows = lines.filter { $0.hasPrefix("| [`") }
        #expect(rows.count == schema.sinks.count)
        for (row, sink) in zip(rows, schema.sinks) {
            #expect(row.hasPrefix("| [`\(sink.key)`](#\(sink.key)) | \(sink.delivers ? "yes" : "no") | "), "\(row)")
            let section = try section("## \(sink.key)", in: "sinks.md")
            #expect(
                section.contains(
                    sink.delivers
                        ? "Delivers: yes. Triggerfish sends findings to it."
                        : "Delivers: no. Triggerfish validates it and routes findings to it, but does not send them yet."),
                "\(sink.key)")
            for parameter in sink.parameters {
                #expect(codeNames(row).contains(parameter.name), "\(sink.key).\(parameter.name) is not in its row")
                #expect(section.contains { $0.hasPrefix("| `\(parameter.name)` | `\(parameter.type)`") }, "\(sink.key).\(parameter.name)")
            }
            if sink.parameters.isEmpty { #expect(section.contains("No parameters of its own.")) }
        }
        let shared = try section("## Parameters of every sink", in: "sinks.md")
        for parameter in schema.sinkBaseParameters {
            #expect(shared.contains { $0.hasPrefix("| `\(parameter.name)` | `\(parameter.type)`") }, "\(parameter.name)")
        }
        #expect(
            shared.contains(
                "| `name` | `string` | **required** | Name of the sink, unique among all sinks; playbooks list sinks by this name. |"))
    }
}
