/// A finding and the sinks it goes to (after the sinks' scope, match and stop).
public struct RoutedFinding: Sendable {
    public var finding: Finding
    public var sinks: [String]
    /// Sinks the playbook named that the config does not define (so nothing was sent there).
    public var undefinedSinks: [String] = []
}
