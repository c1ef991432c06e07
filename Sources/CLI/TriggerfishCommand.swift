import ArgumentParser
import Foundation
import Logging
import Triggerfish
import _TriggerfishCore
import _TriggerfishFileIO

@main
struct TriggerfishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triggerfish",
        abstract: "Kubernetes automation whose playbooks are checked at build time.",
        version: TriggerfishVersion.current,
        subcommands: [Replay.self, Validate.self, Serve.self, TriggerCommand.self, Rbac.self])

    /// ArgumentParser's `main`, with two checks around it. Before parsing: an argument that looks
    /// like several short options run together is refused (ArgumentParser would read `-dash.yaml`
    /// as `-d -a -s -h ...` and print help instead of checking the file). After running: what the
    /// command wrote to standard output must have got there, or it exits 1.
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let refusal = Self.refuseRunTogetherShortOptions(arguments) {
            printError(refusal)
            exit(withError: ExitCode.validationFailure)
        }
        var failure: (any Error)?
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            failure = error
        }
        if let problem = StandardOutput.finish() {
            printError(problem)
            if failure.map({ exitCode(for: $0).isSuccess }) ?? true { failure = ExitCode.failure }
        }
        exit(withError: failure)
    }

    /// The usage error for the first argument before `--` that starts with one `-` and has more
    /// than one letter after it (no command has short options but `-h`), other than a negative
    /// number: the message ArgumentParser gives for an unknown option, its usage lines, and for
    /// `validate` where to put a file name that starts with `-`.
    static func refuseRunTogetherShortOptions(_ arguments: [String]) -> String? {
        let beforeSeparator = arguments.prefix { $0 != "--" }
        guard let stray = beforeSeparator.first(where: { $0.hasPrefix("-") && !$0.hasPrefix("--") && $0.count > 2 && Double($0) == nil })
        else { return nil }
        let subcommand = arguments.first.flatMap { name in configuration.subcommands.first { $0._commandName == name } }
        let names = ["triggerfish"] + (subcommand.map { [$0._commandName] } ?? [])
        var message = "Error: Unknown option '\(stray)'"
        if subcommand == Validate.self {
            message += "; put file names that start with '-' after '--', as in 'triggerfish validate -- \(stray)'"
        }
        let usage = subcommand.map { usageString(for: $0) } ?? usageString()
        return "\(message)\nUsage: \(usage)\n  See '\(names.joined(separator: " ")) --help' for more information."
    }
}

/// `triggerfish validate FILE...`: the build's playbook checks, for configs loaded at run time.
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check playbook configs with the same rules as the build.",
        discussion: """
            Accepts a runner config (active_playbooks), Helm values (customPlaybooks, builtinPlaybooks, ...) \
            or a list of playbooks. Problems are printed as 'path:line:column: error: message'. \
            Exits 0 when every file is clean, 1 when any has an error (or cannot be read). File names that \
            start with '-' go after '--': triggerfish validate -- -odd.yaml.
            """)

    @Argument(help: "Config files to check; '-' reads standard input; names that start with '-' go after '--'.")
    var files: [String] = []

    @Option(name: .customLong("actions"), help: "A file declaring custom actions (actions.yaml format); repeatable.")
    var actionFiles: [String] = []

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one config file to check") }
    }

    func run() throws {
        CLILogging.bootstrap()
        let schema = try loadSchema()
        let validator = ConfigValidator(schema: schema, customActionsHint: customActionsHint)
        var failed = false
        for path in files {
            let text: String
            do {
                text = try TextFiles.readText(path)
            } catch {
                printError(error.description)
                failed = true
                continue
            }
            let file = path == "-" ? TextFiles.standardInputName : path
            let result = validator.validate(text: text, file: file)
            for diagnostic in result.diagnostics { printError(diagnostic.description) }
            if result.hasErrors {
                failed = true
            } else if let config = result.config {
                StandardOutput.print(
                    "\(file): ok (\(config.format.rawValue), \(config.playbooks.count) playbook\(config.playbooks.count == 1 ? "" : "s"), \(config.sinks.count) sink\(config.sinks.count == 1 ? "" : "s"))"
                )
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// The schema the `Triggerfish` module was generated from, plus any custom action files.
    func loadSchema() throws -> Schema {
        do {
            return try PlaybookConfig.schema(addingActionFiles: actionFiles)
        } catch {
            for diagnostic in error.diagnostics { printError(diagnostic.description) }
            throw ExitCode(1)
        }
    }
}

/// Added to "unknown action" errors of configs the CLI reads.
let customActionsHint = "if it is a custom action, pass the file that declares it with --actions FILE"

func printError(_ line: String, terminator: String = "\n") {
    FileHandle.standardError.write(Data((line + terminator).utf8))
}

/// The CLI's logging: what the runtime and its sinks log (a finding dropped or given up on, a
/// file that cannot be written) goes to standard error as the bare message, one line each, the
/// text `triggerfish` has always printed there. Only the program configures logging; the
/// libraries log to whatever it chose.
enum CLILogging {
    /// Bootstraps swift-log once per process; later calls do nothing.
    static func bootstrap() { _ = bootstrapped }

    private static let bootstrapped: Void = LoggingSystem.bootstrap { _ in StandardErrorLines() }

    /// Writes each message, without level, label or metadata, as one line of standard error.
    struct StandardErrorLines: LogHandler {
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            printError(event.message.description)
        }
    }
}
