/// What happened to one input (one line of a recording, one HTTP body). Its `description` is
/// what `triggerfish replay` prints for it.
public struct InputReport: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case kubernetes
        case alertmanager
    }

    /// 0-based position in the input stream.
    public var index: Int
    /// `nil` when the input could not be read.
    public var kind: Kind?
    /// Why the input could not be read; `nil` when it was.
    public var error: String?
    /// The events it became: one for a Kubernetes change, one per alert of a webhook.
    public var events: [EventReport]

    public init(index: Int, kind: Kind?, error: String? = nil, events: [EventReport] = []) {
        self.index = index
        self.kind = kind
        self.error = error
        self.events = events
    }

    /// The input as `triggerfish replay` prints it, without the final newline.
    public var description: String { String(ReportFormatting.text(self).dropLast()) }
}
