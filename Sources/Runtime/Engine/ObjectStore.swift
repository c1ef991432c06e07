import Foundation
import Synchronization

/// The latest version of each object seen in the input stream, so alerts can be resolved to
/// the objects they are about when those objects came through the same stream.
public final class ObjectStore: Sendable {
    private let objects = Mutex<[String: KubernetesObject]>([:])
    /// Kinds alerts resolve to; other kinds are not kept.
    static let kinds: Set<String> = ["Pod", "Deployment", "DaemonSet", "StatefulSet", "Job", "HorizontalPodAutoscaler", "Node"]

    public init() {}

    static func key(kind: String, namespace: String?, name: String) -> String { "\(kind)/\(namespace ?? "")/\(name)" }

    /// Records a change: creates and updates keep the new object, deletes forget it.
    public func apply(_ change: KubernetesChange) {
        guard Self.kinds.contains(change.kind), let name = change.object.name else { return }
        let key = Self.key(kind: change.kind, namespace: change.kind == "Node" ? nil : change.object.namespace, name: name)
        let object = change.operation == .delete ? nil : change.object.detached()
        objects.withLock { $0[key] = object }
    }

    public func object(kind: String, namespace: String?, name: String) -> KubernetesObject? {
        objects.withLock { $0[Self.key(kind: kind, namespace: namespace, name: name)] }
    }

    /// The node one of whose `status.addresses` is `address`.
    public func node(withAddress address: String) -> KubernetesObject? {
        objects.withLock { objects in
            objects.first { key, object in
                key.hasPrefix("Node/") && AlertResources.addresses(of: object).contains(address)
            }?.value
        }
    }
}
