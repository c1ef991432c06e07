import Foundation

/// The events.k8s.io/v1 Events about an object, as Robusta's `get_resource_events` and
/// `get_resource_events_table` read and show them (reference B.1).
enum ObjectEvents {
    /// `regarding.kind=Pod,regarding.name=p1,regarding.namespace=default`: the parts given, in that order.
    static func fieldSelector(kind: String?, name: String?, namespace: String?) -> String {
        var parts: [String] = []
        if let kind { parts.append("regarding.kind=\(kind)") }
        if let name { parts.append("regarding.name=\(name)") }
        if let namespace { parts.append("regarding.namespace=\(namespace)") }
        return parts.joined(separator: ",")
    }

    /// The event's time as the API server wrote it: the first non-empty of
    /// `deprecatedLastTimestamp`, `eventTime`, `deprecatedFirstTimestamp` and `metadata.creationTimestamp`.
    static func timestamp(_ event: JSONValue) -> String? {
        for path in ["deprecatedLastTimestamp", "eventTime", "deprecatedFirstTimestamp", "metadata.creationTimestamp"] {
            if let text = event.value(atPath: path)?.stringValue, !text.isEmpty { return text }
        }
        return nil
    }

    /// `Jan 01, 2024, 10:00:00 AM` (UTC), as Robusta renders event times; the epoch for an event
    /// without a time.
    static func renderedTime(_ timestamp: String?) -> String {
        let date = timestamp.flatMap(RFC3339.date) ?? Date(timeIntervalSince1970: 0)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let v = value ?? 0
            return v < 10 ? "0\(v)" : "\(v)"
        }
        let hour = parts.hour ?? 0
        let twelve = hour % 12 == 0 ? 12 : hour % 12
        return
            "\(months[(parts.month ?? 1) - 1]) \(two(parts.day)), \(parts.year ?? 1970), \(two(twelve)):\(two(parts.minute)):\(two(parts.second)) \(hour < 12 ? "AM" : "PM")"
    }

    /// The events about the object (all namespaces when `namespace` is `nil`) whose `regarding.name`
    /// contains `nameSubstring` and whose type is one of `includedTypes` (any case; all when `nil`),
    /// in the API's order.
    static func list(
        _ cluster: ClusterCalls, kind: String?, name: String?, namespace: String?, nameSubstring: String = "",
        includedTypes: [String]? = nil
    ) async throws(ActionError) -> [JSONValue] {
        let events = try await cluster.list(
            .event, namespace: namespace, fieldSelector: fieldSelector(kind: kind, name: name, namespace: namespace))
        let types = includedTypes.map { Set($0.map { $0.lowercased() }) }
        return events.map(\.json).filter { event in
            let regarding = event["regarding"]?["name"]?.stringValue ?? ""
            guard nameSubstring.isEmpty || regarding.contains(nameSubstring) else { return false }
            guard let types else { return true }
            return types.contains((event["type"]?.stringValue ?? "").lowercased())
        }
    }

    /// Newest first (by the time text, as Robusta compares it), keeping the API's order among equal times.
    static func newestFirst(_ events: [JSONValue]) -> [JSONValue] {
        events.enumerated()
            .sorted { a, b in
                let (left, right) = (timestamp(a.element) ?? "", timestamp(b.element) ?? "")
                return left != right ? left > right : a.offset < b.offset
            }
            .map(\.element)
    }

    /// Robusta's events table: `reason, type, time, message`, newest first, at most `maxEvents`;
    /// `nil` when there are none.
    static func table(
        _ cluster: ClusterCalls, name tableName: String, kind: String, objectName: String?, namespace: String?,
        includedTypes: [String]? = nil, maxEvents: Int? = nil
    ) async throws(ActionError) -> Block? {
        let events = try await list(cluster, kind: kind, name: objectName, namespace: namespace, includedTypes: includedTypes)
        guard !events.isEmpty else { return nil }
        var sorted = newestFirst(events)
        if let maxEvents { sorted = Array(sorted.prefix(max(0, maxEvents))) }
        let rows = sorted.map { event in
            [
                event["reason"]?.stringValue ?? "None", event["type"]?.stringValue ?? "None", renderedTime(timestamp(event)),
                event["note"]?.stringValue ?? "None",
            ]
        }
        return .table(headers: ["reason", "type", "time", "message"], rows: rows, name: tableName)
    }

    /// The standard events enrichment: the table, titled, of type `k8s_events`; nothing when there is no table.
    static func enrich(_ table: Block?, title: String, event: any TriggerfishEvent, context: ActionContext) {
        guard let table else { return }
        context.addEnrichment([table], title: title, type: "k8s_events") { DefaultFinding.of(event) }
    }
}
