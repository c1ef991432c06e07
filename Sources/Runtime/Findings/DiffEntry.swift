import Foundation

/// One changed path between two versions of an object.
public struct DiffEntry: Sendable, Hashable {
    public var path: String
    public var old: JSONValue?
    public var new: JSONValue?

    public init(path: String, old: JSONValue?, new: JSONValue?) {
        self.path = path
        self.old = old
        self.new = new
    }

    /// Every leaf path that differs between two JSON values, sorted by path.
    public static func between(_ old: JSONValue?, _ new: JSONValue?, path: String = "") -> [DiffEntry] {
        switch (old, new) {
        case (.object(let a)?, .object(let b)?):
            return Set(a.keys).union(b.keys).sorted().flatMap { key in
                between(a[key], b[key], path: path.isEmpty ? key : path + "." + key)
            }
        case (.array(let a)?, .array(let b)?) where a.count == b.count:
            return a.indices.flatMap { between(a[$0], b[$0], path: "\(path)[\($0)]") }
        default:
            return old == new ? [] : [DiffEntry(path: path, old: old, new: new)]
        }
    }
}
