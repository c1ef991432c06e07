import Synchronization

/// A Kubernetes object, kept as its full JSON so nothing is lost for diffs and YAML output,
/// with typed access to what triggers and actions read.
///
/// An object decoded from an input is read on demand: its name and namespace are read when it is
/// decoded, its labels and annotations when first asked for, and its whole JSON only when
/// something reads ``json`` (a change filter, a condition, an action). Two objects are equal when
/// their JSON is.
public struct KubernetesObject: Sendable, Hashable {
    enum Storage: Sendable {
        case built(JSONValue)
        case lazy(LazyKubernetesObject)
        /// An object known only by what names it (an alert's label): its JSON is built when read.
        case reference(Reference)
    }

    /// A class, so that an object stays one reference wide, as events hold several.
    final class Reference: Sendable {
        let kind: String
        let apiVersion: String
        let name: String
        let namespace: String?

        init(kind: String, apiVersion: String, name: String, namespace: String?) {
            self.kind = kind
            self.apiVersion = apiVersion
            self.name = name
            self.namespace = namespace
        }

        var json: JSONValue {
            var metadata: [String: JSONValue] = ["name": .string(name)]
            if let namespace { metadata["namespace"] = .string(namespace) }
            return ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata)]
        }
    }

    var storage: Storage

    public init(json: JSONValue) {
        storage = .built(json)
    }

    /// An object read from `node` (an object) on demand.
    init(node: JSONNode) {
        storage = .lazy(LazyKubernetesObject(node: node))
    }

    /// The object of a kind with a name (and namespace), holding nothing else: what an alert's
    /// labels name when nothing more is known of it.
    init(referenceTo kind: String, apiVersion: String, name: String, namespace: String?) {
        storage = .reference(Reference(kind: kind, apiVersion: apiVersion, name: name, namespace: namespace))
    }

    public var json: JSONValue {
        get {
            switch storage {
            case .built(let json): json
            case .lazy(let lazy): lazy.json
            case .reference(let reference): reference.json
            }
        }
        set { storage = .built(newValue) }
    }

    public var kind: String? {
        switch storage {
        case .built(let json): json["kind"]?.stringValue
        case .lazy(let lazy): lazy.node.member("kind")?.stringValue
        case .reference(let reference): reference.kind
        }
    }

    public var apiVersion: String? {
        switch storage {
        case .built(let json): json["apiVersion"]?.stringValue
        case .lazy(let lazy): lazy.node.member("apiVersion")?.stringValue
        case .reference(let reference): reference.apiVersion
        }
    }

    public var name: String? {
        switch storage {
        case .built(let json): json["metadata"]?["name"]?.stringValue
        case .lazy(let lazy): lazy.name
        case .reference(let reference): reference.name
        }
    }

    /// The namespace; `nil` for cluster-scoped objects.
    public var namespace: String? {
        switch storage {
        case .built(let json): json["metadata"]?["namespace"]?.stringValue
        case .lazy(let lazy): lazy.namespace
        case .reference(let reference): reference.namespace
        }
    }

    public var labels: [String: String] {
        switch storage {
        case .built(let json): Self.strings(json["metadata"]?["labels"])
        case .lazy(let lazy): lazy.labels
        case .reference: [:]
        }
    }

    public var annotations: [String: String] {
        switch storage {
        case .built(let json): Self.strings(json["metadata"]?["annotations"])
        case .lazy(let lazy): lazy.annotations
        case .reference: [:]
        }
    }

    /// The value at a dotted path with optional list indexes (``JSONValue/value(atPath:)``), as
    /// `json.value(atPath:)` gives it; an object read on demand builds only that value, not the
    /// whole object (a Pod is ~7 KB of JSON).
    public func value(atPath path: String) -> JSONValue? {
        guard case .lazy(let lazy) = storage else { return json.value(atPath: path) }
        guard let components = JSONPathComponent.parse(path) else { return nil }
        var node: JSONNode? = lazy.node
        for component in components {
            switch component {
            case .key(let key): node = node?.member(key)
            case .index(let index): node = node?.elements.flatMap { $0.indices.contains(index) ? $0[index] : nil }
            }
        }
        return node?.value
    }

    /// `spec.nodeName`, the node a Pod runs on, as ``value(atPath:)`` reads it but without
    /// parsing a path (every alert finding's subject reads it).
    var nodeName: String? {
        switch storage {
        case .built(let json): json["spec"]?["nodeName"]?.stringValue
        case .lazy(let lazy): lazy.node.member("spec")?.member("nodeName")?.stringValue
        case .reference: nil
        }
    }

    static func strings(_ value: JSONValue?) -> [String: String] {
        guard let members = value?.objectValue else { return [:] }
        return members.compactMapValues(\.stringValue)
    }

    /// The same object holding only what it needs: an object read on demand from an input keeps
    /// the whole input (the old object too) until detached. For objects kept long, as the store
    /// that alerts resolve from keeps them.
    public func detached() -> KubernetesObject {
        guard case .lazy(let lazy) = storage, let document = lazy.node.document.detached(containerAt: lazy.node.offset) else { return self }
        return KubernetesObject(node: document.rootNode)
    }

    public static func == (lhs: KubernetesObject, rhs: KubernetesObject) -> Bool {
        lhs.json == rhs.json
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
    }
}

