import Foundation
import Testing

/// The terminal sessions quoted in the README and docs, run for real: what a user copies gives
/// what the page shows.
///
/// A session is a fenced block whose first line starts with `$ `. Each `$ triggerfish ...` (or
/// `$ swift run triggerfish ...`) line runs the built binary, without a shell, in a folder holding
/// the repository's `config/` and `docs/` and every file the page spells out in a block whose first
/// line is `# NAME` (the README's `# bad.yaml`). The lines after it, up to the next `$ `, are its
/// standard output and standard error: each stream's lines in their order (the page shows them
/// interleaved as a terminal would). `$ echo $?` is followed by the previous command's exit status.
@Suite struct DocExampleTests {
    struct Command: Sendable {
        var arguments: [String]
        /// The lines the page shows after the command.
        var output: [String] = []
    }

    struct Session: Sendable, CustomStringConvertible {
        var page: String
        var line: Int
        var commands: [Command]
        var description: String { "\(page):\(line)" }
    }

    static let pages = ["README.md", "docs/replay.md"]

    static func blocks(in text: String) -> [(line: Int, lines: [String])] {
        var blocks: [(line: Int, lines: [String])] = []
        var current: (line: Int, lines: [String])?
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.hasPrefix("```") {
                if let open = current {
                    blocks.append(open)
                    current = nil
                } else {
                    current = (number + 2, [])
                }
            } else if current != nil {
                current!.lines.append(String(line))
            }
        }
        return blocks
    }

    static func sessions() throws -> [Session] {
        try pages.flatMap { page in
            let text = try String(contentsOf: repositoryRoot.appending(path: page), encoding: .utf8)
            return blocks(in: text).filter { $0.lines.first?.hasPrefix("$ ") == true }.map { block in
                var commands: [Command] = []
                for line in block.lines {
                    if line.hasPrefix("$ ") {
                        commands.append(Command(arguments: line.dropFirst(2).split(separator: " ").map(String.init)))
                    } else {
                        commands[commands.count - 1].output.append(line)
                    }
                }
                return Session(page: page, line: block.line, commands: commands)
            }
        }
    }

    /// Files the page writes out: blocks whose first line is `# NAME.yaml` (or `.jsonl`, `.json`).
    static func files(in page: String) throws -> [(name: String, text: String)] {
        let text = try String(contentsOf: repositoryRoot.appending(path: page), encoding: .utf8)
        return blocks(in: text).compactMap { block in
            guard let first = block.lines.first, first.hasPrefix("# "), !first.dropFirst(2).contains(" ") else { return nil }
            return (String(first.dropFirst(2)), block.lines.joined(separator: "\n") + "\n")
        }
    }

    @Test func theDocsQuoteTerminalSessions() throws {
        let sessions = try Self.sessions()
        #expect(Set(sessions.map(\.page)) == Set(Self.pages), "every page listed here quotes at least one session")
    }

    @Test(arguments: try sessions())
    func sessionGivesWhatThePageShows(_ session: Session) throws {
        let folder = FileManager.default.temporaryDirectory.appending(path: "triggerfish-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for shared in ["config", "docs"] {
            try FileManager.default.createSymbolicLink(
                at: folder.appending(path: shared), withDestinationURL: repositoryRoot.appending(path: shared))
        }
        for file in try Self.files(in: session.page) {
            let url = folder.appending(path: file.name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try file.text.write(to: url, atomically: true, encoding: .utf8)
        }
        var lastStatus: Int32?
        for command in session.commands {
            let (arguments, shown) = (command.arguments, command.output)
            if arguments == ["echo", "$?"] {
                let status = try #require(lastStatus, "\(session): 'echo $?' before any command")
                #expect(shown == ["\(status)"], "\(session)")
                continue
            }
            var words = arguments[...]
            if words.starts(with: ["swift", "run"]) { words = words.dropFirst(2) }
            try #require(words.first == "triggerfish", "\(session): only triggerfish commands are run: \(arguments)")
            let result = try CLITests.triggerfish(Array(words.dropFirst()), in: folder)
            lastStatus = result.status
            let errors = Set(result.stderr)
            #expect(shown.filter { errors.contains($0) } == result.stderr, "\(session): standard error of \(arguments)")
            #expect(shown.filter { !errors.contains($0) } == result.stdout, "\(session): standard output of \(arguments)")
        }
    }
}
