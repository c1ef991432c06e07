import Foundation

/// A titled group of blocks attached to a finding.
public struct Enrichment: Sendable, Hashable {
    public var title: String?
    public var blocks: [Block]

    public init(title: String? = nil, blocks: [Block]) {
        self.title = title
        self.blocks = blocks
    }
}
