import Foundation
import Testing

/// Editing `schema/` and running `swift build` gives new Swift types at once, and leaves the
/// committed docs stale until they are regenerated (which CI checks).
@Suite(.serialized, .timeLimit(.minutes(15)))
struct SchemaEditTests {
    /// A copy of the repository (sources, schema, docs; no build products) in a temporary directory.
    struct RepositoryCopy {
        let directory: URL
        static let scratchDirectory = keptScratchDirectory(named: "triggerfish-schema-edit")

        init() throws {
            directory = FileManager.default.temporaryDirectory.appending(path: "triggerfish-repo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for item in ["Package.swift", "schema", "Sources", "Plugins", "docs"] {
                try FileManager.default.copyItem(at: repositoryRoot.appending(path: item), to: directory.appending(path: item))
            }
            // Tests/ is not needed to build the library; keep the manifest valid without it: an empty
            // folder for each of its folders, so every target path the manifest names exists.
            let tests = repositoryRoot.appending(path: "Tests")
            for folder in try FileManager.default.contentsOfDirectory(at: tests, includingPropertiesForKeys: [.isDirectoryKey])
            where try folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory == true {
                let target = directory.appending(path: "Tests/\(folder.lastPathComponent)")
                try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                try "".write(to: target.appending(path: "Empty.swift"), atomically: true, encoding: .utf8)
            }
            try FileManager.default.createDirectory(
                at: directory.appending(path: "Tests/GeneratorTests/Goldens"), withIntermediateDirectories: true)
        }

        func append(_ text: String, to path: String) throws {
            let url = directory.appending(path: path)
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            try handle.close()
        }

        /// `swift build` of the `Triggerfish` library, so the plugin generates it from the copy's schema.
        func buildLibrary() async throws -> ProcessResult {
            try await runProcess(
                ["swift", "build", "--target", "Triggerfish", "--scratch-path", Self.scratchDirectory.path], in: directory)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func aKindAddedToTheSchemaHasItsEventsAndTriggersAtOnce() async throws {
        let copy = try RepositoryCopy()
        defer { copy.remove() }
        try copy.append(
            """

              CronJob:
                api_version: batch/v1
                namespaced: true
                doc: A job run on a schedule.

            """, to: "schema/kinds.yaml")
        // Swift that uses the types the new kind must bring, with no other edit.
        try """
        func usesTheNewKind(_ event: some CronJobEvent) -> String? { event.cronJob?.name }
        let newKindTrigger: any KubernetesTrigger.Type = OnCronjobUpdate.self
        let newKindEvent = CronJobChangeEventInstance(
            change: KubernetesChange(operation: .update, kind: "CronJob", object: KubernetesObject(json: [:])))
        let newKindIsAResource: any KubernetesResourceEvent = newKindEvent
        """.write(to: copy.directory.appending(path: "Sources/Runtime/UsesNewKind.swift"), atomically: true, encoding: .utf8)

        let build = try await copy.buildLibrary()
        #expect(build.status == 0, "swift build failed:\n\(build.output)")

        let docs = try await runProcess(
            [
                "swift", "run", "--scratch-path", RepositoryCopy.scratchDirectory.path, "TriggerfishGenerateTool", "docs", "--schema",
                "schema", "--output", "docs", "--check",
            ], in: copy.directory)
        #expect(docs.status == 1)
        #expect(
            docs.lines.last
                == "triggerfish-generate: error: generated docs are out of date: docs/events.md, docs/triggers.md, docs/actions.md, docs/compatibility.md, docs/compatibility.json; run 'swift run TriggerfishGenerateTool docs --schema schema --output docs'"
        )
    }

    @Test func aSchemaErrorFailsTheBuildAtItsPosition() async throws {
        let copy = try RepositoryCopy()
        defer { copy.remove() }
        try copy.append(
            """

              CronJob:
                api_version: batch/v1
                namespaced: true
                scoped: yes

            """, to: "schema/kinds.yaml")
        let lines = try String(contentsOf: copy.directory.appending(path: "schema/kinds.yaml"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        let line = lines.lastIndex { $0.contains("scoped: yes") }! + 1

        let build = try await copy.buildLibrary()
        #expect(build.status != 0)
        let file = copy.directory.appending(path: "schema/kinds.yaml").path
        #expect(
            build.diagnostics(in: file) == [
                "\(file):\(line):5: error: unknown key 'scoped' in kind 'CronJob'; expected 'api_version', 'namespaced' or 'doc'"
            ], "output:\n\(build.output)")
    }
}
