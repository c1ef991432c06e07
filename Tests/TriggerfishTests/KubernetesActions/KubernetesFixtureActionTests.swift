import Foundation
import Testing
import TriggerfishTestSupport

@testable import Triggerfish

/// The actions on the Kubernetes API's own round-trip objects (`../shared/fixtures/kubernetes`,
/// every field set): what they read is where the API puts it. Skipped where the folder is absent.
@Suite(.enabled(if: KubernetesFixtures.isPresent, Comment(rawValue: KubernetesFixtures.absent)))
struct KubernetesFixtureActionTests {
    static func object(_ name: String) throws -> KubernetesObject {
        KubernetesObject(json: try JSONValue.parse(try KubernetesFixtures.folder.text(name)))
    }

    @Test func reportCrashLoopOnTheAPIsPod() async throws {
        let pod = try Self.object("core.v1.Pod.json")
        let api = FakeKubernetesAPI()
        let context = try await K.run("report_crash_loop", PodEventInstance(resource: pod, pod: pod), api: api)
        let finding = try #require(context.findings.first)
        #expect(finding.title == "Crashing pod nameValue in namespace namespaceValue")
        #expect(finding.subject.node == "nodeNameValue")
        // Its container and its init container both wait after 5 restarts, in every state at once.
        let crash = Enrichment(
            title: "Container Crash information",
            blocks: [
                .table(
                    headers: ["label", "value"],
                    rows: [
                        ["Container", "nameValue"], ["Restarts", "5"], ["Status", "TERMINATED"], ["Reason", "reasonValue"],
                        ["Status", "WAITING"],
                        ["Reason", "reasonValue"],
                    ], name: "*Crash Info*"),
                .table(
                    headers: ["label", "value"],
                    rows: [
                        ["Status", "TERMINATED"], ["Reason", "reasonValue"], ["Started at", "2005-01-01T01:01:01Z"],
                        ["Finished at", "2006-01-01T01:01:01Z"],
                    ], name: "*Previous Container*"),
            ], type: "crash_info")
        let log = Enrichment(
            title: "Logs", blocks: [.emptyFile(name: "nameValue.log", remarks: "Logs unavailable for container: nameValue")],
            type: "text_file")
        #expect(finding.enrichments == [crash, crash, log, log])
        #expect(
            api.requests == [
                "get pods/log namespaceValue/nameValue container=nameValue previous=true",
                "get pods/log namespaceValue/nameValue container=nameValue previous=true",
            ])
    }

    @Test func eventResourceEventsOnTheAPIsEvent() async throws {
        let event = try Self.object("events.k8s.io.v1.Event.json")
        let api = FakeKubernetesAPI([event])
        let context = try await K.run(
            "event_resource_events", EventChangeEventInstance(change: KubernetesChange(operation: .create, kind: "Event", object: event)),
            api: api)
        #expect(
            context.findings.first?.enrichments == [
                Enrichment(
                    title: "Related Events",
                    blocks: [
                        .table(
                            headers: ["reason", "type", "time", "message"],
                            rows: [["reasonValue", "typeValue", "Jan 01, 2014, 01:01:01 AM", "noteValue"]],
                            name: "Related Events")
                    ], type: "k8s_events")
            ])
        #expect(
            api.requests == [
                "list events.events.k8s.io namespaceValue fieldSelector=regarding.kind=kindValue,regarding.name=nameValue,regarding.namespace=namespaceValue"
            ])
    }
}
