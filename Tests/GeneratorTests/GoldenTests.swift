import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore
@testable import _TriggerfishGenerator

/// The generated Swift for a small reference schema (`Goldens/ReferenceSchema/reference.yaml`: events with
/// several parents, a kind, triggers with parameters, a condition and a shared parameters type,
/// actions), diffed against committed goldens, which are type-checked against the `Triggerfish`
/// module built for the tests. Editing `schema/` does not change them; the module generated from
/// `schema/` itself is compiled by the build. Re-record with
/// `TRIGGERFISH_RECORD_GOLDENS=1 swift test --filter GoldenTests`; a recording run fails, so a
/// recording is never mistaken for a pass.
@Suite struct GoldenTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let goldens = root.appendingPathComponent("Tests/GeneratorTests/Goldens")
    static let recording = ProcessInfo.processInfo.environment["TRIGGERFISH_RECORD_GOLDENS"] == "1"

    /// The repository's schema (for the docs).
    func schema() throws -> Schema {
        let loaded = try TextFiles.loadSchema(directory: Self.root.appendingPathComponent("schema").path)
        #expect(loaded.diagnostics == [])
        return try #require(loaded.schema)
    }

    /// The reference schema of the goldens.
    func referenceSchema() throws -> Schema {
        let loaded = try TextFiles.loadSchema(
            directory: Self.root.appendingPathComponent("Tests/GeneratorTests/Goldens/ReferenceSchema").path)
        #expect(loaded.diagnostics == [])
        return try #require(loaded.schema)
    }

    static let consumerActions = """
        actions:
          count_widgets:
            doc: Counts widgets.
            event: WidgetEvent
            parameters:
              prefix: {type: string, required: true, doc: Name prefix.}
              bounds: {type: Bounds, doc: Optional bounds.}
        types:
          Bounds:
            fields:
              max: {type: int, default: 10, minimum: 0, maximum: 100}
        """

    static let consumerPlaybooks = """
        - triggers:
          - on_widget_overheat: {threshold: 80}
          - on_widget_alert: {alert_name: WidgetHot}
          actions:
          - count_widgets: {prefix: web}
          - report: {title: "$name is hot"}
        """

    /// Hand-written code the goldens need to compile, as a runtime and a consumer write it: the
    /// condition of `on_widget_overheat` and the implementations of the actions.
    static let handWritten = """
        @testable import Triggerfish

        extension OnWidgetOverheat {
            public static func makeCondition(_ parameters: Parameters) -> TriggerCondition {
                TriggerCondition(matches: { _, _ in parameters.threshold > 0 }, rateLimit: nil)
            }
        }

        struct ReferenceActions: BuiltinActions {
            func report(_ event: some ResourceEvent, parameters: ReportAction.Parameters, context: ActionContext) async throws {}
        }

        struct ConsumerActions: PlaybookActions {
            func countWidgets(_ event: some WidgetEvent, parameters: CountWidgetsAction.Parameters, context: ActionContext) async throws {}
        }

        """

    func goldenFiles() throws -> [(name: String, contents: String)] {
        let schema = try referenceSchema()
        let extended = SchemaLoader.extend(schema, with: [("actions.yaml", Self.consumerActions)])
        #expect(extended.diagnostics == [])
        let consumerSchema = try #require(extended.schema)
        let result = ConfigValidator(schema: consumerSchema).validate(text: Self.consumerPlaybooks, file: "playbooks.yaml")
        #expect(result.diagnostics == [])
        let config = try #require(result.config)
        let consumer = SwiftEmitter(schema: consumerSchema).consumerFile(
            playbooks: [("playbooks.yaml", Self.consumerPlaybooks, config)], actionFiles: [("actions.yaml", Self.consumerActions)])
        return SwiftEmitter(schema: schema).runtimeFiles() + [(SwiftEmitter.consumerFileName, consumer)]
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

    @Test func referenceFilesMatchGoldens() throws {
        let files = try goldenFiles()
        #expect(files.map(\.name) == SwiftEmitter.runtimeFileNames + [SwiftEmitter.consumerFileName])
        for file in files { try compare(file.contents, golden: file.name) }
    }

    /// The goldens with the hand-written code compile against the `Triggerfish` module of this
    /// build (the runtime files as if they were part of it, so they import it).
    @Test func goldensCompile() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var modules = executable.deletingLastPathComponent().appendingPathComponent("Modules")
        if !FileManager.default.fileExists(atPath: modules.appendingPathComponent("Triggerfish.swiftmodule").path) {
            modules = executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Modules")
        }
        try #require(
            FileManager.default.fileExists(atPath: modules.appendingPathComponent("Triggerfish.swiftmodule").path),
            "no Triggerfish.swiftmodule next to the test executable (\(executable.path)); build with 'swift build --build-tests'")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-goldens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for file in try goldenFiles() {
            let golden = try String(contentsOfFile: Self.goldens.appendingPathComponent(file.name + ".golden").path, encoding: .utf8)
            let text = golden.contains("\nimport Triggerfish\n") ? golden : golden + "\nimport Triggerfish\n"
            let path = directory.appendingPathComponent(file.name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            paths.append(path)
        }
        let handWritten = directory.appendingPathComponent("HandWritten.swift").path
        try Self.handWritten.write(toFile: handWritten, atomically: true, encoding: .utf8)
        var arguments = ["swiftc", "-typecheck", "-module-name", "Reference", "-I", modules.path]
        // The YAML parser's C module, when the build has it as a checkout.
        let buildRoot = modules.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let yams = buildRoot.appendingPathComponent("checkouts/Yams/Sources/CYaml/include/module.modulemap").path
        if FileManager.default.fileExists(atPath: yams) { arguments += ["-Xcc", "-fmodule-map-file=" + yams] }
        let (status, text) = try CoreFixtures.runTool(arguments + paths + [handWritten])
        #expect(status == 0, "the goldens do not compile:\n\(text)")
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
