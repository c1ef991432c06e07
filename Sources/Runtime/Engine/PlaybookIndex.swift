import _TriggerfishCore

/// A config's playbooks compiled for dispatch, once at engine start: each playbook's triggers
/// with their parameters decoded (filters, smart-trigger conditions, alert filters) and its sinks
/// resolved, and the candidate playbooks of an input by Kubernetes kind and operation and by alert
/// name, in config order. A value: given a config, which playbooks can an input fire.
struct PlaybookIndex: Sendable {
    /// A Kubernetes trigger of a playbook, with its parameters decoded. A class, so the hot path
    /// reads it through one reference instead of copying its fields.
    final class KubernetesTriggerRuntime: Sendable {
        let key: String
        let type: any KubernetesTrigger.Type
        let filters: KubernetesFilters
        let condition: TriggerCondition?

        init(key: String, type: any KubernetesTrigger.Type, filters: KubernetesFilters, condition: TriggerCondition?) {
            self.key = key
            self.type = type
            self.filters = filters
            self.condition = condition
        }
    }

    /// A playbook as the executor runs it; a class for the same reason.
    final class Runnable: Sendable {
        let playbook: PlaybookConfig.Playbook
        let kubernetesTriggers: [KubernetesTriggerRuntime]
        let alertTriggers: [AlertFilters]
        /// The playbook's `sinks`, or the config's default sinks when it names none.
        let sinks: [String]
        /// ``PlaybookConfig/Playbook/displayName``, made once.
        let displayName: String

        init(
            playbook: PlaybookConfig.Playbook, kubernetesTriggers: [KubernetesTriggerRuntime], alertTriggers: [AlertFilters],
            sinks: [String]
        ) {
            self.playbook = playbook
            self.displayName = playbook.displayName
            self.kubernetesTriggers = kubernetesTriggers
            self.alertTriggers = alertTriggers
            self.sinks = sinks
        }
    }

    /// Every playbook of the config, in config order (candidates are indexes into it).
    let runnables: [Runnable]
    /// Kubernetes playbooks by kind, then by operation; kinds without an entry use `anyKindIndex`.
    let kubernetesIndex: [String: [KubernetesOperation: ObjectIndex]]
    let anyKindIndex: [KubernetesOperation: ObjectIndex]
    /// Alert playbooks by the `alert_name` their triggers require (each name's index also holds
    /// `anyAlert`'s triggers), then by their pod name or namespace prefix; `anyAlert` files the
    /// triggers that take any alert name.
    let alertIndex: [String: ObjectIndex]
    let anyAlert: ObjectIndex
    /// Whether any playbook takes alerts (objects are kept for resolving alerts only then).
    let hasAlertPlaybooks: Bool
    /// Playbooks triggered only by `on_schedule` (the scheduler runs them, not inputs).
    let scheduledPlaybooks: [PlaybookConfig.Playbook]

