/// A finding and the sinks its playbook named (or the default sinks when it named none).
public struct PendingFinding: Sendable {
    public var finding: Finding
    public var sinks: [String]

    public init(finding: Finding, sinks: [String]) {
        self.finding = finding
        self.sinks = sinks
    }
}

/// One finding to hand to one sink: `findingIndex` indexes the findings given to
/// ``SinkRouter/route(_:)``.
public struct Delivery: Sendable, Equatable, CustomStringConvertible {
    public var sink: String
    public var findingIndex: Int

    public init(sink: String, findingIndex: Int) {
        self.sink = sink
        self.findingIndex = findingIndex
    }

    public var description: String { "\(sink)#\(findingIndex)" }
}

/// What routing the findings of one event decided.
public struct Routing: Sendable, Equatable {
    /// The deliveries, in the order to make them.
    public var deliveries: [Delivery]
    /// Sink names the findings asked for that no sink has, in order of first appearance. Their
    /// findings were not delivered there.
    public var unknownSinks: [String]
    /// The sink whose `stop` ended routing, if one did.
    public var stoppedBy: String?

    public init(deliveries: [Delivery], unknownSinks: [String] = [], stoppedBy: String? = nil) {
        self.deliveries = deliveries
        self.unknownSinks = unknownSinks
        self.stoppedBy = stoppedBy
    }
}

/// Decides which configured sinks get which findings of one event, in Robusta's order.
public struct SinkRouter: Sendable {
    let sinks: [String: SinkConfiguration]
    /// Sinks with `default: true`, in config order.
    public let defaultSinkNames: [String]

    /// - Parameter sinks: the configured sinks, in config order. Names are unique (the validator
    ///   rejects duplicates); should one repeat anyway, the first wins.
    public init(_ sinks: [SinkConfiguration]) {
        var byName: [String: SinkConfiguration] = [:]
        var defaults: [String] = []
        for sink in sinks where byName[sink.name] == nil {
            byName[sink.name] = sink
            if sink.isDefault { defaults.append(sink.name) }
        }
        self.sinks = byName
        self.defaultSinkNames = defaults
    }

    /// The sink configuration of a name.
    public func sink(named name: String) -> SinkConfiguration? { sinks[name] }

    /// Robusta's order: sinks in order of first appearance walking `findings` in order; within a
    /// sink, its findings in the given order; a finding is delivered when the sink exists and
    /// accepts it (scope, then match); once a sink with `stop: true` has accepted a finding,
    /// routing ends (no further findings or sinks). A finding naming a sink twice goes there once.
    /// Unknown sink names are skipped; ``routing(_:)`` reports them.
    public func route(_ findings: [PendingFinding]) -> [Delivery] {
        routing(findings).deliveries
    }

    /// ``route(_:)`` with the unknown sink names and the sink that stopped routing.
    public func routing(_ findings: [PendingFinding]) -> Routing {
        var order: [String] = []
        var perSink: [String: [Int]] = [:]
        for (index, pending) in findings.enumerated() {
            for name in pending.sinks {
                if perSink[name] == nil {
                    order.append(name)
                    perSink[name] = [index]
                } else if perSink[name]?.last != index {
                    perSink[name]?.append(index)
                }
            }
        }
        var result = Routing(deliveries: [])
        result.unknownSinks = order.filter { sinks[$0] == nil }
        for name in order {
            guard let sink = sinks[name] else { continue }
            for index in perSink[name] ?? [] where sink.accepts(findings[index].finding) {
                result.deliveries.append(Delivery(sink: name, findingIndex: index))
                if sink.stop {
                    result.stoppedBy = name
                    return result
                }
            }
        }
        return result
    }
}
