import Foundation

/// File-level entry points shared by the generator tool and the CLI: read the schema folder and
/// consumer files, and write outputs only when their contents change (so builds do not churn).
public enum Generation {
    /// The `*.yaml` files of a schema folder, sorted by name.
    public static func schemaFiles(in directory: String) throws -> [(path: String, text: String)] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        return try names.map { name in
            let path = (directory as NSString).appendingPathComponent(name)
            return (path, try String(contentsOfFile: path, encoding: .utf8))
        }
    }

    /// Loads the schema folder, returning the schema or the diagnostics that prevent it.
    public static func loadSchema(directory: String) throws -> SchemaLoader.Output {
        SchemaLoader.load(files: try schemaFiles(in: directory))
    }

    /// Writes `contents` unless the file already holds exactly that. Returns whether it wrote.
    @discardableResult
    public static func writeIfChanged(_ contents: String, to path: String) throws -> Bool {
        let data = Data(contents.utf8)
        if let existing = FileManager.default.contents(atPath: path), existing == data { return false }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        return true
    }

    /// Reads a text file, turning "not UTF-8" and "missing" into diagnostics-friendly errors.
    public static func readText(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw GenerationError("cannot read '\(path)': no such file or it is not readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw GenerationError("cannot read '\(path)': it is not UTF-8 text")
        }
        return text
    }
}

public struct GenerationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
