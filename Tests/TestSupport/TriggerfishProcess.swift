import Foundation

/// The `triggerfish` executable SwiftPM built next to the test bundle, run as a user runs it.
public enum TriggerfishProcess {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: [String]
        public var stderr: [String]
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public var description: String
    }

    /// The binary next to the test bundle.
    public static func binary() throws -> URL {
        let candidates =
            [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
            + Bundle.allBundles.map { $0.bundleURL.deletingLastPathComponent() }
        for directory in candidates {
            let url = directory.appendingPathComponent("triggerfish")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw NotBuilt(description: "no triggerfish binary near \(candidates.map(\.path))")
    }

    /// Runs `triggerfish arguments` in `directory` and returns its exit status and output lines;
    /// `input` becomes its standard input (none when `nil`). It blocks its thread until the
    /// process exits: from a test that serves the process in-process (an HTTP server it calls), use
    /// ``runWithoutBlocking(_:in:input:)``, which leaves the thread to the server.
    public static func run(_ arguments: [String], in directory: URL = repositoryRoot, input: String? = nil) throws -> Output {
        let run = try Prepared(arguments, in: directory, input: input)
        defer { run.cleanUp() }
        try run.process.run()
        run.process.waitUntilExit()
        return try run.output()
    }

    /// Runs `triggerfish arguments` as ``run(_:in:input:)`` does, suspending instead of blocking a thread.
    public static func runWithoutBlocking(_ arguments: [String], in directory: URL = repositoryRoot, input: String? = nil) async throws
        -> Output
    {
        let run = try Prepared(arguments, in: directory, input: input)
        defer { run.cleanUp() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            run.process.terminationHandler = { _ in continuation.resume() }
            do {
                try run.process.run()
            } catch {
                run.process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return try run.output()
    }

    /// A process ready to run, its output going to files in a scratch folder.
    struct Prepared {
        let process = Process()
        let scratch: URL
        let out: URL
        let err: URL

        init(_ arguments: [String], in directory: URL, input: String?) throws {
            scratch = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-run-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            out = scratch.appendingPathComponent("out")
            err = scratch.appendingPathComponent("err")
            try Data().write(to: out)
            try Data().write(to: err)
            process.executableURL = try binary()
            process.arguments = arguments
            process.currentDirectoryURL = directory
            if let input {
                let inputFile = scratch.appendingPathComponent("in")
                try Data(input.utf8).write(to: inputFile)
                process.standardInput = try FileHandle(forReadingFrom: inputFile)
            } else {
                process.standardInput = FileHandle.nullDevice
            }
            process.standardOutput = try FileHandle(forWritingTo: out)
            process.standardError = try FileHandle(forWritingTo: err)
        }

        func output() throws -> Output {
            func lines(_ url: URL) throws -> [String] {
                String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map(String.init)
            }
            return Output(status: process.terminationStatus, stdout: try lines(out), stderr: try lines(err))
        }

        func cleanUp() { try? FileManager.default.removeItem(at: scratch) }
    }
}
