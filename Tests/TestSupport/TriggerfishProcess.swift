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
    /// `input` becomes its standard input (none when `nil`).
    public static func run(_ arguments: [String], in directory: URL = repositoryRoot, input: String? = nil) throws -> Output {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("triggerfish-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out")
        let err = scratch.appendingPathComponent("err")
        try Data().write(to: out)
        try Data().write(to: err)
        let process = Process()
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
        try process.run()
        process.waitUntilExit()
        func lines(_ url: URL) throws -> [String] {
            String(decoding: try Data(contentsOf: url), as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return Output(status: process.terminationStatus, stdout: try lines(out), stderr: try lines(err))
    }
}
