import Foundation
import Synchronization

/// The latest version of each object seen in the input stream, so alerts can be resolved to
/// the objects they are about when those objects came through the same stream (without the
/// Kubernetes API; with it, alerts resolve from the cluster and nothing is kept here).
///
/// Bounded whatever the stream: at most ``Limits/maxObjects`` objects and ``Limits/maxBytes``
/// bytes of kept JSON; past either, the object updated least recently is forgotten first, and an
/// alert about it resolves to a reference (kind, name, namespace) as for an object never seen.
/// Objects are kept without `metadata.managedFields` (field ownership, often a quarter of a
/// Pod, which nothing that reads a resolved object looks at).
public final class ObjectStore: Sendable {
    public struct Limits: Sendable, Equatable {
        /// The most objects kept.
        public var maxObjects: Int
        /// The most bytes kept: each object's JSON text plus the table of where its values are.
        public var maxBytes: Int

        public init(maxObjects: Int = 10_000, maxBytes: Int = 32 << 20) {
            self.maxObjects = maxObjects
            self.maxBytes = maxBytes
        }
    }

    /// Kinds alerts resolve to; other kinds are not kept.
    static let kinds: Set<String> = ["Pod", "Deployment", "DaemonSet", "StatefulSet", "Job", "HorizontalPodAutoscaler", "Node"]

    public let limits: Limits

    private struct Entry {
        var object: KubernetesObject
        var bytes: Int
        /// Which update of the store put it here; entries of `order` with another one are stale.
        var generation: Int
    }

    /// An object's identity; a value rather than a joined string, so that looking an object up
    /// (once per alert) builds nothing.
    struct Key: Hashable {
        var kind: String
        /// `""` for none, as a missing namespace and an empty one are the same object.
        var namespace: String
        var name: String

        init(kind: String, namespace: String?, name: String) {
            self.kind = kind
            self.namespace = namespace ?? ""
            self.name = name
        }
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Keys oldest update first, with the generation each was written at. An update appends
        /// and leaves the older pair stale: it is skipped when reached, and dropped when stale
        /// pairs outnumber live ones.
        var order: [(key: Key, generation: Int)] = []
        var head = 0
        var bytes = 0
        var generation = 0
        var forgotten = 0
    }

    private let state = Mutex(State())

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Records a change: creates and updates keep the new object, deletes forget it.
    public func apply(_ change: KubernetesChange) {
        guard Self.kinds.contains(change.kind), let name = change.object.name else { return }
        let key = Key(kind: change.kind, namespace: change.kind == "Node" ? nil : change.object.namespace, name: name)
        guard change.operation != .delete else {
            state.withLock { state in
                if let old = state.entries.removeValue(forKey: key) { state.bytes -= old.bytes }
            }
            return
        }
        let (object, bytes) = change.object.keptForResolving()
        state.withLock { state in
            state.generation += 1
            if let old = state.entries.updateValue(Entry(object: object, bytes: bytes, generation: state.generation), forKey: key) {
                state.bytes -= old.bytes
            }
            state.bytes += bytes
            state.order.append((key, state.generation))
            while state.entries.count > limits.maxObjects || state.bytes > limits.maxBytes, state.head < state.order.count {
                let (oldest, generation) = state.order[state.head]
                state.head += 1
                guard let entry = state.entries[oldest], entry.generation == generation else { continue }
                state.entries[oldest] = nil
                state.bytes -= entry.bytes
                state.forgotten += 1
            }
            if state.order.count - state.head > 2 * state.entries.count + 1024 || state.head > state.order.count / 2 {
                let live = state.order[state.head...].filter { state.entries[$0.key]?.generation == $0.generation }
                state.order = Array(live)
                state.head = 0
            }
        }
    }

    public func object(kind: String, namespace: String?, name: String) -> KubernetesObject? {
        state.withLock { $0.entries[Key(kind: kind, namespace: namespace, name: name)]?.object }
    }

    /// The node one of whose `status.addresses` is `address`.
    public func node(withAddress address: String) -> KubernetesObject? {
        state.withLock { state in
            state.entries.first { key, entry in
                key.kind == "Node" && AlertResources.addresses(of: entry.object).contains(address)
            }?.value.object
        }
    }

    /// What is kept now, and how many objects were forgotten to stay within the limits.
    public var usage: (objects: Int, bytes: Int, forgotten: Int) {
        state.withLock { ($0.entries.count, $0.bytes, $0.forgotten) }
    }
}

extension KubernetesObject {
    /// The object as the store keeps it, without `metadata.managedFields` and detached from its
    /// input, and the bytes that costs.
    func keptForResolving() -> (KubernetesObject, bytes: Int) {
        if case .lazy(let lazy) = storage, lazy.node.member("metadata")?.member("managedFields") == nil {
            let object = detached()
            return (object, object.keptBytes)
        }
        var json = self.json
        if case .object(var members) = json, case .object(var metadata)? = members["metadata"], metadata["managedFields"] != nil {
            metadata["managedFields"] = nil
            members["metadata"] = .object(metadata)
            json = .object(members)
        }
        // Kept as checked text, read on demand: a third of a built tree's size.
        let text = Array(json.serialized().utf8)
        guard let document = try? JSONDocument(checking: text) else { return (KubernetesObject(json: json), 4 * text.count) }
        let object = KubernetesObject(node: document.rootNode)
        return (object, object.keptBytes)
    }

    /// Bytes of text and table for an object read on demand; an estimate for a built one.
    var keptBytes: Int {
        switch storage {
        case .lazy(let lazy): lazy.node.document.bytes.count + 16 * lazy.node.document.containerCount
        case .built(let json): json.serialized().utf8.count * 4
        case .reference(let reference): reference.json.serialized().utf8.count * 4
        }
    }
}
