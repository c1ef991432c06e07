import Foundation
import Testing
import TriggerfishTestSupport

@testable import Triggerfish

@Suite struct ScopeTests {
    /// The repository's own table of sink-scope cases, in the format of Robusta's
    /// `tests/scope_test_config.yaml` (the conformance suite runs Robusta's).
    @Test func everyCaseOfTheScopeTable() throws {
        let table = try ScopeTable(text: FixtureFolder.repository.text("scope_cases.yaml"), file: "scope_cases.yaml")
        #expect(table.cases.count == 17)
        #expect(try table.failures() == [])
    }

    @Test func sinkScopesSeeNoTypeAndNoNamespaceLabels() throws {
        let finding = Finding(title: "t", aggregationKey: "k")
        #expect(finding.scopeValue("type") == nil)
        #expect(finding.scopeValue("namespace_labels") == nil)
        let scope = try self.scope(include: [["namespace_labels": ["foo=.*"]]])
        #expect(!scope.accepts(finding.scopeValue))
    }

    @Test func findingAttributesUseRobustasSpelling() {
        let finding = Finding(
            title: "Crashing pod web-1", severity: .high, aggregationKey: "CrashLoop", source: "kubernetes_api_server",
            subject: FindingSubject(kind: "Pod", name: "web-1", namespace: "prod", node: "node-1", labels: ["app": "web"]))
        let names = ["title", "identifier", "severity", "source", "kind", "namespace", "node", "name", "labels", "annotations"]
        #expect(
            names.map { "\($0): \(finding.scopeValue($0).map(String.init(describing:)) ?? "absent")" } == [
                "title: text(\"Crashing pod web-1\")", "identifier: text(\"CrashLoop\")", "severity: text(\"HIGH\")",
                "source: text(\"KUBERNETES_API_SERVER\")", "kind: text(\"pod\")", "namespace: text(\"prod\")", "node: text(\"node-1\")",
                "name: text(\"web-1\")", "labels: pairs([\"app\": \"web\"])", "annotations: pairs([:])",
            ])
        #expect(Finding(title: "t", aggregationKey: "k").scopeValue("namespace") == nil)
    }

    func scope(include: [[String: [String]]]? = nil, exclude: [[String: [String]]]? = nil) throws(ConfigLoadError) -> CompiledScope {
        func entries(_ list: [[String: [String]]]) -> JSONValue {
            .array(list.map { entry in .object(entry.mapValues { .array($0.map(JSONValue.string)) }) })
        }
        var members: [String: JSONValue] = [:]
        if let include { members["include"] = entries(include) }
        if let exclude { members["exclude"] = entries(exclude) }
        return try CompiledScope(.object(members))
    }

    /// The validator's message for a scope built in code, or "compiled".
    func problem(include: [[String: [String]]]? = nil, exclude: [[String: [String]]]? = nil) -> String {
        do {
            _ = try scope(include: include, exclude: exclude)
            return "compiled"
        } catch {
            return error.description
        }
    }

    @Test func plainAttributesFullmatchAndAnyRegexOfAListMatches() throws {
        let scope = try self.scope(include: [["name": ["web-.*", "api"], "namespace": ["prod"]]])
        func accepts(_ name: String, _ namespace: String?) -> Bool {
            scope.accepts { attribute in
                switch attribute {
                case "name": .text(name)
                case "namespace": namespace.map(ScopeValue.text)
                default: nil
                }
            }
        }
        #expect(accepts("web-1", "prod"))
        #expect(accepts("api", "prod"))
        #expect(!accepts("api-2", "prod"), "fullmatch, not a prefix")
        #expect(!accepts("my-web-1", "prod"), "fullmatch, not a search")
        #expect(!accepts("web-1", "production"))
        #expect(!accepts("web-1", nil), "an attribute the subject lacks fails its entry")
    }

    @Test func excludeWinsAndNoIncludeAcceptsTheRest() throws {
        let scope = try self.scope(exclude: [["namespace": ["kube-.*"]]])
        #expect(scope.accepts { $0 == "namespace" ? .text("default") : nil })
        #expect(!scope.accepts { $0 == "namespace" ? .text("kube-system") : nil })
        #expect(scope.accepts { _ in nil }, "an exclude entry on an absent attribute does not match, so it does not exclude")
    }

    @Test func labelMatchersNeedEveryItemAndTheKey() throws {
        let scope = try self.scope(include: [["labels": [" app = web.* , tier!=db "]]])
        func accepts(_ labels: [String: String]) -> Bool { scope.accepts { $0 == "labels" ? .pairs(labels) : nil } }
        #expect(accepts(["app": "web-frontend", "tier": "front"]))
        #expect(accepts(["app": " web ", "tier": "front"]), "label values are trimmed")
        #expect(!accepts(["app": "web", "tier": "db"]))
        #expect(!accepts(["app": "web"]), "a missing key fails even for !=")
        #expect(!accepts(["tier": "front"]))
        #expect(!scope.accepts { $0 == "labels" ? .text("app=web") : nil }, "a value of the wrong shape does not match")
    }

    @Test func attributesCompareLeavesCaseInsensitively() throws {
        let object: JSONValue = [
            "kind": "Event", "reason": "Evicted", "count": 3, "spec": ["containers": [["name": "Web"], ["name": "sidecar"]]],
            "metadata": ["labels": ["a": "b"]], "gone": nil,
        ]
        func accepts(_ expression: String) throws -> Bool {
            try self.scope(include: [["attributes": [expression]]]).accepts { $0 == "attributes" ? .object(object) : nil }
        }
        #expect(try accepts("reason=evicted"))
        #expect(try accepts("reason=Evicted, kind=event"))
        #expect(try accepts("spec.containers[0].name=web"))
        #expect(try accepts("spec.containers[1].name != web"))
        #expect(try accepts("count=3"))
        #expect(try !accepts("reason!=EVICTED"))
        #expect(try !accepts("spec.containers[2].name!=web"), "a missing path fails even for !=")
        #expect(try !accepts("metadata.labels=b"), "a mapping is not a leaf")
        #expect(try !accepts("gone=None"), "null is not a leaf")
        #expect(try !accepts("reason=Evict"), "equality, not a prefix")
    }

    /// Scopes built in code go through the validator that checks configs: one implementation of
    /// the grammar, with the validator's messages.
    @Test func badRegexesAndMatchersAreTheValidatorsErrors() {
        #expect(
            problem(include: [["namespace": ["x"]], ["name": ["ok", "web-("]]])
                == "<code>: error: invalid regex 'web-(' in 'name' in include entry 2 of scope: expected ')'")
        #expect(
            problem(exclude: [["labels": ["tier=db, app"]]])
                == "<code>: error: invalid labels matcher 'tier=db, app' in exclude entry 1 of scope: 'app' is not 'key=regex' or 'key!=regex'"
        )
        #expect(
            problem(include: [["attributes": ["a=b, =x"]]])
                == "<code>: error: invalid attributes matcher 'a=b, =x' in include entry 1 of scope: '=x' has an empty path")
        #expect(problem() == "<code>: error: scope needs 'include' or 'exclude'")
        #expect(problem(include: []) == "<code>: error: 'include' of scope must not be an empty list; remove it instead")
    }
}
