import Foundation
import Testing

@testable import Triggerfish

/// `Finding(jsonValue:)`, what `triggerfish trigger` reads a server's findings with: the inverse
/// of `Finding.jsonValue`.
@Suite struct FindingDecodingTests {
    @Test func everyFieldAndBlockTypeRoundTrips() throws {
        let finding = sampleFinding()
        #expect(try Finding(jsonValue: finding.jsonValue) == finding)
        // Through the text too, as it crosses the network.
        #expect(try Finding(jsonValue: try JSONValue.parse(finding.jsonValue.serialized())) == finding)
    }

    @Test func absentValuesAndFractionalTimesRoundTrip() throws {
        let finding = Finding(
            title: "t", severity: .debug, aggregationKey: "k", source: "scheduler", fingerprint: "f",
            startsAt: Date(timeIntervalSince1970: 1_767_323_045.25), endsAt: Date(timeIntervalSince1970: 1_767_323_046))
        #expect(try Finding(jsonValue: finding.jsonValue) == finding)
        let bare = Finding(title: "t", aggregationKey: "k")
        #expect(try Finding(jsonValue: bare.jsonValue) == bare)
    }

    @Test func aKindTheSchemaDoesNotHaveIsKeptAsWritten() throws {
        let finding = Finding(title: "t", aggregationKey: "k", subject: FindingSubject(kind: "Rollout", name: "r"))
        #expect(try Finding(jsonValue: finding.jsonValue).subject.kind == "rollout")
        let known = Finding(title: "t", aggregationKey: "k", subject: FindingSubject(kind: "HorizontalPodAutoscaler", name: "h"))
        #expect(try Finding(jsonValue: known.jsonValue).subject.kind == "HorizontalPodAutoscaler")
    }

    @Test func extraKeysAreIgnored() throws {
        guard case .object(var members) = sampleFinding().jsonValue else { return }
        members["sinks"] = ["main"]
        #expect(try Finding(jsonValue: .object(members)) == sampleFinding())
    }

    @Test func whatIsWrongIsNamedByItsPath() throws {
        func problem(_ change: (inout [String: JSONValue]) -> Void) -> String? {
            guard case .object(var members) = sampleFinding().jsonValue else { return nil }
            change(&members)
            do {
                _ = try Finding(jsonValue: .object(members))
                return nil
            } catch {
                return error.message
            }
        }
        #expect(problem { $0["title"] = nil } == "'title' must be a string, found none")
        #expect(problem { $0["severity"] = "URGENT" } == "'severity' must be 'DEBUG', 'INFO', 'LOW' or 'HIGH', found 'URGENT'")
        #expect(problem { $0["subject"] = ["labels": [:]] } == "'subject.annotations' must be an object, found none")
        #expect(
            problem { $0["subject"] = ["labels": ["app": 1], "annotations": [:]] }
                == "'subject.labels.app' must be a string, found an integer (1)")
        #expect(problem { $0["starts_at"] = "yesterday" } == #"'starts_at' must be an RFC 3339 time, found a string ("yesterday")"#)
        #expect(
            problem { $0["enrichments"] = [["title": nil, "blocks": [["type": "video"]]]] }
                == "'enrichments[0].blocks[0].type' must be 'markdown', 'table', 'list', 'json', 'file', 'empty_file' or 'kubernetes_diff', found 'video'"
        )
        #expect(
            problem { $0["enrichments"] = [["blocks": [["type": "table", "headers": ["a"], "rows": [["x", 2]]]]]] }
                == "'enrichments[0].blocks[0].rows[0][1]' must be a string, found an integer (2)")
        #expect(throws: FindingDecodingError(message: "'finding' must be an object, found a list")) { try Finding(jsonValue: [1]) }
    }
}
