import _TriggerfishCore

/// Turns request bodies into typed inputs, with the rules of Robusta's runner (pydantic models
/// `IncomingK8sEventPayload` and `AlertManagerEvent`).
///
/// Optional fields may be missing or `null`; fields nobody reads are ignored.
public enum InputDecoder {
    /// Parses and decodes one input (a JSON document), deciding its type from its shape: an object with
    /// `data` is a kubewatch CloudEvent, one with `alerts` or `receiver` an Alertmanager webhook.
    public static func decode(_ bytes: UnsafeRawBufferPointer) throws(InputError) -> RecordedInput {
        try decode(Array(bytes))
    }

    /// Parses and decodes one input; see ``decode(_:)-(UnsafeRawBufferPointer)``.
    ///
    /// The body is checked whole, then read on demand: only the values decoding needs are built,
    /// and a kubewatch CloudEvent's objects keep the bytes and build their JSON only when
    /// something reads it (``KubernetesObject``).
    public static func decode(_ bytes: [UInt8]) throws(InputError) -> RecordedInput {
        try decode(reading: check(InputBytes(bytes)))
    }

    /// Parses and decodes one input, as ``LineReader`` read it; see ``decode(_:)-([UInt8])``.
    /// What decoding keeps of the text keeps `bytes` (and what they are part of) alive.
    public static func decode(_ bytes: InputBytes) throws(InputError) -> RecordedInput {
        try decode(reading: check(bytes))
    }

    /// The checked text of one input, for reading on demand (the first step of ``decode(_:)-([UInt8])``).
    static func check(_ bytes: InputBytes) throws(InputError) -> JSONNode {
        do {
            return try JSONDocument(checking: bytes).rootNode
        } catch {
            throw InputError(message: error.description)
        }
    }

    /// Parses and decodes one input; see ``decode(_:)-(UnsafeRawBufferPointer)``.
    public static func decode(_ text: String) throws(InputError) -> RecordedInput {
        try decode(Array(text.utf8))
    }

    /// Decodes an already parsed input by its shape.
    static func decode(parsed body: JSONValue) throws(InputError) -> RecordedInput {
        try decode(reading: body)
    }

    /// Decodes an input by its shape, built or read on demand.
    static func decode(reading body: some InputJSON) throws(InputError) -> RecordedInput {
        switch try shape(of: body) {
        case .kubewatch: .kubernetes(try decodeKubewatch(shaped: body))
        case .alertmanager: .alerts(try decodeAlertmanager(shaped: body))
        }
    }

    /// Which input a body is.
    enum Shape {
        case kubewatch, alertmanager
    }

    /// Which input a body is, by its members: `data` makes a kubewatch CloudEvent, `alerts` or
    /// `receiver` an Alertmanager webhook.
    static func shape(of body: some InputJSON) throws(InputError) -> Shape {
        let expected =
            "expected a kubewatch CloudEvent (an object with 'data') or an Alertmanager webhook (an object with 'alerts' or 'receiver')"
        guard body.isObject else { throw InputError(message: "\(expected); found \(describe(body.value))") }
        let shape = body.members(["data", "alerts", "receiver"])
        if shape[0] != nil { return .kubewatch }
        if shape[1] != nil || shape[2] != nil { return .alertmanager }
        throw InputError(message: "\(expected); found \(describeKeys(body.value.objectValue ?? [:]))")
    }

    // The shape is known in these two, so their messages say which kind of input was wrong.

    static func decodeKubewatch(shaped body: some InputJSON) throws(InputError) -> KubernetesChange {
        do throws(InputError) {
            return try decodeKubewatch(reading: body)
        } catch {
            throw InputError(message: "kubewatch CloudEvent: \(error.message)")
        }
    }

    static func decodeAlertmanager(shaped body: some InputJSON) throws(InputError) -> AlertmanagerWebhook {
        do throws(InputError) {
            return try decodeAlertmanager(reading: body)
        } catch {
            throw InputError(message: "Alertmanager webhook: \(error.message)")
        }
    }

    /// Decodes a kubewatch CloudEvent as Robusta's runner does: it reads only `data`, which must hold
    /// `operation` (`create`, `update` or `delete`; kubewatch sends `unknown` for anything else), `kind`,
    /// optionally `apiVersion` (default `""`), `obj` (an object) and optionally `oldObj` (an object or null).
    ///
    /// Robusta's model also requires `data.clusterUid` and `data.description`, whose content it never
    /// uses; they are not required here.
    public static func decodeKubewatch(_ body: JSONValue) throws(InputError) -> KubernetesChange {
        try decodeKubewatch(reading: body)
    }

