import Foundation
import Synchronization
import _TriggerfishCore
import _TriggerfishFileIO

/// Keeps the scheduler's state in one JSON file, ``fileName`` in a directory (created when first
/// saved, with its parents):
///
/// ```json
/// {
///   "jobs": {
///     "5f0c9d1e2a3b4c6d": {
///       "exec_count": 2,
///       "job_status": "RUNNING",
///       "last_exec_time_sec": 1800000120,
///       "playbook": "nightly report"
///     }
///   },
///   "version": 1
/// }
/// ```
///
/// A save writes a temporary file in the same directory and renames it over the old one, so a
/// crash leaves the old state or the new one, never half of one.
public final class DirectoryScheduleStateStore: ScheduleStateStore {
    /// The state file's name in the directory (Robusta's ConfigMap is `scheduled-jobs`).
    public static let fileName = "scheduled-jobs.json"

    public let directory: String
    /// The state file's path.
    public let path: String
    /// Saves one at a time, even from several schedulers.
    let writing = Mutex(())

    public init(directory: String) {
        self.directory = directory
        self.path = (directory as NSString).appendingPathComponent(Self.fileName)
    }

    public var location: String { path }

    /// The saved jobs; empty when the file does not exist yet.
    public func load() async throws(ScheduleStateError) -> [String: ScheduledJobState] {
        var status = stat()
        if lstat(path, &status) != 0 && errno == ENOENT { return [:] }
        let text: String
        do {
            text = try TextFiles.readText(path)
        } catch {
            throw ScheduleStateError("cannot read the scheduler state file '\(path)': \(error.reason)")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(text)
        } catch {
            throw ScheduleStateError("the scheduler state file '\(path)' is not valid JSON: \(error)")
        }
        do {
            return try ScheduleStateFormat.jobs(in: document)
        } catch {
            throw ScheduleStateError("the scheduler state file '\(path)' is not Triggerfish scheduler state: \(error.message)")
        }
    }

    public func save(_ jobs: [String: ScheduledJobState]) async throws(ScheduleStateError) {
        let text = ScheduleStateFormat.document(jobs).prettySerialized() + "\n"
        try writing.withLock { _ throws(ScheduleStateError) in try writeFile(text) }
    }

    func writeFile(_ text: String) throws(ScheduleStateError) {
        if let problem = Self.createDirectories(directory) {
            throw ScheduleStateError("cannot create the scheduler state directory '\(directory)': \(problem)")
        }
        let temporary = (directory as NSString).appendingPathComponent(".\(Self.fileName).tmp-\(getpid())")
        func fail(_ code: Int32) -> ScheduleStateError {
            unlink(temporary)
            return ScheduleStateError("cannot write the scheduler state file '\(path)': \(FileReadError.reason(errno: code))")
        }
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw fail(errno) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                let code = errno
                close(descriptor)
                throw fail(code)
            }
            written += count
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            throw fail(code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else { throw fail(errno) }
    }

    /// `mkdir -p`; `nil` on success, otherwise why not.
    static func createDirectories(_ directory: String) -> String? {
        var status = stat()
        if stat(directory, &status) == 0 {
            return status.st_mode & S_IFMT == S_IFDIR ? nil : "it exists and is not a directory"
        }
        let parent = (directory as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != directory, let problem = createDirectories(parent) { return problem }
        guard mkdir(directory, 0o755) == 0 || errno == EEXIST else { return FileReadError.reason(errno: errno) }
        return nil
    }

}