/// An object inside an input document, read on demand; what was read is kept.
final class LazyKubernetesObject: Sendable {
    let node: JSONNode
    let name: String?
    let namespace: String?
    /// `metadata.labels` and `metadata.annotations`, where they are.
    let labelsNode: JSONNode?
    let annotationsNode: JSONNode?

    private struct Read {
        var json: JSONValue?
        var labels: [String: String]?
        var annotations: [String: String]?
    }

    private let read = Mutex(Read())

    init(node: JSONNode) {
        self.node = node
        let metadata = node.member("metadata")?.members(["name", "namespace", "labels", "annotations"])
        name = metadata?[0]?.stringValue
        namespace = metadata?[1]?.stringValue
        labelsNode = metadata?[2]
        annotationsNode = metadata?[3]
    }

    var json: JSONValue {
        if let json = read.withLock({ $0.json }) { return json }
        // Built outside the lock; two readers at once may both build it, and either result is the same.
        let json = node.value
        read.withLock { $0.json = json }
        return json
    }

    /// Whether something has read the whole JSON (which is then kept).
    var hasBuiltJSON: Bool { read.withLock { $0.json != nil } }

    var labels: [String: String] {
        if let labels = read.withLock({ $0.labels }) { return labels }
        let labels = KubernetesObject.strings(labelsNode?.value)
        read.withLock { $0.labels = labels }
        return labels
    }

    var annotations: [String: String] {
        if let annotations = read.withLock({ $0.annotations }) { return annotations }
        let annotations = KubernetesObject.strings(annotationsNode?.value)
        read.withLock { $0.annotations = annotations }
        return annotations
    }
}

/// What happened to a Kubernetes object.
public enum KubernetesOperation: String, Sendable, Hashable, CaseIterable {
    case create, update, delete
}

/// One observed change of a Kubernetes object: the input Kubernetes triggers turn into events.
public struct KubernetesChange: Sendable {
    public var operation: KubernetesOperation
    /// The object's kind as Kubernetes spells it: `Pod`, `HorizontalPodAutoscaler`.
    public var kind: String
    public var apiVersion: String
    public var object: KubernetesObject
    public var oldObject: KubernetesObject?

    public init(
        operation: KubernetesOperation, kind: String, apiVersion: String = "", object: KubernetesObject,
        oldObject: KubernetesObject? = nil
    ) {
        self.operation = operation
        self.kind = kind
        self.apiVersion = apiVersion
        self.object = object
        self.oldObject = oldObject
    }
}

