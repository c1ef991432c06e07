import Foundation
import Testing
import TriggerfishTestSupport

@testable import Triggerfish

/// The on-demand reading of inputs (``JSONDocument``) against the parser that builds everything
/// and against Foundation's `JSONSerialization`, on generated and mutated texts: the same
/// rejections with the same errors, and the same values however they are reached.
@Suite struct JSONDocumentTests {
    enum Outcome: Equatable {
        case value(JSONValue)
        case error(JSONParseError)
    }

    static func built(_ bytes: [UInt8]) -> Outcome {
        do { return .value(try JSONValue.parse(bytes)) } catch { return .error(error) }
    }

    /// The whole value as the document reaches it: every member through ``JSONNode/members(_:)``
    /// (with a key no object has), every element through ``JSONNode/elements``. A member looked up
    /// alone (``JSONNode/member(_:)``) is the one `members` finds, repeated and escaped keys too.
    static func reached(_ node: JSONNode) -> JSONValue {
        let value = node.value
        if case .array = value {
            guard let elements = node.elements else {
                Issue.record("an array without elements")
                return .null
            }
            return .array(elements.map(reached))
        }
        #expect(node.elements == nil || value.arrayValue != nil)
        guard case .object(let members) = value else { return value }
        // `strings` may decline (a duplicate key's earlier value is not a string); what it gives
        // must be the object's strings.
        if let strings = node.strings {
            #expect(members.values.allSatisfy { $0.stringValue != nil } && strings == members.compactMapValues(\.stringValue))
        }
        let keys = Array(members.keys) + ["\u{1F47B} not a key"]
        // As many keys at once as `members` takes.
        var nodes: [JSONNode?] = []
        for first in stride(from: 0, to: keys.count, by: NodeMembers.capacity) {
            let some = Array(keys[first..<min(first + NodeMembers.capacity, keys.count)])
            let found = node.members(some)
            nodes += some.indices.map { found[$0] }
        }
        #expect(nodes.last! == nil)
        for (key, child) in zip(keys, nodes) { #expect(node.member(key)?.offset == child?.offset, "member(\(key))") }
        var object: [String: JSONValue] = [:]
        for (key, child) in zip(keys, nodes) where child != nil { object[key] = reached(child!) }
        return .object(object)
    }

    static func read(_ bytes: [UInt8]) -> Outcome {
        do {
            let document = try JSONDocument(checking: bytes)
            return .value(reached(document.rootNode))
        } catch {
            return .error(error)
        }
    }

    /// Foundation's reading of the text, as a value, or `nil` when it refuses it.
    static func foundation(_ bytes: [UInt8]) -> JSONValue? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else { return nil }
        return JSONValue(foundation: object)
    }

