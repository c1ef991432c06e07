// TEMPORARY: signatures of APIs being written on other branches; removed when they merge.
public enum ScopeValue: Sendable { case text(String), pairs([String: String]), object(JSONValue) }
public struct CompiledScope: Sendable {
    public init(_ parameters: ScopeParameters, path: String) throws(ParameterError) {}
    public func accepts(_ lookup: (String) -> ScopeValue?) -> Bool { true }
}
public struct SinkConfiguration: Sendable {
    public var type: String
    public var name: String
    public var isDefault: Bool
    public var stop: Bool
    public var parameters: JSONValue
    public init(type: String, parameters: JSONValue) throws(ParameterError) {
        self.type = type
        name = parameters["name"]?.stringValue ?? ""
        isDefault = true
        stop = false
        self.parameters = parameters
    }
    public func accepts(_ finding: Finding) -> Bool { true }
}
public struct PendingFinding: Sendable {
    public var finding: Finding
    public var sinks: [String]
    public init(finding: Finding, sinks: [String]) {
        self.finding = finding
        self.sinks = sinks
    }
}
public struct Delivery: Sendable, Equatable {
    public var sink: String
    public var findingIndex: Int
}
public struct SinkRouter: Sendable {
    let sinks: [SinkConfiguration]
    public init(_ sinks: [SinkConfiguration]) { self.sinks = sinks }
    public var defaultSinkNames: [String] { sinks.filter(\.isDefault).map(\.name) }
    public func route(_ findings: [PendingFinding]) -> [Delivery] {
        findings.enumerated().flatMap { i, f in f.sinks.map { Delivery(sink: $0, findingIndex: i) } }
    }
}
public protocol FindingSink: Sendable {
    var name: String { get }
    func deliver(_ finding: Finding) async
    func flush() async
}
public enum FindingText { public static func render(_ finding: Finding) -> String { finding.title } }
extension Finding { public var jsonValue: JSONValue { ["title": .string(title)] } }
extension JSONValue { public func serialized(sortedKeys: Bool = true) -> String { "\(self)" } }