    /// - Parameter defaultSinks: the sinks of a playbook that names none.
    init(playbooks: [PlaybookConfig.Playbook], defaultSinks: [String]) throws(ConfigLoadError) {
        let triggerTypes = Dictionary(TriggerCatalog.all.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var problems: [Diagnostic] = []
        var runnables: [Runnable] = []
        var scheduled: [PlaybookConfig.Playbook] = []
        for playbook in playbooks {
            var kubernetes: [KubernetesTriggerRuntime] = []
            var alerts: [AlertFilters] = []
            for trigger in playbook.triggers {
                let path = trigger.key
                do throws(ParameterError) {
                    guard let type = triggerTypes[trigger.key] else {
                        throw ParameterError(path: path, message: "is not a trigger this runtime knows")
                    }
                    if let kubernetesType = type as? any KubernetesTrigger.Type {
                        kubernetes.append(try Self.kubernetesTrigger(kubernetesType, trigger: trigger, path: path))
                    } else if type == OnPrometheusAlert.self {
                        alerts.append(try AlertFilters(parameters: trigger.parameters, scope: trigger.scope, path: path))
                    }
                } catch {
                    problems.append(.error(trigger.location, "\(error)"))
                }
            }
            if kubernetes.isEmpty && alerts.isEmpty { scheduled.append(playbook) }
            runnables.append(
                Runnable(
                    playbook: playbook, kubernetesTriggers: kubernetes, alertTriggers: alerts, sinks: playbook.sinks ?? defaultSinks))
        }
        guard problems.isEmpty else { throw ConfigLoadError(diagnostics: problems) }
        self.runnables = runnables
        self.scheduledPlaybooks = scheduled

        // Each playbook under every (kind, operation) one of its triggers listens to.
        let knownKinds = Set(TriggerCatalog.all.compactMap { ($0 as? any KubernetesTrigger.Type)?.kind })
        var byKind: [String: [KubernetesOperation: ObjectIndex.Builder]] = [:]
        var anyKind: [KubernetesOperation: ObjectIndex.Builder] = [:]
        var byAlert: [String: ObjectIndex.Builder] = [:]
        var anyName: [(playbook: Int, parameters: OnPrometheusAlert.Parameters)] = []
        for (index, runnable) in runnables.enumerated() {
            for trigger in runnable.kubernetesTriggers {
                let operations = trigger.type.operation.map { [$0] } ?? KubernetesOperation.allCases
                let kinds = trigger.type.kind.map { [$0] } ?? Array(knownKinds)
                for operation in operations {
                    if trigger.type.kind == nil { anyKind[operation, default: .init()].add(index, filters: trigger.filters) }
                    for kind in kinds { byKind[kind, default: [:]][operation, default: .init()].add(index, filters: trigger.filters) }
                }
            }
            for trigger in runnable.alertTriggers {
                if let name = trigger.parameters.alertName {
                    byAlert[name, default: .init()].add(index, alert: trigger.parameters)
                } else {
                    anyName.append((index, trigger.parameters))
                }
            }
        }
        // A trigger on any alert name is filed under every name, and under none.
        var anyAlert = ObjectIndex.Builder()
        for (playbook, parameters) in anyName {
            anyAlert.add(playbook, alert: parameters)
            for name in byAlert.keys { byAlert[name]!.add(playbook, alert: parameters) }
        }
        self.kubernetesIndex = byKind.mapValues { $0.mapValues { $0.build() } }
        self.anyKindIndex = anyKind.mapValues { $0.build() }
        self.anyAlert = anyAlert.build()
        self.alertIndex = byAlert.mapValues { $0.build() }
        self.hasAlertPlaybooks = !byAlert.isEmpty || !anyName.isEmpty
    }

    static func kubernetesTrigger(
        _ type: any KubernetesTrigger.Type, trigger: PlaybookConfig.Trigger, path: String
    ) throws(ParameterError) -> KubernetesTriggerRuntime {
        let parameters = trigger.parameters
        let filters = try KubernetesFilters(parameters: parameters, scope: trigger.scope, path: path)
        // A trigger with a schema `condition` conforms to ConditionalTrigger in the generated code.
        let condition = try (type as? any ConditionalTrigger.Type)?.condition(parameters: parameters, path: path)
        return KubernetesTriggerRuntime(key: type.key, type: type, filters: filters, condition: condition)
    }

    /// Candidate playbooks for a change (indexes into ``runnables``), in config order: those
    /// with a trigger on its kind and operation whose name prefix, namespace prefix or first
    /// label the object has, or that requires none of them. Each candidate's triggers are still
    /// checked in full.
    func candidates(for change: KubernetesChange) -> [Int] {
        let index = kubernetesIndex[change.kind].map { $0[change.operation] } ?? anyKindIndex[change.operation]
        return index?.candidates(for: change.object) ?? []
    }

    /// Candidate playbooks for an alert (indexes into ``runnables``), in config order: those with
    /// a trigger on its name, or on any name, whose pod name or namespace prefix its labels have,
    /// or that requires neither. Each candidate's triggers are still checked in full.
    func candidates(for alert: AlertFilters.Subject) -> [Int] {
        (alert.alertName.flatMap { alertIndex[$0] } ?? anyAlert).candidates(name: alert.pod, namespace: alert.namespace) { [:] }
    }
}

/// The playbooks of one kind and operation by what their triggers require of an object, so that
/// the playbooks an object cannot fire cost nothing: a config of 1,000 playbooks of which 3 can
/// match costs what 3 would. Each trigger is filed once, under the most selective thing it
/// requires: its name prefix (an ASCII one), else its namespace prefix, else its label
/// selector's first `key=value` (a value of "" also matches a missing label, so such a pair is
/// not used), else nothing. The lookup finds a superset of the playbooks that fire; the triggers
/// decide.
///
/// A class: each input takes its kind's (or alert name's) index out of a dictionary, and a copy
/// of the ten arrays and maps it holds was ten retains and releases per input.
final class ObjectIndex: Sendable {
    /// Playbooks with a trigger that requires nothing the index files by.
    let unfiltered: [Int]
    let byNamePrefix: PrefixIndex
    let byNamespacePrefix: PrefixIndex
    /// label key -> label value -> playbooks.
    let byLabel: [String: [String: [Int]]]

