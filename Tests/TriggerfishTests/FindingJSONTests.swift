import Foundation
import Testing

@testable import Triggerfish

/// A finding with every block type, shared by the sink tests.
func sampleFinding(title: String = "Crashing pod web-1", description: String? = "The container restarted 3 times.") -> Finding {
    Finding(
        title: title, description: description, severity: .high, aggregationKey: "CrashLoop", source: "kubernetes_api_server",
        subject: FindingSubject(
            kind: "Pod", name: "web-1", namespace: "prod", node: "node-1", labels: ["app": "web", "tier": "frontend"],
            annotations: ["owner": "team-a"]),
        enrichments: [
            Enrichment(title: "Logs", blocks: [.markdown("line 1\nline 2"), .file(name: "web.log", contents: "boot\ncrash\n")]),
            Enrichment(
                blocks: [
                    .table(headers: ["container", "restarts"], rows: [["web", "3"], ["sidecar", "0"]]),
                    .list(["OOMKilled", "BackOff"]),
                ]),
            Enrichment(
                title: "Changes",
                blocks: [
                    .kubernetesDiff([
                        DiffEntry(path: "spec.image", old: "web:1", new: "web:2"), DiffEntry(path: "spec.replicas", old: nil, new: 2),
                    ]),
                    .json(["ready": false, "ratio": 0.5]),
                ]),
        ],
        fingerprint: "5f0c6e0f2a1d9b3e", startsAt: Date(timeIntervalSince1970: 1_767_323_045), endsAt: nil)
}

@Suite struct FindingJSONTests {
    @Test func everyFieldAndBlockType() {
        #expect(
            sampleFinding().jsonValue.serialized()
                == #"{"aggregation_key":"CrashLoop","description":"The container restarted 3 times.","ends_at":null,"#
                + #""enrichments":[{"blocks":[{"text":"line 1\nline 2","type":"markdown"},"#
                + #"{"contents":"boot\ncrash\n","name":"web.log","type":"file"}],"title":"Logs"},"#
                + #"{"blocks":[{"headers":["container","restarts"],"rows":[["web","3"],["sidecar","0"]],"type":"table"},"#
                + #"{"items":["OOMKilled","BackOff"],"type":"list"}],"title":null},"#
                + #"{"blocks":[{"changes":[{"new":"web:2","old":"web:1","path":"spec.image"},"#
                + #"{"new":2,"old":null,"path":"spec.replicas"}],"type":"kubernetes_diff"},"#
                + #"{"type":"json","value":{"ratio":0.5,"ready":false}}],"title":"Changes"}],"#
                + #""failure":true,"finding_type":"issue","fingerprint":"5f0c6e0f2a1d9b3e","severity":"HIGH","source":"KUBERNETES_API_SERVER","#
                + #""starts_at":"2026-01-02T03:04:05Z","#
                + #""subject":{"annotations":{"owner":"team-a"},"kind":"pod","labels":{"app":"web","tier":"frontend"},"#
                + #""name":"web-1","namespace":"prod","node":"node-1"},"title":"Crashing pod web-1"}"#)
    }

    @Test func absentValuesAreNull() {
        let finding = Finding(title: "t", severity: .debug, aggregationKey: "k", fingerprint: "f")
        #expect(
            finding.jsonValue.serialized()
                == #"{"aggregation_key":"k","description":null,"ends_at":null,"enrichments":[],"failure":true,"finding_type":"issue","fingerprint":"f","#
                + #""severity":"DEBUG","source":"NONE","starts_at":null,"#
                + #""subject":{"annotations":{},"kind":null,"labels":{},"name":null,"namespace":null,"node":null},"title":"t"}"#)
    }

    @Test func timestampsAreRFC3339InUTC() {
        let finding = Finding(
            title: "t", aggregationKey: "k", startsAt: Date(timeIntervalSince1970: 0), endsAt: Date(timeIntervalSince1970: 1.25))
        #expect(finding.jsonValue["starts_at"] == "1970-01-01T00:00:00Z")
        #expect(finding.jsonValue["ends_at"] == "1970-01-01T00:00:01.250Z")
    }

    @Test func stringsAreEscapedAsJSONRequires() {
        let text = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} nul \u{00} del \u{7F} é 😀 \u{2028}"
        #expect(
            JSONValue.string(text).serialized()
                == #""quote \" backslash \\ slash / newline \n tab \t cr \r bell \u0007 nul \u0000 del \u007f é 😀 "#
                + "\u{2028}\"")
        #expect(JSONValue.string("\u{08}\u{0C}\u{1F}").serialized() == #""\b\f\u001f""#)
    }

    /// Issue 12: one alert with 100,000 labels took 13.8 s to write, because each string was
    /// appended to the output by copying the whole output. Written into bytes, it is linear; this
    /// checks the text of such a value whole (a regression shows as a slow test, not a timed one).
    @Test func largeValuesAreWrittenWhole() throws {
        let count = 100_000
        var members: [String: JSONValue] = [:]
        for index in 0..<count { members["label\(index)"] = .string("v\"\(index)") }
        let text = JSONValue.array([.object(members), .int(-1)]).serialized()
        let expected =
            "[{"
            + (0..<count).map { "\"label\($0)\":\"v\\\"\($0)\"" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            .joined(separator: ",") + "},-1]"
        #expect(text == expected)
    }

    @Test func serializedTextReadsBackAsTheSameValue() throws {
        let value = sampleFinding().jsonValue
        let decoded = try JSONDecoder().decode(JSONValue.self, from: Data(value.serialized().utf8))
        #expect(decoded == value)
        let tricky: JSONValue = ["\u{01}key\"": ["a\\b", "\u{1F}", 1.5e300, -0.25, -7, true, nil, [:], []]]
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(tricky.serialized().utf8)) == tricky)
    }

    @Test func numbersAndKeyOrder() {
        let value: JSONValue = ["b": 1, "a": 2.5, "B": .double(.nan), "é": .double(-.infinity), "aa": 1e-7, "c": 3.0]
        #expect(value.serialized() == #"{"B":null,"a":2.5,"aa":1e-07,"b":1,"c":3.0,"é":null}"#)
        #expect(value.serialized(sortedKeys: false).count == value.serialized().count)
    }

    @Test func prettyTextIsIndentedTwoSpaces() {
        let value: JSONValue = ["spec": ["replicas": 2, "ports": [80, 443], "empty": [:]], "kind": "Deployment"]
        #expect(
            value.prettySerialized() == """
                {
                  "kind": "Deployment",
                  "spec": {
                    "empty": {},
                    "ports": [
                      80,
                      443
                    ],
                    "replicas": 2
                  }
                }
                """)
    }
}
