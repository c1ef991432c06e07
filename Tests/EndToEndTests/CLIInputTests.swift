import Foundation
import Testing

/// What the CLI does with paths and options a user gets wrong: one wording for every file it
/// reads, standard input where a file is expected, and options that are refused before anything runs.
@Suite struct CLIInputTests {
    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appending(path: "triggerfish-inputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    /// A path that is not a readable regular file, and the reason every command gives for it.
    static func unreadablePaths(in directory: URL) throws -> [(path: String, reason: String)] {
        let fifo = directory.appending(path: "pipe").path
        try #require(mkfifo(fifo, 0o600) == 0, "mkfifo \(fifo) failed")
        return [
            (directory.path, "it is a directory, not a file"),
            (fifo, "it is a FIFO (named pipe), not a regular file; '-' reads standard input"),
            (directory.appending(path: "missing.yaml").path, "no such file"),
            (directory.appending(path: "pipe/below").path, "no such file (a part of the path is not a directory)"),
        ]
    }

    @Test func everyCommandRefusesAnUnreadablePathInTheSameWords() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (path, reason) in try Self.unreadablePaths(in: directory) {
            let expected = "\(path): error: cannot read the file: \(reason)"
            for arguments in [
                ["validate", path], ["replay", "--config", path], ["replay", "--events", path],
                ["replay", "--actions", path], ["validate", "--actions", path, "config/default.yaml"],
            ] {
                let result = try CLITests.triggerfish(arguments)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.stderr.last == expected, "\(arguments)")
                #expect(!result.stdout.contains { $0.hasPrefix("Replayed") }, "\(arguments)")
            }
        }
    }

    @Test func aFileThatIsNotUTF8IsRefused() throws {
        let directory = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appending(path: "latin1.yaml")
        try Data([0x2D, 0x20, 0xE9, 0x0A]).write(to: file)
        let result = try CLITests.triggerfish(["validate", file.path])
        #expect(result.status == 1)
        #expect(result.stderr == ["\(file.path):1:3: error: cannot read the file: it is not UTF-8 text (byte 0xE9 at offset 2)"])
    }

    @Test func validateReadsStandardInput() throws {
        let clean = try CLITests.triggerfish(
            ["validate", "-"], input: "- triggers: [on_pod_update: {}]\n  actions: [echo: {message: hi}]\n")
        #expect(clean.status == 0)
        #expect(clean.stdout == ["<stdin>: ok (playbook list, 1 playbook, 0 sinks)"])
        #expect(clean.stderr == [])

        let bad = try CLITests.triggerfish(["validate", "-"], input: "- triggers: [on_pod_updat: {}]\n  actions: [echo: {message: hi}]\n")
        #expect(bad.status == 1)
        #expect(
            bad.stderr == ["<stdin>:1:14: error: unknown trigger 'on_pod_updat' in the playbook at line 1; did you mean 'on_pod_update'?"])
    }

    @Test func replayReadsTheConfigFromStandardInput() throws {
        let config = "- triggers: [on_pod_update: {}]\n  actions: [echo: {message: hi}]\n"
        let result = try CLITests.triggerfish(["replay", "--config", "-"], input: config)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.last?.hasPrefix("Playbooks fired ") == true)
        let both = try CLITests.triggerfish(["replay", "--config", "-", "--events", "-"])
        #expect(both.status == 64)
        #expect(both.stderr.first == "Error: --config and --events cannot both read standard input")
    }

    @Test(arguments: ["0", "-1", "257"]) func lanesOutOfRangeAreRefused(lanes: String) throws {
        let result = try CLITests.triggerfish(["replay", "--lanes=\(lanes)"])
        #expect(result.status == 64)
        #expect(result.stderr.first == "Error: --lanes must be from 1 to 256; got \(lanes)")
        #expect(result.stdout == [])
    }

    @Test func aMissingBundledDefaultSaysWhereItIsLookedFor() throws {
        let elsewhere = try Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: elsewhere) }
        let result = try CLITests.triggerfish(["replay"], in: elsewhere)
        #expect(result.status == 1)
        #expect(
            result.stderr == [
                "config/default.yaml: error: cannot read the file: no such file; the bundled default is found relative to the Triggerfish checkout: run from there or pass --config"
            ])
    }

    /// `--version` prints the version the CHANGELOG's newest entry names.
    @Test func versionMatchesTheChangelog() throws {
        let result = try CLITests.triggerfish(["--version"])
        #expect(result.status == 0)
        let changelog = try String(contentsOf: repositoryRoot.appending(path: "CHANGELOG.md"), encoding: .utf8)
        let newest = try #require(changelog.split(separator: "\n").first { $0.hasPrefix("## ") }, "CHANGELOG.md has no '## VERSION' entry")
        let version = try #require(newest.dropFirst(3).split(separator: " ").first.map(String.init))
        #expect(result.stdout == [version])
    }
}