    static func decodeKubewatch(reading body: some InputJSON) throws(InputError) -> KubernetesChange {
        guard body.isObject else {
            throw InputError(message: "expected a kubewatch CloudEvent (an object with 'data'); found \(describe(body.value))")
        }
        guard let data = body.member("data"), data.isObject else {
            throw mismatch("data", expected: "an object", found: body.member("data")?.value)
        }
        let fields = data.members(["operation", "kind", "apiVersion", "obj", "oldObj"])
        let operationText = try string(fields[0]?.value, at: "data.operation")
        guard let operation = KubernetesOperation(rawValue: operationText) else {
            throw InputError(message: "data.operation: expected \"create\", \"update\" or \"delete\"; found \(quoted(operationText))")
        }
        let kind = try string(fields[1]?.value, at: "data.kind")
        let apiVersion = try optionalString(fields[2]?.value, at: "data.apiVersion") ?? ""
        guard let object = fields[3], object.isObject else { throw mismatch("data.obj", expected: "an object", found: fields[3]?.value) }
        var oldObject: KubernetesObject?
        switch fields[4] {
        case nil: oldObject = nil
        case let old? where old.isNull: oldObject = nil
        case let old? where old.isObject: oldObject = old.kubernetesObject
        case let other?: throw mismatch("data.oldObj", expected: "an object or null", found: other.value)
        }
        return KubernetesChange(
            operation: operation, kind: kind, apiVersion: apiVersion, object: object.kubernetesObject, oldObject: oldObject)
    }

    /// Decodes an Alertmanager webhook (v4) body as Robusta's runner does: `receiver`, `status`,
    /// `externalURL`, `groupKey` and `version` are required strings; `alerts` is an optional list; the
    /// common and group label maps are optional. Each alert needs `status`; its `labels` and `annotations`
    /// map strings to strings; `startsAt`, `endsAt`, `generatorURL` and `fingerprint` default to `""`.
    public static func decodeAlertmanager(_ body: JSONValue) throws(InputError) -> AlertmanagerWebhook {
        try decodeAlertmanager(reading: body)
    }

