import Foundation

/// One piece of a finding's content.
public enum Block: Sendable, Hashable {
    case markdown(String)
    case table(headers: [String], rows: [[String]])
    case list([String])
    case json(JSONValue)
    case file(name: String, contents: String)
    /// Changed paths of a Kubernetes object, with old and new values.
    case kubernetesDiff([DiffEntry])
}
