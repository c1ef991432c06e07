import Foundation

/// A titled group of blocks attached to a finding.
public struct Enrichment: Sendable, Hashable {
    public var title: String?
    public var blocks: [Block]
    /// What the blocks are, as Robusta's `enrichment_type` names it (`k8s_events`, `crash_info`,
    /// `text_file`, `node_info`, ...), for sinks that lay them out by type; `nil` when unset.
    public var type: String?

    public init(title: String? = nil, blocks: [Block], type: String? = nil) {
        self.title = title
        self.blocks = blocks
        self.type = type
    }
}