    static func decodeAlertmanager(reading body: some InputJSON) throws(InputError) -> AlertmanagerWebhook {
        if let node = body as? JSONNode, let webhook = readAlertmanager(node) { return webhook }
        guard body.isObject else {
            let expected = "expected an Alertmanager webhook (an object with 'alerts' or 'receiver')"
            throw InputError(message: "\(expected); found \(describe(body.value))")
        }
        let fields = body.members(webhookFields)
        var webhook = AlertmanagerWebhook(
            receiver: try string(fields[0]?.value, at: "receiver"),
            status: try string(fields[1]?.value, at: "status"),
            externalURL: try string(fields[2]?.value, at: "externalURL"),
            groupKey: try string(fields[3]?.value, at: "groupKey"),
            version: try string(fields[4]?.value, at: "version"),
            commonLabels: try stringMap(fields[5], at: "commonLabels"),
            commonAnnotations: try stringMap(fields[6], at: "commonAnnotations"),
            groupLabels: try stringMap(fields[7], at: "groupLabels"))
        switch fields[8] {
        case nil: break
        case let alerts? where alerts.isNull: break
        case let alerts?:
            guard let items = alerts.elements else { throw mismatch("alerts", expected: "a list", found: alerts.value) }
            webhook.alerts.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                webhook.alerts.append(try alert(item, at: "alerts[\(index)]"))
            }
        }
        return webhook
    }

    static func alert(_ value: some InputJSON, at path: String) throws(InputError) -> PrometheusAlert {
        guard value.isObject else { throw mismatch(path, expected: "an object", found: value.value) }
        let fields = value.members(alertFields)
        return PrometheusAlert(
            status: try string(fields[0]?.value, at: "\(path).status"),
            labels: try stringMap(fields[1], at: "\(path).labels"),
            annotations: try stringMap(fields[2], at: "\(path).annotations"),
            startsAt: try optionalString(fields[3]?.value, at: "\(path).startsAt") ?? "",
            endsAt: try optionalString(fields[4]?.value, at: "\(path).endsAt") ?? "",
            generatorURL: try optionalString(fields[5]?.value, at: "\(path).generatorURL") ?? "",
            fingerprint: try optionalString(fields[6]?.value, at: "\(path).fingerprint") ?? "")
    }

    /// The members of a webhook and of an alert that decoding reads; the required strings first.
    static let webhookFields = [
        "receiver", "status", "externalURL", "groupKey", "version", "commonLabels", "commonAnnotations", "groupLabels", "alerts",
    ]
    static let alertFields = ["status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"]

    // MARK: Reading a checked text in one pass

    /// A webhook read in one pass straight from a checked text, when it holds what a well-formed
    /// one does: the required strings, maps of strings (or null), a list (or null) of objects
    /// whose `status` is a string. `nil` for anything else, which ``decodeAlertmanager(reading:)``
    /// then decodes by the same rules, with their messages. Reading each value where it lies,
    /// instead of finding the members first and reading them after, halves the cost of an alert.
    static func readAlertmanager(_ node: JSONNode) -> AlertmanagerWebhook? {
        node.document.read(at: node.offset, building: false) { parser throws(JSONParseError) -> AlertmanagerWebhook? in
            var webhook = AlertmanagerWebhook(receiver: "", status: "")
            var required = 0  // a bit per required string found
            let read = try parser.readMembers(named: webhookFields) { field, parser throws(JSONParseError) in
                switch field {
                case 0...4:
                    guard let string = try parser.readString() else { return false }
                    required |= 1 << field
                    switch field {
                    case 0: webhook.receiver = string
                    case 1: webhook.status = string
                    case 2: webhook.externalURL = string
                    case 3: webhook.groupKey = string
                    default: webhook.version = string
                    }
                case 5...7:
                    // Checked here, built only when read (nothing in the engine reads them).
                    guard let strings = try skipStringMap(&parser, in: node.document) else { return false }
                    switch field {
                    case 5: webhook.commonLabelsField = strings
                    case 6: webhook.commonAnnotationsField = strings
                    default: webhook.groupLabelsField = strings
                    }
                default:
                    var alerts: [PrometheusAlert] = []
                    if !parser.readNull() {
                        // Most bodies hold a few alerts; growing the array one by one allocated at each doubling.
                        alerts.reserveCapacity(4)
                        let listed = try parser.readElements { parser throws(JSONParseError) in
                            guard let alert = try readAlert(&parser, in: node.document) else { return false }
                            alerts.append(alert)
                            return true
                        }
                        guard listed else { return false }
                    }
                    webhook.alerts = alerts
                }
                return true
            }
            return read && required == 0b11111 ? webhook : nil
        }
    }

    /// An alert read where it lies (see ``readAlertmanager(_:)``); `nil` when it is not what a
    /// well-formed one is.
    static func readAlert(_ parser: inout JSONParser, in document: JSONDocument) throws(JSONParseError) -> PrometheusAlert? {
        var status: String?
        var labels = AlertLabels([:])
        var annotations = UnreadStrings([:])
        var startsAt = ""
        var endsAt = ""
        var generatorURL = ""
        var fingerprint = ""
        let read = try parser.readMembers(named: alertFields) { field, parser throws(JSONParseError) in
            switch field {
            case 0:
                guard let value = try parser.readString() else { return false }
                status = value
            case 1:
                // As pairs: the engine reads labels one by one (see ``AlertLabels``).
                if parser.readNull() {
                    labels = AlertLabels([:])
                } else {
                    guard parser.base[parser.position] == UInt8(ascii: "{"), let pairs = try parser.parseStringPairs() else { return false }
                    labels = AlertLabels(pairs: pairs)
                }
            case 2:
                // Checked here, built only when read: an alert that fires no playbook never is.
                guard let value = try skipStringMap(&parser, in: document) else { return false }
                annotations = value
            default:
                let value: String
                if parser.readNull() {
                    value = ""
                } else if field == 4, parser.readString(ifExactly: PrometheusAlert.unsetEnd) {
                    // A firing alert's end, the same in every one: shared, not built each time.
                    value = PrometheusAlert.unsetEnd
                } else if let string = try parser.readString() {
                    value = string
                } else {
                    return false
                }
                switch field {
                case 3: startsAt = value
                case 4: endsAt = value
                case 5: generatorURL = value
                default: fingerprint = value
                }
            }
            return true
        }
        guard read, let status else { return nil }
        return PrometheusAlert(
            status: status, labels: labels, annotations: annotations, startsAt: startsAt, endsAt: endsAt, generatorURL: generatorURL,
            fingerprint: fingerprint)
    }

    /// A map of strings (empty for null) checked where it lies and left unread; `nil` for anything else.
    static func skipStringMap(_ parser: inout JSONParser, in document: JSONDocument) throws(JSONParseError) -> UnreadStrings? {
        if parser.readNull() { return UnreadStrings([:]) }
        guard parser.base[parser.position] == UInt8(ascii: "{") else { return nil }
        let start = parser.position
        guard try parser.skipStringMap() else { return nil }
        return UnreadStrings(unread: JSONNode(document: document, offset: start))
    }

    // MARK: Fields

    static func object(_ value: JSONValue?, at path: String) throws(InputError) -> [String: JSONValue] {
        guard case .object(let members)? = value else { throw mismatch(path, expected: "an object", found: value) }
        return members
    }

    static func string(_ value: JSONValue?, at path: String) throws(InputError) -> String {
        guard case .string(let string)? = value else { throw mismatch(path, expected: "a string", found: value) }
        return string
    }

    /// A string, or `nil` when the field is missing or null.
    static func optionalString(_ value: JSONValue?, at path: String) throws(InputError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let string)?: return string
        case let other?: throw mismatch(path, expected: "a string", found: other)
        }
    }

    /// A mapping of strings to strings; empty when the field is missing or null. Read straight
    /// into strings when it is one; anything else goes through the built value and its messages.
    static func stringMap(_ value: (some InputJSON)?, at path: String) throws(InputError) -> [String: String] {
        if let strings = value?.strings { return strings }
        return try stringMap(value?.value, at: path)
    }

    /// A mapping of strings to strings; empty when the field is missing or null.
    static func stringMap(_ value: JSONValue?, at path: String) throws(InputError) -> [String: String] {
        switch value {
        case nil, .null?: return [:]
        case .object(let members)?:
            var strings: [String: String] = [:]
            strings.reserveCapacity(members.count)
            for (key, member) in members {
                guard case .string(let string) = member else {
                    // Report the first offender in key order, so the message does not depend on hashing.
                    let key = members.filter { $0.value.stringValue == nil }.keys.min() ?? key
                    throw mismatch(path + pathComponent(key), expected: "a string", found: members[key])
                }
                strings[key] = string
            }
            return strings
        case let other?: throw mismatch(path, expected: "an object of strings", found: other)
        }
    }

    // MARK: Messages

    static func mismatch(_ path: String, expected: String, found value: JSONValue?) -> InputError {
        InputError(message: "\(path): expected \(expected); found \(describe(value))")
    }

    /// `.name` for plain keys, `["app.kubernetes.io/name"]` for others.
    static func pathComponent(_ key: String) -> String {
        let plain =
            !key.isEmpty
            && key.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "_"), UInt8(ascii: "-"):
                    return true
                default: return false
                }
            }
        return plain ? ".\(key)" : "[\(quoted(key))]"
    }

    static func describe(_ value: JSONValue?) -> String {
        switch value {
        case nil: return "nothing (the field is missing)"
        case .null?: return "null"
        case .bool(let bool)?: return String(bool)
        case .int(let int)?: return String(int)
        case .double(let double)?: return String(double)
        case .string(let string)?: return quoted(string)
        case .array?: return "a list"
        case .object?: return "an object"
        }
    }

    static func describeKeys(_ members: [String: JSONValue]) -> String {
        if members.isEmpty { return "an empty object" }
        let keys = members.keys.sorted()
        let shown = keys.prefix(5).map { "'\($0)'" }.joined(separator: ", ")
        let more = keys.count > 5 ? " and \(keys.count - 5) more" : ""
        return "an object with keys \(shown)\(more)"
    }

    /// A string in double quotes, as every message quotes values (``MessageText/quoted(_:quote:escapingQuotes:)``:
    /// control characters escaped, cut after 100 characters with its length stated), quotes and backslashes escaped.
    static func quoted(_ string: String) -> String {
        MessageText.quoted(string, quote: "\"", escapingQuotes: true)
    }
}

