import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore
@testable import _TriggerfishGenerator

/// The generated Swift for the repository's schema, diffed against committed goldens.
///
/// The same emitter output is what the build-tool plugin compiles into the `Triggerfish` module
/// (`TriggerfishTests` checks the module was generated from this very schema), so the goldens are
/// known to compile. Re-record with `TRIGGERFISH_RECORD_GOLDENS=1 swift test --filter GoldenTests`;
/// a recording run fails, so a recording is never mistaken for a pass.
@Suite struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldens = root.appendingPathComponent("Tests/GeneratorTests/Goldens")
    static let recording = ProcessInfo.processInfo.environment["TRIGGERFISH_RECORD_GOLDENS"] == "1"

    func schema() throws -> Schema {
        let loaded = try TextFiles.loadSchema(directory: Self.root.appendingPathComponent("schema").path)
        #expect(loaded.diagnostics == [])
        return try #require(loaded.schema)
    }

    func compare(_ contents: String, golden name: String) throws {
        let path = Self.goldens.appendingPathComponent(name + ".golden").path
        if Self.recording {
            try TextFiles.writeIfChanged(contents, to: path)
            Issue.record("recorded \(name).golden; run again without TRIGGERFISH_RECORD_GOLDENS")
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        if contents != expected {
            let got = contents.split(separator: "\n", omittingEmptySubsequences: false)
            let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = Array(zip(got, want)).firstIndex { $0 != $1 } ?? min(got.count, want.count)
            Issue.record(
                "\(name) differs from its golden at line \(line + 1):\n  golden: \(line < want.count ? String(want[line]) : "<end>")\n  now:    \(line < got.count ? String(got[line]) : "<end>")"
            )
        }
    }

    @Test func runtimeFilesMatchGoldens() throws {
        let files = SwiftEmitter(schema: try schema()).runtimeFiles()
        #expect(files.map(\.name) == SwiftEmitter.runtimeFileNames)
        for file in files { try compare(file.contents, golden: file.name) }
    }

    @Test func consumerFileMatchesGolden() throws {
        let actions = """
            actions:
              count_pods:
                doc: Counts pods.
                event: PodEvent
                parameters:
                  prefix: {type: string, required: true, doc: Name prefix.}
                  limits: {type: Limits, doc: Optional limits.}
            types:
              Limits:
                fields:
                  max: {type: int, default: 10}
            """
        let extended = SchemaLoader.extend(try schema(), with: [("actions.yaml", actions)])
        #expect(extended.diagnostics == [])
        let schema = try #require(extended.schema)
        let playbooks = """
            - triggers:
              - on_pod_crash_loop: {}
              - on_prometheus_alert: {alert_name: KubePodCrashLooping}
              actions:
              - count_pods: {prefix: web}
              - create_finding: {title: "$name crashed", aggregation_key: CrashLoop}
            """
        let result = ConfigValidator(schema: schema).validate(text: playbooks, file: "playbooks.yaml")
        #expect(result.diagnostics == [])
        let config = try #require(result.config)
        try compare(
            SwiftEmitter(schema: schema).consumerFile(
                playbooks: [("playbooks.yaml", playbooks, config)], actionFiles: [("actions.yaml", actions)]),
            golden: "GeneratedPlaybooks.swift")
    }

    @Test func docsMatchTheCommittedDocs() throws {
        for file in DocsEmitter(schema: try schema()).files() {
            let committed = try String(contentsOfFile: Self.root.appendingPathComponent("docs/" + file.name).path, encoding: .utf8)
            #expect(
                file.contents == committed,
                "docs/\(file.name) is stale: run 'swift run TriggerfishGenerateTool docs --schema schema --output docs'")
        }
    }
}
