import Foundation
import Testing

@testable import Triggerfish

func sink(_ type: String, _ parameters: JSONValue) throws -> SinkConfiguration {
    try SinkConfiguration(type: type, parameters: parameters)
}

@Suite struct SinkConfigurationTests {
    @Test func readsTheSharedParameters() throws {
        let plain = try sink("file_sink", ["name": "audit", "file_name": "/tmp/a.jsonl"])
        #expect(
            [plain.type, plain.name, "\(plain.isDefault)", "\(plain.stop)"] == ["file_sink", "audit", "true", "false"])
        #expect(plain.parameters == ["name": "audit", "file_name": "/tmp/a.jsonl"])
        let stopping = try sink("console_sink", ["name": "c", "default": false, "stop": true])
        #expect(!stopping.isDefault && stopping.stop)
    }

    @Test func badParametersAreErrorsNamingTheirPath() {
        #expect(throws: ParameterError(path: "file_sink", message: "missing required parameter 'name'")) {
            try sink("file_sink", ["file_name": "x"])
        }
        #expect(throws: ParameterError(path: "console_sink.default", message: "expected true or false, found a string")) {
            try sink("console_sink", ["name": "c", "default": "yes"])
        }
        #expect(throws: ParameterError(path: "webhook_sink.scope.include[0].title", message: "invalid regex '(': expected ')'")) {
            try sink("webhook_sink", ["name": "w", "scope": ["include": [["title": "("]]]])
        }
        #expect(throws: ParameterError(path: "slack_sink.match.labels", message: "'app' in 'app' is not 'key=value'")) {
            try sink("slack_sink", ["name": "s", "match": ["labels": "app"]])
        }
        #expect(
            throws: ParameterError(path: "slack_sink.match.title", message: "invalid regex '[': expected custom character class members")
        ) {
            try sink("slack_sink", ["name": "s", "match": ["title": ["ok", "["]]])
        }
    }

    let finding = sampleFinding()

    @Test func scopeDecidesWhenThereIsNoMatch() throws {
        #expect(try sink("console_sink", ["name": "c"]).accepts(finding))
        #expect(try sink("console_sink", ["name": "c", "scope": ["include": [["severity": "HIGH", "kind": "pod"]]]]).accepts(finding))
        #expect(try !sink("console_sink", ["name": "c", "scope": ["include": [["severity": "LOW"]]]]).accepts(finding))
        #expect(try !sink("console_sink", ["name": "c", "scope": ["exclude": [["namespace": "prod"]]]]).accepts(finding))
        #expect(try sink("console_sink", ["name": "c", "scope": ["exclude": [["namespace": "kube-.*"]]]]).accepts(finding))
    }

    @Test func legacyMatchIsAPrefixRegexOrALabelSubset() throws {
        func accepts(_ match: JSONValue) throws -> Bool { try sink("console_sink", ["name": "c", "match": match]).accepts(finding) }
        #expect(try accepts(["title": "Crash"]), "anchored at the start only")
        #expect(try !accepts(["title": "pod"]))
        #expect(try accepts(["identifier": ["Nope", "Crash"], "source": "KUBERNETES"]), "any regex of a list")
        #expect(try !accepts(["identifier": ["Nope", "Other"]]))
        #expect(try accepts(["labels": "app=web, tier=frontend"]))
        #expect(try !accepts(["labels": "app=we"]), "label values are compared whole")
        #expect(try accepts(["labels": ["app=api", "tier = frontend"]]))
        #expect(try !accepts(["title": "Crash", "colour": "red"]), "an unknown attribute rejects every finding")
        #expect(try !accepts(["type": "ISSUE"]), "findings have no type yet: the empty string")
        #expect(try accepts(["type": ".*"]))
    }

    @Test func scopeThenMatchMustBothAccept() throws {
        let both = try sink("console_sink", ["name": "c", "scope": ["include": [["name": "web-1"]]], "match": ["severity": "LOW"]])
        #expect(!both.accepts(finding))
        let neither = try sink("console_sink", ["name": "c", "scope": ["include": [["name": "web-2"]]], "match": ["severity": "HIGH"]])
        #expect(!neither.accepts(finding))
    }
}

@Suite struct SinkRouterTests {
    func finding(_ title: String, namespace: String = "prod", severity: Finding.Severity = .high) -> Finding {
        Finding(
            title: title, severity: severity, aggregationKey: "k", subject: FindingSubject(kind: "Pod", name: title, namespace: namespace))
    }

    let router: SinkRouter

    init() throws {
        router = SinkRouter([
            try sink("console_sink", ["name": "all"]),
            try sink("file_sink", ["name": "audit", "default": false]),
            try sink("webhook_sink", ["name": "pager", "url": "http://x", "scope": ["include": [["severity": "HIGH"]]]]),
            try sink("slack_sink", ["name": "prod-only", "default": false, "stop": true, "scope": ["include": [["namespace": "prod"]]]]),
        ])
    }

    @Test func defaultSinksAreThoseWithDefaultTrueInConfigOrder() {
        #expect(router.defaultSinkNames == ["all", "pager"])
    }

    @Test func sinksInOrderOfFirstAppearanceAndFindingsInTheGivenOrder() {
        let findings = [
            PendingFinding(finding: finding("a"), sinks: ["audit", "all"]),
            PendingFinding(finding: finding("b", severity: .low), sinks: ["all", "pager", "all"]),
            PendingFinding(finding: finding("c"), sinks: ["pager", "audit"]),
        ]
        #expect(router.route(findings).map(\.description) == ["audit#0", "audit#2", "all#0", "all#1", "pager#2"])
    }

    @Test func unknownSinkNamesAreSkippedAndReported() {
        let findings = [
            PendingFinding(finding: finding("a"), sinks: ["nope", "all"]),
            PendingFinding(finding: finding("b"), sinks: ["also-nope", "nope"]),
        ]
        #expect(
            router.routing(findings) == Routing(deliveries: [Delivery(sink: "all", findingIndex: 0)], unknownSinks: ["nope", "also-nope"]))
        #expect(router.route(findings) == [Delivery(sink: "all", findingIndex: 0)])
    }

    @Test func aStopSinkEndsRoutingOnceItAccepts() {
        let findings = [
            PendingFinding(finding: finding("staging", namespace: "staging"), sinks: ["prod-only", "all"]),
            PendingFinding(finding: finding("prod"), sinks: ["prod-only", "all"]),
            PendingFinding(finding: finding("later"), sinks: ["audit"]),
        ]
        #expect(router.routing(findings) == Routing(deliveries: [Delivery(sink: "prod-only", findingIndex: 1)], stoppedBy: "prod-only"))
        let rejected = [PendingFinding(finding: finding("staging", namespace: "staging"), sinks: ["prod-only", "all"])]
        #expect(router.routing(rejected) == Routing(deliveries: [Delivery(sink: "all", findingIndex: 0)]), "no stop when it rejects")
    }

    @Test func noFindingsNoDeliveries() {
        #expect(router.route([]) == [])
    }
}
