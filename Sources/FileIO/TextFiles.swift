import Foundation
import _TriggerfishCore

/// File-level entry points shared by the generator tool and the CLI: read the schema folder and
/// consumer files, and write outputs only when their contents change (so builds do not churn).
public enum TextFiles {
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

    /// Reads a text file, turning "missing", "a directory", "a FIFO", "not permitted", "too large"
    /// and "not UTF-8" into a ``FileReadError`` worded the same wherever a file is read; `-` reads
    /// standard input. At most `maxBytes` are read (by default the YAML limit, ``YAMLLimits/maxBytes``):
    /// a larger file is refused without being read into memory.
    public static func readText(_ path: String, maxBytes: Int = YAMLLimits.default.maxBytes) throws(FileReadError) -> String {
        let handle: FileHandle
        if path == "-" {
            handle = FileHandle.standardInput
        } else {
            handle = FileHandle(fileDescriptor: try FileReadError.openRegularFile(path), closeOnDealloc: true)
        }
        let data = handle.readData(ofLength: maxBytes + 1)
        if data.count > maxBytes {
            var status = stat()
            let size = path != "-" && fstat(handle.fileDescriptor, &status) == 0 ? "\(status.st_size) bytes, " : ""
            throw FileReadError(path: path, reason: "it is \(size)more than the limit of \(maxBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileReadError.notUTF8(path: path, data)
        }
        return text
    }

    /// How diagnostics name standard input.
    public static let standardInputName = "<stdin>"
}

/// A file that cannot be read, said the same way for configs, recordings and action files:
/// `PATH: error: cannot read the file: REASON`.
public struct FileReadError: Error, Sendable, CustomStringConvertible {
    public var path: String
    /// Why, e.g. "no such file" or "it is a directory, not a file".
    public var reason: String

    /// Where in the file the problem is (1-based), when it is at one place.
    public var line: Int?
    public var column: Int?

    public init(path: String, reason: String, line: Int? = nil, column: Int? = nil) {
        self.path = path
        self.reason = reason
        self.line = line
        self.column = column
    }

    /// The error as a diagnostic about the file, at the place of the problem when there is one.
    public var diagnostic: Diagnostic {
        let file = path == "-" ? TextFiles.standardInputName : path
        let location =
            if let line, let column { SourceLocation(file: file, line: line, column: column) } else { SourceLocation.wholeFile(file) }
        return .error(location, "cannot read the file: \(reason)")
    }

    /// "it is not UTF-8 text", at the first byte that is not UTF-8: its line as an editor counts
    /// lines (breaks at `\n`, `\r\n`, `\r`) and its column in Unicode scalars, as YAML positions are.
    static func notUTF8(path: String, _ data: Data) -> FileReadError {
        var iterator = data.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var line = 1
        var column = 1
        var afterCR = false
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                let byte = encoded.first
                if byte == 0x0A && afterCR {
                    afterCR = false
                } else if byte == 0x0A || byte == 0x0D {
                    line += 1
                    column = 1
                    afterCR = byte == 0x0D
                } else {
                    column += 1
                    afterCR = false
                }
            case .error:
                let byte = data[data.startIndex + offset]
                return FileReadError(
                    path: path, reason: "it is not UTF-8 text (byte 0x\(String(byte, radix: 16, uppercase: true)) at offset \(offset))",
                    line: line,
                    column: column)
            case .emptyInput:
                return FileReadError(path: path, reason: "it is not UTF-8 text")
            }
        }
    }

    public var description: String { diagnostic.description }

    /// Opens a regular file for reading. Directories, FIFOs, sockets and devices are refused
    /// before opening: opening a FIFO with no writer would block forever.
    public static func openRegularFile(_ path: String) throws(FileReadError) -> Int32 {
        var status = stat()
        guard stat(path, &status) == 0 else { throw FileReadError(path: path, reason: reason(errno: errno)) }
        switch status.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw FileReadError(path: path, reason: "it is a directory, not a file")
        case S_IFIFO:
            throw FileReadError(path: path, reason: "it is a FIFO (named pipe), not a regular file; '-' reads standard input")
        default: throw FileReadError(path: path, reason: "it is not a regular file")
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(path: path, reason: reason(errno: errno)) }
        return descriptor
    }

    /// Why a file operation failed, in the words every file message uses.
    package static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case ENOTDIR: "no such file (a part of the path is not a directory)"
        case EACCES: "permission denied"
        case ENOSPC: "no space left on the device"
        case EROFS: "the file system is read-only"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}

public struct GenerationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TextFiles {
    /// Reads several text files (action declarations, say), stopping at the first unreadable one.
    public static func readAll(_ paths: [String]) throws(FileReadError) -> [(path: String, text: String)] {
        var files: [(path: String, text: String)] = []
        for path in paths { files.append((path, try readText(path))) }
        return files
    }
}
