/// A map of strings that may still be in the body it came from: checked (an object whose values
/// are all strings) but not built until it is read, and then built once (its document keeps it).
/// A webhook's common and group maps and an alert's annotations are checked as Robusta checks
/// them, but the engine reads none of them before an alert fires a playbook, and building them
/// was a fifth of an alert body's allocations. Compared and hashed by its value.
struct UnreadStrings: Sendable, Hashable {
    enum Storage: Sendable {
        case built([String: String])
        /// A checked object whose values are all strings.
        case unread(JSONNode)
    }

    var storage: Storage

    init(_ strings: [String: String]) { storage = .built(strings) }

    init(unread node: JSONNode) { storage = .unread(node) }

    /// The map; an unread one is built at its first read.
    var value: [String: String] {
        switch storage {
        case .built(let strings): strings
        case .unread(let node): node.document.strings(at: node.offset)
        }
    }

    static func == (left: UnreadStrings, right: UnreadStrings) -> Bool { left.value == right.value }

    func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
