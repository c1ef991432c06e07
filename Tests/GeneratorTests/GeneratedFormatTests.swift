import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore
@testable import _TriggerfishGenerator

/// The generated Swift follows the project's own `swift format` rules (`.swift-format`, 140
/// columns), as hand-written code does: the runtime files for the repository's schema and a
/// consumer file, linted by the toolchain's `swift format` run as a process.
@Suite struct GeneratedFormatTests {
    static let root = CoreFixtures.repositoryRoot

    func generatedFiles() throws -> [(name: String, contents: String)] {
        let schema = try CoreFixtures.schema()
        let actions = """
            actions:
              count_pods:
                doc: Counts the pods of a workload whose name starts with a prefix, with a doc comment long enough to be wrapped by the renderer.
                event: PodEvent
                parameters:
                  prefix: {type: string, required: true, doc: Name prefix.}
                  query: {type: string, default: "count by (namespace, pod) (kube_pod_container_status_restarts_total{namespace=~\\"default|kube-system\\"}) > 10"}
            """
        let extended = try #require(SchemaLoader.extend(schema, with: [("actions.yaml", actions)]).schema)
        let playbooks = """
            - triggers:
              - on_pod_crash_loop: {}
              actions:
              - count_pods: {prefix: web}
            """
        let config = try #require(ConfigValidator(schema: extended).validate(text: playbooks, file: "playbooks.yaml").config)
        let consumer = SwiftEmitter(schema: extended).consumerFile(
            playbooks: [("playbooks.yaml", playbooks, config)], actionFiles: [("actions.yaml", actions)])
        return SwiftEmitter(schema: schema).runtimeFiles() + [(SwiftEmitter.consumerFileName, consumer)]
    }

    @Test func noGeneratedLineIsLongerThanTheLimit() throws {
        for file in try generatedFiles() {
            let lines = file.contents.components(separatedBy: "\n")
            let long = lines.indices.filter { lines[$0].count > 140 }
            #expect(long.isEmpty, "\(file.name): lines \(long.map { $0 + 1 }) are longer than 140 columns")
        }
    }

    @Test func generatedFilesPassSwiftFormatLint() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-format-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try generatedFiles()
        for file in files {
            try file.contents.write(to: directory.appendingPathComponent(file.name), atomically: true, encoding: .utf8)
        }
        let (status, text) = try CoreFixtures.runTool(
            ["swift", "format", "lint", "--strict", "--configuration", Self.root.appendingPathComponent(".swift-format").path]
                + files.map { directory.appendingPathComponent($0.name).path })
        #expect(status == 0, "swift format lint:\n\(text)")
        #expect(text.isEmpty, "swift format lint:\n\(text)")
    }
}
