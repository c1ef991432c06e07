import Foundation
import Testing
import _TriggerfishFileIO

@testable import _TriggerfishCore

/// Shared inputs of the generator-core tests: the repository's schema, its fixtures and small
/// helpers that turn results into the exact text a user reads.
enum CoreFixtures {
    /// The repository root, found from this file (`Tests/GeneratorTests/<file>`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let schemaDirectory = repositoryRoot.appendingPathComponent("schema").path

    /// The repository's own fixtures, configs in Robusta's formats (`Tests/Fixtures`, see its README).
    static let fixtures = repositoryRoot.appendingPathComponent("Tests/Fixtures")

    /// The repository's schema, loaded once for all tests.
    static let loadedSchema: SchemaLoader.Output? = try? TextFiles.loadSchema(directory: schemaDirectory)

    static func schema() throws -> Schema {
        let loaded = try #require(loadedSchema, "cannot read the schema folder \(schemaDirectory)")
        return try #require(loaded.schema, "the schema has errors: \(loaded.diagnostics.map(\.description))")
    }

    /// Runs a toolchain command (`swift format ...`, `swiftc ...`) found on the PATH, returning its
    /// exit status and its standard output and error together.
    static func runTool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    static func fixture(_ name: String) throws -> String {
        try String(contentsOf: fixtures.appendingPathComponent(name), encoding: .utf8)
    }

    /// Validates `text` against the repository's schema and returns every diagnostic as printed.
    static func validate(_ text: String, file: String = "playbooks.yaml") throws -> [String] {
        try ConfigValidator(schema: schema()).validate(text: text, file: file).diagnostics.map(\.description)
    }

    /// Loads inline schema files and returns every diagnostic as printed.
    static func loadSchema(_ files: [(String, String)]) -> SchemaLoader.Output {
        SchemaLoader.load(files: files.map { (path: $0.0, text: $0.1) })
    }
}
