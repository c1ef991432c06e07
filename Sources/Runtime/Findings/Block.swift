import Foundation

/// One piece of a finding's content.
public enum Block: Sendable, Hashable {
    case markdown(String)
    /// Rows under headers; `name` is the table's own caption (Robusta's `table_name`, e.g.
    /// `*Crash Info*`), empty when it has none.
    case table(headers: [String], rows: [[String]], name: String = "")
    case list([String])
    case json(JSONValue)
    case file(name: String, contents: String)
    /// A file that could not be had, with why (Robusta's `EmptyFileBlock`: a pod's log that is empty).
    case emptyFile(name: String, remarks: String)
    /// Changed paths of a Kubernetes object, with old and new values.
    case kubernetesDiff([DiffEntry])
}