    /// A random JSON text: nested objects (with repeated and escaped keys) and arrays, strings with
    /// escapes and non-ASCII characters, numbers of every form, literals, and whitespace.
    static func generate(_ random: inout SplitMix64, depth: Int = 0) -> String {
        func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
        let space = [" ", "", "\n", "\t ", ""][pick(5)]
        let strings = ["name", "na\\u006de", "a\\\"b", "caf\u{E9}", "\\ud83d\\ude00", "", "line\\nbreak", "x\\/y", "\u{65E5}\u{672C}"]
        let kind = depth > 4 ? pick(4) : pick(7)
        switch kind {
        case 0: return "\"\(strings[pick(strings.count)])\""
        case 1:
            return [
                "0", "-1", "42", "3.25", "-0.5e3", "1E-2", "9223372036854775807", "-9223372036854775808", "18446744073709551616", "1e308",
            ][pick(10)]
        case 2: return ["true", "false", "null"][pick(3)]
        case 3: return "\"metadata\""
        case 4, 5:
            let keys = ["metadata", "name", "na\\u006de", "labels", "obj", "data", "k\u{E9}y"]
            let members = (0..<pick(5)).map { _ in
                "\(space)\"\(keys[pick(keys.count)])\"\(space):\(space)\(generate(&random, depth: depth + 1))"
            }
            return "{" + members.joined(separator: ",") + space + "}"
        default:
            let elements = (0..<pick(4)).map { _ in space + generate(&random, depth: depth + 1) }
            return "[" + elements.joined(separator: ",") + space + "]"
        }
    }

    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        let alphabet = Array(#"{}[]:,"\ 0123456789-+.eEtrufalsn/u"#.utf8) + [0x00, 0x0A, 0x80, 0xBF, 0xC3, 0xED, 0xF4, 0xFF]
        for _ in 0..<(1 + random.next() % 3) {
            guard !bytes.isEmpty else { break }
            let index = Int(random.next() % UInt64(bytes.count))
            switch random.next() % 3 {
            case 0: bytes[index] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            case 1: bytes.remove(at: index)
            default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: index)
            }
        }
        return bytes
    }

    @Test func generatedAndMutatedTextsReadAsTheParserAndFoundationReadThem() throws {
        var random = SplitMix64(seed: 20_261_203)
        var texts: [[UInt8]] = []
        for _ in 0..<3_000 {
            let text = Array(Self.generate(&random).utf8)
            texts.append(text)
            texts.append(Self.mutate(text, &random))
        }
        for fixture in try InputFixtures.all() {
            texts.append(fixture.bytes)
            for _ in 0..<50 { texts.append(Self.mutate(fixture.bytes, &random)) }
        }
        var accepted = 0
        var refused = 0
        for text in texts {
            let built = Self.built(text)
            let read = Self.read(text)
            #expect(read == built, "\(String(decoding: text, as: UTF8.self))")
            // The quick check (the fast path of a document's check) accepts exactly what the parser does.
            let parses = if case .value = built { true } else { false }
            #expect(JSONDocument.quickCheckAccepts(text) == parses, "\(String(decoding: text, as: UTF8.self))")
            let foundation = Self.foundation(text)
            switch built {
            case .value(let value):
                accepted += 1
                // Foundation keeps the first of duplicate keys where the parser keeps the last
                // (as Python does), reads some integers at the edge of 64 bits as doubles, and
                // rounds some long decimals to a neighbouring double (-92233720385.4775808 gives
                // ...47757 where Python and the parser give the nearest, ...47758): numbers are
                // compared as numbers, to one unit in the last place.
                if !Self.hasDuplicateKeys(text) {
                    #expect(foundation.map { Self.agree($0, value) } == true, "\(String(decoding: text, as: UTF8.self))")
                }
            case .error:
                refused += 1
                #expect(foundation == nil, "Foundation accepts \(String(decoding: text, as: UTF8.self))")
            }
        }
        // Both sides of the comparison are exercised.
        #expect(accepted > 2_000 && refused > 1_000, "accepted \(accepted), refused \(refused)")
    }

    /// The edges of the structure the quick check walks: nesting at and past the limit, empty and
    /// blank texts, text after the value, trailing commas (which Foundation accepts, so they are
    /// not in the comparison above), and containers left open or closed wrongly.
    @Test func theQuickCheckAcceptsWhatTheParserAcceptsAtTheEdges() {
        var texts: [String] = []
        let deepest = JSONValue.maximumParseDepth
        for depth in [deepest - 1, deepest, deepest + 1] {
            texts.append(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
            texts.append(String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth))
        }
        texts += ["", " ", "1 2", "{} x", "[1,]", "{\"a\":1,}", "[1}", "{\"a\":1]", "[[]", "{\"a\" 1}", "{1:2}", " [ ] ", "\"\\u00e9\""]
        var refused = 0
        for text in texts {
            let bytes = Array(text.utf8)
            let built = Self.built(bytes)
            #expect(Self.read(bytes) == built, "\(text)")
            let parses = if case .value = built { true } else { false }
            if !parses { refused += 1 }
            #expect(JSONDocument.quickCheckAccepts(bytes) == parses, "\(text)")
        }
        #expect(refused == 13)
    }

    /// The quick check makes room for one container per 32 bytes, as Kubernetes objects have; a
    /// text denser in containers is checked again with room for the most it can hold. Either
    /// way the recorded containers are where reads find them.
    @Test func aTextDenserInContainersThanObjectsAreIsCheckedAndReadAlike() {
        // Numbers too: checking one moves the parser's position, from which a second check must not start.
        let lists = "[" + (0..<300).map { $0 % 3 == 0 ? "[]" : "[\($0)]" }.joined(separator: ",") + "]"
        let objects = "{" + (0..<200).map { "\"k\($0)\":{\"a\":[{}]}" }.joined(separator: ",") + "}"
        let deepest =
            String(repeating: "[", count: JSONValue.maximumParseDepth) + String(repeating: "]", count: JSONValue.maximumParseDepth)
        let tooDeep = "[" + deepest + "]"
        let brokenAtTheEnd = "[" + Array(repeating: "{}", count: 300).joined(separator: ",") + ",]"
        for text in [lists, objects, deepest, "[\(lists),\(objects)]"] {
            let bytes = Array(text.utf8)
            #expect(JSONDocument.quickCheckAccepts(bytes), "\(text.prefix(40))")
            guard case .value(let built) = Self.built(bytes) else {
                Issue.record("the parser refused \(text.prefix(40))")
                continue
            }
            #expect(Self.read(bytes) == .value(built), "\(text.prefix(40))")
        }
        for text in [tooDeep, brokenAtTheEnd] {
            #expect(!JSONDocument.quickCheckAccepts(Array(text.utf8)), "\(text.prefix(40))")
        }
    }

    static func agree(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.int, _), (.double, _):
            guard let left = number(lhs), let right = number(rhs) else { return false }
            return left == right || left.nextUp == right || left.nextDown == right
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { agree($0, $1) }
        case (.object(let left), .object(let right)):
            return left.count == right.count && left.allSatisfy { key, value in right[key].map { agree(value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let int): Double(int)
        case .double(let double): double
        default: nil
        }
    }

    static func hasDuplicateKeys(_ text: [UInt8]) -> Bool {
        guard let value = try? JSONValue.parse(text) else { return false }
        // Parsing keeps one value per key, so a text with duplicates has more keys than its value.
        func keys(_ value: JSONValue) -> Int {
            switch value {
            case .object(let members): members.count + members.values.map(keys).reduce(0, +)
            case .array(let items): items.map(keys).reduce(0, +)
            default: 0
            }
        }
        var count = 0
        var inString = false
        var escaped = false
        var depthKinds: [UInt8] = []
        var expectingKey = false
        for byte in text {
            if inString {
                if escaped { escaped = false } else if byte == 0x5C { escaped = true } else if byte == 0x22 { inString = false }
                continue
            }
            switch byte {
            case 0x22:
                inString = true
                if expectingKey { count += 1 }
                expectingKey = false
            case 0x7B:
                depthKinds.append(byte)
                expectingKey = true
            case 0x5B: depthKinds.append(byte)
            case 0x7D, 0x5D: _ = depthKinds.popLast()
            case 0x2C: expectingKey = depthKinds.last == 0x7B
            default: break
            }
        }
        return count != keys(value)
    }

    @Test func aDetachedObjectKeepsOnlyItsOwnBytesAndReadsTheSame() throws {
        var checked = 0
        for fixture in try InputFixtures.all() {
            guard case .kubernetes(let change)? = try? InputDecoder.decode(fixture.bytes) else { continue }
            for object in [change.object] + (change.oldObject.map { [$0] } ?? []) {
                let detached = object.detached()
                guard case .lazy(let original) = object.storage, case .lazy(let kept) = detached.storage else {
                    Issue.record("\(fixture.name): not read on demand")
                    continue
                }
                #expect(kept.node.document.bytes.count < original.node.document.bytes.count)
                #expect(
                    Array(kept.node.document.bytes)
                        == Array(original.node.document.bytes[original.node.offset...].prefix(kept.node.document.bytes.count)))
                #expect(detached.json == object.json, "\(fixture.name)")
                #expect(detached.name == object.name && detached.namespace == object.namespace && detached.labels == object.labels)
                #expect(Self.reached(kept.node) == object.json)
                checked += 1
            }
        }
        #expect(checked >= 5, "the fixtures hold five kubewatch objects")
    }

    @Test func aPathReadsTheSameFromAnObjectReadOnDemandWithoutBuildingIt() throws {
        let paths = [
            "spec.nodeName", "metadata.ownerReferences[0].name", "status.containerStatuses", "status.containerStatuses[1].state",
            "spec.containers[0].ports[0].containerPort", "spec.containers[9]", "metadata", "kind", "missing.path", "spec.nodeName.deeper",
            "spec.containers[x]", "spec.containers[-1]", "",
        ]
        var checked = 0
        for fixture in try InputFixtures.all() {
            guard case .kubernetes(let change)? = try? InputDecoder.decode(fixture.bytes) else { continue }
            for object in [change.object] + (change.oldObject.map { [$0] } ?? []) {
                guard case .lazy(let lazy) = object.storage else {
                    Issue.record("\(fixture.name): not read on demand")
                    continue
                }
                let built = KubernetesObject(json: object.json)
                for path in paths {
                    #expect(object.value(atPath: path) == built.json.value(atPath: path), "\(fixture.name): \(path)")
                }
                #expect(object.nodeName == built.json.value(atPath: "spec.nodeName")?.stringValue)
                #expect(built.nodeName == built.json.value(atPath: "spec.nodeName")?.stringValue)
                checked += 1
                // A fresh copy, whose paths are read before anything builds the whole object.
                let fresh = KubernetesObject(node: lazy.node)
                #expect(fresh.value(atPath: "metadata.name") == built.json.value(atPath: "metadata.name"))
                guard case .lazy(let freshLazy) = fresh.storage else { continue }
                #expect(!freshLazy.hasBuiltJSON, "\(fixture.name): reading a path built the whole object")
            }
        }
        #expect(checked >= 5, "the fixtures hold five kubewatch objects")
        let reference = KubernetesObject(referenceTo: "Pod", apiVersion: "v1", name: "web-1", namespace: "shop")
        #expect(reference.value(atPath: "metadata.namespace") == .string("shop"))
        #expect(reference.value(atPath: "spec.nodeName") == nil)
        #expect(reference.nodeName == nil)
    }

    @Test func aKubewatchBodyIsDecodedAlikeBuiltOrReadOnDemand() throws {
        for fixture in try InputFixtures.all() {
            guard let value = try? JSONValue.parse(fixture.bytes), value["data"] != nil else { continue }
            let read = Result { () throws(InputError) in try InputDecoder.decode(fixture.bytes) }
            let built = Result { () throws(InputError) in try InputDecoder.decode(parsed: value) }
            switch (read, built) {
            case (.success(.kubernetes(let lazy)), .success(.kubernetes(let eager))):
                #expect(lazy.operation == eager.operation && lazy.kind == eager.kind && lazy.apiVersion == eager.apiVersion)
                #expect(lazy.object.name == eager.object.name && lazy.object.namespace == eager.object.namespace)
                #expect(lazy.object.labels == eager.object.labels && lazy.object.annotations == eager.object.annotations)
                #expect(lazy.object.kind == eager.object.kind && lazy.object.apiVersion == eager.object.apiVersion)
                #expect(lazy.object == eager.object && lazy.oldObject == eager.oldObject, "\(fixture.name)")
            case (.failure(let lazy), .failure(let eager)):
                #expect(lazy == eager, "\(fixture.name)")
            default:
                Issue.record("\(fixture.name): read on demand \(read), built \(built)")
            }
        }
    }

    /// A random Alertmanager body: the fields decoding reads (some escaped, repeated or missing)
    /// and others, holding what they should or null, numbers, lists, objects of non-strings.
    static func webhookText(_ random: inout SplitMix64) -> String {
        func pick(_ count: Int) -> Int { Int(random.next() % UInt64(count)) }
        let strings = [#""firing""#, #""r\u00e9sum\u00e9""#, #""""#, #""a\"b\nc""#, #""\ud83d\ude00""#]
        let wrong = ["null", "4", "true", "[]", #"{"a": 1}"#, #"["x"]"#]
        let maps = ["{}", #"{"alertname": "Kube", "pod": "web-1"}"#, #"{"a": "1", "a": "2"}"#, #"{"n\u0061me": "x"}"#, "null"]
        func value(_ kind: Int) -> String {
            // Mostly what the field should hold, sometimes anything.
            if pick(25) == 0 { return (wrong + strings + maps)[pick(wrong.count + strings.count + maps.count)] }
            return kind == 0 ? strings[pick(strings.count)] : maps[pick(maps.count)]
        }
        func object(_ fields: [(name: String, kind: Int)], extra: () -> String) -> String {
            var members: [String] = []
            for field in fields where pick(40) != 0 {
                let name = pick(10) == 0 ? field.name.replacingOccurrences(of: "s", with: "\\u0073") : field.name
                members.append("\"\(name)\": \(value(field.kind))")
                if pick(10) == 0 { members.append("\"\(name)\": \(value(field.kind))") }
            }
            if pick(3) == 0 { members.insert(#""other": {"receiver": 1, "status": [true]}"#, at: pick(members.count + 1)) }
            members.append(contentsOf: pick(2) == 0 ? [extra()] : [])
            return "{" + members.shuffledFirst(pick(2) == 0, &random).joined(separator: pick(2) == 0 ? ", " : ",\n ") + "}"
        }
        let alertFields = [
            ("status", 0), ("labels", 1), ("annotations", 1), ("startsAt", 0), ("endsAt", 0), ("generatorURL", 0), ("fingerprint", 0),
        ]
        func alert() -> String {
            if pick(15) == 0 { return ["null", #""x""#, "[]"][pick(3)] }
            return object(alertFields.map { (name: $0.0, kind: $0.1) }) { #""startsAt": null"# }
        }
        let webhookFields = [
            ("receiver", 0), ("status", 0), ("externalURL", 0), ("groupKey", 0), ("version", 0), ("commonLabels", 1),
            ("commonAnnotations", 1), ("groupLabels", 1),
        ]
        return object(webhookFields.map { (name: $0.0, kind: $0.1) }) {
            pick(10) == 0 ? #""alerts": null"# : #""alerts": ["# + (0..<pick(4)).map { _ in alert() }.joined(separator: ", ") + "]"
        }
    }

    /// An Alertmanager body read in one pass from the checked text decodes as the built value
    /// does, to the same webhook or the same message; the one-pass reader takes the well-formed
    /// bodies and leaves the others to the general decoding.
    @Test func anAlertmanagerBodyIsDecodedAlikeBuiltOrReadInOnePass() throws {
        var random = SplitMix64(seed: 20_261_204)
        var texts = try ["alertmanager_webhook_two_alerts.json", "alertmanager_webhook_null_maps.json"].map(InputFixtures.bytes)
        for _ in 0..<4_000 {
            let text = Array(Self.webhookText(&random).utf8)
            texts.append(text)
            if random.next() % 4 == 0 { texts.append(Self.mutate(text, &random)) }
        }
        var readInOnePass = 0
        var refused = 0
        for text in texts {
            guard let value = try? JSONValue.parse(text) else { continue }
            let read = Result { () throws(InputError) in try InputDecoder.decode(text) }
            let built = Result { () throws(InputError) in try InputDecoder.decode(parsed: value) }
            switch (read, built) {
            case (.success(let lazy), .success(let eager)):
                guard case .alerts(let lazy) = lazy, case .alerts(let eager) = eager else { continue }
                #expect(lazy == eager, "\(String(decoding: text, as: UTF8.self))")
            case (.failure(let lazy), .failure(let eager)):
                refused += 1
                #expect(lazy == eager, "\(String(decoding: text, as: UTF8.self))")
            default:
                Issue.record("\(String(decoding: text, as: UTF8.self)): read \(read), built \(built)")
            }
            let document = try JSONDocument(checking: text)
            if let webhook = InputDecoder.readAlertmanager(document.rootNode) {
                readInOnePass += 1
                guard case .success(.alerts(let eager)) = built else {
                    Issue.record("\(String(decoding: text, as: UTF8.self)): read in one pass, built \(built)")
                    continue
                }
                #expect(webhook == eager, "\(String(decoding: text, as: UTF8.self))")
            }
        }
        #expect(readInOnePass > 1_000 && refused > 1_000, "read in one pass \(readInOnePass), refused \(refused)")
        for fixture in ["alertmanager_webhook_two_alerts.json", "alertmanager_webhook_null_maps.json"] {
            #expect(InputDecoder.readAlertmanager(try JSONDocument(checking: InputFixtures.bytes(fixture)).rootNode) != nil, "\(fixture)")
        }
    }
}

extension Array {
    /// The array shuffled by `random` when `shuffled`, else as it is.
    fileprivate func shuffledFirst(_ shuffled: Bool, _ random: inout SplitMix64) -> [Element] {
        guard shuffled else { return self }
        return self.shuffled(using: &random)
    }
}
