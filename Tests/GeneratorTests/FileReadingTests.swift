import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore

/// One wording for every file the tools read, and the hint an unknown action carries.
@Suite struct FileReadingTests {
    @Test func unreadablePathsSayWhy() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-read-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let cases: [(String, String)] = [
            (folder.path, "\(folder.path): error: cannot read the file: it is a directory, not a file"),
            (fifo, "\(fifo): error: cannot read the file: it is a FIFO (named pipe), not a regular file; '-' reads standard input"),
            ("/dev/null", "/dev/null: error: cannot read the file: it is not a regular file"),
            (folder.path + "/missing", "\(folder.path)/missing: error: cannot read the file: no such file"),
        ]
        for (path, message) in cases {
            #expect(throws: FileReadError.self) { try TextFiles.readText(path) }
            do {
                _ = try TextFiles.readText(path)
            } catch {
                #expect(error.description == message)
                #expect(error.diagnostic.location == .wholeFile(path))
            }
        }
        let file = folder.appendingPathComponent("ok.yaml")
        try "- a\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try TextFiles.readText(file.path) == "- a\n")
    }

    @Test func aWholeFileDiagnosticHasNoLineOrColumn() {
        #expect(Diagnostic.error(.wholeFile("a.yaml"), "broken").description == "a.yaml: error: broken")
        #expect(Diagnostic.error(SourceLocation(file: "a.yaml", line: 2, column: 3), "x").description == "a.yaml:2:3: error: x")
    }

    @Test func anUnknownActionWithNoCloseMatchCarriesTheCallersHint() throws {
        let text = "- triggers: [on_pod_update: {}]\n  actions: [flag_restarts: {}, create_findin: {}]\n"
        let hinted = ConfigValidator(schema: try CoreFixtures.schema(), customActionsHint: "declare it with --actions FILE")
        #expect(
            hinted.validate(text: text, file: "p.yaml").diagnostics.map(\.description) == [
                "p.yaml:2:13: error: unknown action 'flag_restarts' in the playbook at line 1; declare it with --actions FILE",
                "p.yaml:2:32: error: unknown action 'create_findin' in the playbook at line 1; did you mean 'create_finding'?",
            ])
        let plain = ConfigValidator(schema: try CoreFixtures.schema())
        #expect(
            plain.validate(text: text, file: "p.yaml").diagnostics.first?.description
                == "p.yaml:2:13: error: unknown action 'flag_restarts' in the playbook at line 1")
    }
}