    init(unfiltered: [Int], byNamePrefix: PrefixIndex, byNamespacePrefix: PrefixIndex, byLabel: [String: [String: [Int]]]) {
        self.unfiltered = unfiltered
        self.byNamePrefix = byNamePrefix
        self.byNamespacePrefix = byNamespacePrefix
        self.byLabel = byLabel
    }

    struct Builder {
        var unfiltered: [Int] = []
        var byNamePrefix: [String: [Int]] = [:]
        var byNamespacePrefix: [String: [Int]] = [:]
        var byLabel: [String: [String: [Int]]] = [:]

        mutating func add(_ playbook: Int, filters: KubernetesFilters) {
            add(playbook, namePrefix: filters.namePrefix, namespacePrefix: filters.namespacePrefix, label: filters.labels.first)
        }

        /// An alert trigger: its pod name prefix stands for the name (a missing `pod` label reads
        /// as "", which no filed prefix has), its namespace prefix for the namespace.
        mutating func add(_ playbook: Int, alert parameters: OnPrometheusAlert.Parameters) {
            add(playbook, namePrefix: parameters.podNamePrefix, namespacePrefix: parameters.namespacePrefix, label: nil)
        }

        mutating func add(_ playbook: Int, namePrefix: String?, namespacePrefix: String?, label: (key: String, value: String)?) {
            if let prefix = namePrefix, PrefixIndex.canFile(prefix) {
                byNamePrefix[prefix, default: []].append(playbook)
            } else if let prefix = namespacePrefix, PrefixIndex.canFile(prefix) {
                byNamespacePrefix[prefix, default: []].append(playbook)
            } else if let pair = label, !pair.value.isEmpty {
                byLabel[pair.key, default: [:]][pair.value, default: []].append(playbook)
            } else {
                unfiltered.append(playbook)
            }
        }

        func build() -> ObjectIndex {
            ObjectIndex(
                unfiltered: ObjectIndex.ordered(unfiltered), byNamePrefix: PrefixIndex(byNamePrefix),
                byNamespacePrefix: PrefixIndex(byNamespacePrefix), byLabel: byLabel.mapValues { $0.mapValues(ObjectIndex.ordered) })
        }
    }

    /// Distinct, in config order.
    static func ordered(_ indexes: [Int]) -> [Int] { Array(Set(indexes)).sorted() }

    func candidates(for object: KubernetesObject) -> [Int] {
        candidates(name: object.name ?? "", namespace: object.namespace ?? "") { object.labels }
    }

    /// The candidates of what has this name, namespace and labels (read only when some playbook
    /// is filed by a label).
    func candidates(name: String, namespace: String, labels: () -> [String: String]) -> [Int] {
        var lists = Lists()
        if !unfiltered.isEmpty { lists.append(unfiltered) }
        if !byNamePrefix.isEmpty { byNamePrefix.matches(name, into: &lists) }
        if !byNamespacePrefix.isEmpty { byNamespacePrefix.matches(namespace, into: &lists) }
        if !byLabel.isEmpty {
            let labels = labels()
            for (key, values) in byLabel {
                if let value = labels[key], let playbooks = values[value] { lists.append(playbooks) }
            }
        }
        if let more = lists.more { return Self.merged(more) }
        return lists.first ?? []
    }

    /// The candidate lists an object matches. Most match one, which is then returned as it is:
    /// the array of lists is made only for a second one (it was an allocation per input).
    struct Lists {
        var first: [Int]?
        var more: [[Int]]?

