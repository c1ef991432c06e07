import ArgumentParser
import Foundation
import _TriggerfishCore
import _TriggerfishFileIO
import _TriggerfishGenerator

/// The generator executable the build-tool plugin runs, and `swift run TriggerfishGenerateTool docs ...`.
///
/// Diagnostics go to standard error as `path:line:column: error: message`. Exit codes: 0 on success,
/// 1 on any diagnostic error, unreadable file or stale docs, 64 on bad usage.
@main
struct GenerateTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "TriggerfishGenerateTool",
        abstract: "Generate Triggerfish's Swift and reference docs from the schema, and check playbooks.",
        discussion: """
            The build-tool plugin runs 'runtime' for the Triggerfish target and 'consumer' for every other target \
            that applies it. Run 'docs' after editing schema/. Exits 0 on success, 1 when there are errors \
            (printed as 'path:line:column: error: message') or the docs are stale, 64 on bad usage.
            """,
        subcommands: [Runtime.self, Consumer.self, Docs.self])

    func run() throws {
        throw ValidationError("missing command; expected 'runtime', 'consumer' or 'docs'")
    }
}

struct Runtime: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the Swift of the Triggerfish module: events, triggers, actions, types and the compatibility table.")

    @Option(help: ArgumentHelp("The schema folder (its *.yaml files).", valueName: "dir"))
    var schema: String

    @Option(help: ArgumentHelp("The folder the Generated*.swift files are written to (only those that change).", valueName: "dir"))
    var output: String

    func run() throws {
        try reportingErrors {
            let schema = try loadSchema(self.schema)
            for file in SwiftEmitter(schema: schema).runtimeFiles() {
                try TextFiles.writeIfChanged(file.contents, to: (output as NSString).appendingPathComponent(file.name))
            }
        }
    }
}

struct Consumer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a target's playbooks and generate its GeneratedPlaybooks.swift.",
        discussion: """
            Validates each playbook file against the schema and the target's own action declarations, with the \
            same rules as 'triggerfish validate'; any error fails with exit code 1 and nothing is written.
            """)

    @Option(help: ArgumentHelp("The schema folder (its *.yaml files).", valueName: "dir"))
    var schema: String

    @Option(help: ArgumentHelp("The Swift file to write (only when it changes).", valueName: "file"))
    var output: String

    @Option(
        help: ArgumentHelp("A file of the target's own action and type declarations (actions.yaml format); repeatable.", valueName: "file"))
    var actions: [String] = []

    @Option(help: ArgumentHelp("A playbook config file to check and embed; repeatable.", valueName: "file"))
    var playbooks: [String] = []

    @Option(help: ArgumentHelp("A YAML file of the target that is neither, to warn about; repeatable.", valueName: "file"))
    var unchecked: [String] = []

    func run() throws {
        report(unchecked.map(SwiftEmitter.uncheckedFileWarning))
        try reportingErrors {
            let actionFiles = try TextFiles.readAll(actions)
            let extended = SchemaLoader.extend(try loadSchema(self.schema), with: actionFiles)
            report(extended.diagnostics)
            guard let schema = extended.schema else { throw ExitCode(1) }
            let validator = ConfigValidator(
                schema: schema, customActionsHint: "declare a custom action in the target's 'actions.yaml' or '*.actions.yaml'")
            var checked: [(name: String, text: String, config: ValidatedConfig)] = []
            var failed = false
            for path in playbooks {
                let text = try TextFiles.readText(path)
                let result = validator.validate(text: text, file: path)
                report(result.diagnostics)
                failed = failed || result.hasErrors
                if let config = result.config {
                    checked.append(((path as NSString).lastPathComponent, text, config))
                }
            }
            if failed { throw ExitCode(1) }
            try TextFiles.writeIfChanged(
                SwiftEmitter(schema: schema).consumerFile(
                    playbooks: checked, actionFiles: actionFiles.map { (($0.path as NSString).lastPathComponent, $0.text) }),
                to: output)
        }
    }
}

struct Docs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate the reference docs (events, triggers, actions, sinks, compatibility) from the schema.",
        discussion: """
            Writes \(DocsEmitter.fileNames.joined(separator: ", ")) into the output folder, each only when it changes. \
            With --check nothing is written: it exits 0 when every file is current, and otherwise 1, naming the \
            files that are stale or missing.
            """)

    @Option(help: ArgumentHelp("The schema folder (its *.yaml files).", valueName: "dir"))
    var schema: String

    @Option(help: ArgumentHelp("The folder the docs are written to.", valueName: "dir"))
    var output: String

    @Flag(help: "Only check that the docs in the output folder are current (for CI).")
    var check = false

    func run() throws {
        try reportingErrors {
            var stale: [String] = []
            for file in DocsEmitter(schema: try loadSchema(self.schema)).files() {
                let path = (output as NSString).appendingPathComponent(file.name)
                if check {
                    guard let existing = FileManager.default.contents(atPath: path) else {
                        stale.append("\(path) (missing)")
                        continue
                    }
                    if existing != Data(file.contents.utf8) { stale.append(path) }
                } else {
                    try TextFiles.writeIfChanged(file.contents, to: path)
                }
            }
            if !stale.isEmpty {
                printError(
                    "generated docs are out of date: \(stale.joined(separator: ", ")); run 'swift run TriggerfishGenerateTool docs --schema schema --output docs'"
                )
                throw ExitCode(1)
            }
        }
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("triggerfish-generate: error: \(message)\n".utf8))
}

func report(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
}

/// Loads the schema folder, printing its diagnostics; a schema with errors exits 1.
func loadSchema(_ directory: String) throws -> Schema {
    let loaded = try TextFiles.loadSchema(directory: directory)
    report(loaded.diagnostics)
    guard let schema = loaded.schema else { throw ExitCode(1) }
    return schema
}

/// Runs `body`, turning an error other than an exit code into exit code 1: an unreadable file as
/// `PATH: error: cannot read the file: ...` (the words the CLI uses), any other (a failed write) as
/// `triggerfish-generate: error: ...`.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch let error as FileReadError {
        report([error.diagnostic])
        throw ExitCode(1)
    } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}
