import Foundation
import TriggerfishGenerator

// The thin executable the build-tool plugin runs. Usage:
//   triggerfish-generate runtime  --schema DIR --output DIR
//   triggerfish-generate consumer --schema DIR --output FILE [--actions FILE]... [--playbooks FILE]...
//   triggerfish-generate docs     --schema DIR --output DIR [--check]
// Diagnostics go to standard error as `path:line:column: error: message`; exit 1 on any error.

func fail(_ message: String, code: Int32 = 64) -> Never {
    FileHandle.standardError.write(Data("triggerfish-generate: error: \(message)\n".utf8))
    exit(code)
}

func report(_ diagnostics: [Diagnostic]) {
    for diagnostic in diagnostics { FileHandle.standardError.write(Data((diagnostic.description + "\n").utf8)) }
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    fail("missing command; expected 'runtime', 'consumer' or 'docs'")
}
arguments.removeFirst()
var options: [String: [String]] = [:]
var flags: Set<String> = []
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--check": flags.insert(argument)
    case "--schema", "--output", "--actions", "--playbooks":
        guard let value = arguments.first else { fail("\(argument) needs a value") }
        arguments.removeFirst()
        options[argument, default: []].append(value)
    default: fail("unknown argument '\(argument)'")
    }
}
guard let schemaDirectory = options["--schema"]?.first else { fail("--schema DIR is required") }
guard let output = options["--output"]?.first else { fail("--output is required") }

do {
    let loaded = try Generation.loadSchema(directory: schemaDirectory)
    report(loaded.diagnostics)
    guard var schema = loaded.schema else { exit(1) }

    switch command {
    case "runtime":
        for file in SwiftEmitter(schema: schema).runtimeFiles() {
            try Generation.writeIfChanged(file.contents, to: (output as NSString).appendingPathComponent(file.name))
        }
    case "docs":
        var stale: [String] = []
        for file in DocsEmitter(schema: schema).files() {
            let path = (output as NSString).appendingPathComponent(file.name)
            if flags.contains("--check") {
                if FileManager.default.contents(atPath: path) != Data(file.contents.utf8) { stale.append(path) }
            } else {
                try Generation.writeIfChanged(file.contents, to: path)
            }
        }
        if !stale.isEmpty {
            fail(
                "generated docs are out of date: \(stale.joined(separator: ", ")); run 'swift run TriggerfishGenerateTool docs --schema schema --output docs'",
                code: 1)
        }
    case "consumer":
        let actionFiles = try (options["--actions"] ?? []).map { ($0, try Generation.readText($0)) }
        let extended = SchemaLoader.extend(schema, with: actionFiles)
        report(extended.diagnostics)
        guard let withCustom = extended.schema else { exit(1) }
        schema = withCustom
        let validator = ConfigValidator(schema: schema)
        var playbooks: [(name: String, text: String, config: ValidatedConfig)] = []
        var failed = false
        for path in options["--playbooks"] ?? [] {
            let text = try Generation.readText(path)
            let result = validator.validate(text: text, file: path)
            report(result.diagnostics)
            failed = failed || result.hasErrors
            if let config = result.config {
                playbooks.append(((path as NSString).lastPathComponent, text, config))
            }
        }
        if failed { exit(1) }
        try Generation.writeIfChanged(
            SwiftEmitter(schema: schema).consumerFile(
                playbooks: playbooks, actionFiles: actionFiles.map { (($0.0 as NSString).lastPathComponent, $0.1) }),
            to: output)
    default:
        fail("unknown command '\(command)'; expected 'runtime', 'consumer' or 'docs'")
    }
} catch {
    fail("\(error)", code: 1)
}