/// What decoding an input reads of a JSON value, built (``JSONValue``) or read on demand from a
/// checked text (``JSONNode``), so that both are decoded by the same rules.
protocol InputJSON {
    var isObject: Bool { get }
    var isNull: Bool { get }
    /// The elements, when this is an array.
    var elements: [Self]? { get }
    /// The members, when this is an object whose values are all strings; `nil` otherwise.
    var strings: [String: String]? { get }
    /// What ``members(_:)`` finds.
    associatedtype Members: MemberList where Members.Value == Self
    /// The values of the members named `keys` (in a checked text, at most ``NodeMembers/capacity``
    /// of them); `nil` for one the object does not have.
    func members(_ keys: [String]) -> Members
    /// The value of the member named `key`; `nil` when the object does not have one.
    func member(_ key: String) -> Self?
    /// The value, built.
    var value: JSONValue { get }
    /// The object this value is, as a Kubernetes object.
    var kubernetesObject: KubernetesObject { get }
}

/// Values found by key, by the index of their key: `nil` for a key not found.
protocol MemberList {
    associatedtype Value
    subscript(index: Int) -> Value? { get }
}

extension Array: MemberList where Element == JSONValue? {}

extension JSONValue: InputJSON {
    var isObject: Bool { objectValue != nil }
    func members(_ keys: [String]) -> [JSONValue?] { keys.map { self[$0] } }
    func member(_ key: String) -> JSONValue? { self[key] }
    var value: JSONValue { self }
    var elements: [JSONValue]? { arrayValue }
    var strings: [String: String]? { nil }
    var kubernetesObject: KubernetesObject { KubernetesObject(json: self) }
}

extension JSONNode: InputJSON {
    var kubernetesObject: KubernetesObject { KubernetesObject(node: self) }
}