/// One alert of an Alertmanager webhook (v4).
///
/// Its fields are held behind one reference (``EventStorage``), as generated events' are: an alert
/// is copied into its event, into what the trigger filters compare and into reports, and a copy of
/// seven fields inline retained each of them (the copies and their releases were about 4% of an
/// alert's handling at 1,000 playbooks).
/// Value semantics are unchanged: setting a field makes new storage.
public struct PrometheusAlert: Sendable, Hashable {
    struct Fields: Sendable, Hashable {
        var status: String
        var labels: AlertLabels
        /// Read from the body when first asked for (see ``UnreadStrings``).
        var annotations: UnreadStrings
        var startsAt: String
        var endsAt: String
        var generatorURL: String
        var fingerprint: String
    }

    var storage: EventStorage<Fields>

    public init(
        status: String, labels: [String: String], annotations: [String: String] = [:], startsAt: String = "",
        endsAt: String = "", generatorURL: String = "", fingerprint: String = ""
    ) {
        self.init(
            status: status, labels: AlertLabels(labels), annotations: UnreadStrings(annotations), startsAt: startsAt, endsAt: endsAt,
            generatorURL: generatorURL, fingerprint: fingerprint)
    }

    /// An alert as decoded: its labels as pairs, its annotations perhaps still in the body.
    init(
        status: String, labels: AlertLabels, annotations: UnreadStrings, startsAt: String, endsAt: String,
        generatorURL: String, fingerprint: String
    ) {
        storage = EventStorage(
            Fields(
                status: status, labels: labels, annotations: annotations, startsAt: startsAt, endsAt: endsAt,
                generatorURL: generatorURL, fingerprint: fingerprint))
    }

    public var status: String {
        get { storage.fields.status }
        set { storage.fields.status = newValue }
    }

    /// The labels. Reading one label is cheaper with ``label(_:)``.
    public var labels: [String: String] {
        get { storage.fields.labels.map }
        set { storage.fields.labels = AlertLabels(newValue) }
    }

    /// The value of one label, as `labels[name]` gives it, without building the map of a decoded
    /// alert (see ``AlertLabels``).
    public func label(_ name: String) -> String? { storage.fields.labels[name] }

    public var annotations: [String: String] {
        get { storage.fields.annotations.value }
        set { storage.fields.annotations = UnreadStrings(newValue) }
    }

    /// The annotations as they are held: built, or still in the body.
    var annotationsField: UnreadStrings { storage.fields.annotations }

    public var startsAt: String {
        get { storage.fields.startsAt }
        set { storage.fields.startsAt = newValue }
    }

    public var endsAt: String {
        get { storage.fields.endsAt }
        set { storage.fields.endsAt = newValue }
    }

    public var generatorURL: String {
        get { storage.fields.generatorURL }
        set { storage.fields.generatorURL = newValue }
    }

    public var fingerprint: String {
        get { storage.fields.fingerprint }
        set { storage.fields.fingerprint = newValue }
    }

    public static func == (left: PrometheusAlert, right: PrometheusAlert) -> Bool {
        left.storage.box === right.storage.box || left.storage.fields == right.storage.fields
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage.fields) }

    /// The `endsAt` Alertmanager gives an alert that has not ended (Go's zero time). A literal:
    /// copies of it share its bytes.
    static let unsetEnd = "0001-01-01T00:00:00Z"

    /// The `alertname` label.
    public var name: String { label("alertname") ?? "" }

    /// Which resolved object is an alert's subject, most specific first (Robusta's order).
    public static let subjectPriority = [
        "Deployment", "DaemonSet", "StatefulSet", "Node", "Pod", "Job", "HorizontalPodAutoscaler",
    ]

    /// The subject among resolved objects (keyed by kind), by ``subjectPriority``.
    public static func subject(in resources: [String: KubernetesObject]) -> KubernetesObject? {
        // By going through the two or three objects an alert names, rather than looking each kind up.
        var subject: (rank: Int, object: KubernetesObject)?
        for (kind, object) in resources {
            guard let rank = subjectPriority.firstIndex(of: kind), rank < subject?.rank ?? .max else { continue }
            subject = (rank, object)
        }
        return subject?.object
    }
}