        mutating func append(_ list: [Int]) {
            if more != nil {
                more!.append(list)
            } else if let first {
                more = [first, list]
            } else {
                first = list
            }
        }
    }

    /// The union of ascending lists, ascending and without repeats: merged two at a time, which
    /// for the few lists an object matches costs less than hashing them into a set and sorting.
    static func merged(_ lists: [[Int]]) -> [Int] {
        var result = lists[0]
        for list in lists.dropFirst() {
            var union: [Int] = []
            union.reserveCapacity(result.count + list.count)
            var left = 0
            var right = 0
            while left < result.count || right < list.count {
                let next: Int
                if right == list.count || (left < result.count && result[left] <= list[right]) {
                    next = result[left]
                    left += 1
                } else {
                    next = list[right]
                    right += 1
                }
                if union.last != next { union.append(next) }
            }
            result = union
        }
        return result
    }
}

/// Playbooks by a prefix the object's name (or namespace) must have, in a trie of the prefixes'
/// bytes: a lookup walks the text's bytes from the root and collects the playbooks of each prefix
/// it passes, shortest first, so it costs the length of the longest prefix the text has, with no
/// hashing (a lookup per distinct prefix length, hashing the text's prefix of that length, cost
/// a twentieth of an alert's handling at 1,000 playbooks). Only ASCII prefixes are filed here:
/// for them `hasPrefix` (which compares characters) holds only where the bytes match, so a byte
/// walk finds every match.
struct PrefixIndex: Sendable {
    /// A trie node: its children are `childBytes` and `childNodes` from `firstChild` on, sorted
    /// by byte; `list` indexes `lists` when a prefix ends here, and is -1 otherwise.
    struct Node: Sendable {
        var firstChild: Int32
        var childCount: Int32
        var list: Int32
    }

    /// The root is node 0.
    let nodes: [Node]
    let childBytes: [UInt8]
    let childNodes: [Int32]
    /// The playbooks of each filed prefix, distinct and in config order.
    let lists: [[Int]]

    init(_ byPrefix: [String: [Int]]) {
        // Built as nested maps, then laid out breadth first with each node's children together.
        final class Building {
            var children: [UInt8: Building] = [:]
            var playbooks: [Int]?
        }
        let root = Building()
        for (prefix, indexes) in byPrefix {
            var node = root
            for byte in prefix.utf8 {
                if let child = node.children[byte] {
                    node = child
                } else {
                    let child = Building()
                    node.children[byte] = child
                    node = child
                }
            }
            node.playbooks = ObjectIndex.ordered(indexes)
        }
        var nodes: [Node] = []
        var childBytes: [UInt8] = []
        var childNodes: [Int32] = []
        var lists: [[Int]] = []
        var queue = [root]
        var next = 0
        while next < queue.count {
            let building = queue[next]
            next += 1
            var list: Int32 = -1
            if let playbooks = building.playbooks {
                list = Int32(lists.count)
                lists.append(playbooks)
            }
            let children = building.children.sorted { $0.key < $1.key }
            nodes.append(Node(firstChild: Int32(childBytes.count), childCount: Int32(children.count), list: list))
            for (byte, child) in children {
                childBytes.append(byte)
                childNodes.append(Int32(queue.count))
                queue.append(child)
            }
        }
        self.nodes = nodes
        self.childBytes = childBytes
        self.childNodes = childNodes
        self.lists = lists
    }

    static func canFile(_ prefix: String) -> Bool {
        !prefix.isEmpty && prefix.utf8.allSatisfy { $0 < 0x80 }
    }

    var isEmpty: Bool { lists.isEmpty }

    /// Appends the playbooks of each prefix `text` has, shortest prefix first.
    func matches(_ text: String, into found: inout ObjectIndex.Lists) {
        var text = text
        text.withUTF8 { bytes in
            var node = 0
            for byte in bytes {
                let current = nodes[node]
                var child = Int(current.firstChild)
                let end = child + Int(current.childCount)
                while child < end && childBytes[child] < byte { child += 1 }
                guard child < end && childBytes[child] == byte else { return }
                node = Int(childNodes[child])
                let list = nodes[node].list
                if list >= 0 { found.append(lists[Int(list)]) }
            }
        }
    }
}
