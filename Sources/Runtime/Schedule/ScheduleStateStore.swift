import Synchronization
import _TriggerfishCore

/// Where ``PlaybookScheduler`` keeps its jobs' state between runs of the process: a directory
/// (``DirectoryScheduleStateStore``), memory (``MemoryScheduleStateStore``), or, later, a
/// ConfigMap as Robusta does.
///
/// The scheduler loads once, before its first schedule, and saves the whole map (the jobs of the
/// current config, by job id) after each change, one save at a time.
public protocol ScheduleStateStore: Sendable {
    /// Where the state is kept, for logs: a file path, a ConfigMap's name.
    var location: String { get }

    /// The saved jobs by job id; empty when nothing was saved yet.
    func load() async throws(ScheduleStateError) -> [String: ScheduledJobState]

    /// Replaces the saved jobs with `jobs`.
    func save(_ jobs: [String: ScheduledJobState]) async throws(ScheduleStateError)
}

/// Saved scheduler state that cannot be read or written; the message names where and what is wrong.
public struct ScheduleStateError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// The state as a whole, as stores write it: `{"jobs": {ID: STATE, ...}, "version": 1}`.
enum ScheduleStateFormat {
    static let version = 1

    /// Encodes the whole map, keys sorted and indented so people can read it.
    static func document(_ jobs: [String: ScheduledJobState]) -> JSONValue {
        .object(["version": .int(version), "jobs": .object(jobs.mapValues(\.jsonValue))])
    }

    /// Decodes what ``document(_:)`` wrote; the error says what is wrong, without the location.
    static func jobs(in document: JSONValue) throws(ScheduleStateError) -> [String: ScheduledJobState] {
        guard let object = document.objectValue, let found = object["version"], let jobs = object["jobs"]?.objectValue else {
            throw ScheduleStateError("expected an object with \"version\": \(version) and \"jobs\": {...}")
        }
        guard found == .int(version) else {
            throw ScheduleStateError("version \(found.serialized()) is not one this Triggerfish reads (\(version))")
        }
        var states: [String: ScheduledJobState] = [:]
        for (id, value) in jobs.sorted(by: { $0.key < $1.key }) {
            do {
                states[id] = try ScheduledJobState(jsonValue: value)
            } catch {
                throw ScheduleStateError("job '\(id)': \(error.message)")
            }
        }
        return states
    }
}

/// Keeps the state in memory only: schedules continue across reloads but start over when the
/// process restarts. For tests, and for running without a state directory.
public final class MemoryScheduleStateStore: ScheduleStateStore {
    let state: Mutex<[String: ScheduledJobState]>

    public init(_ jobs: [String: ScheduledJobState] = [:]) {
        state = Mutex(jobs)
    }

    public var location: String { "memory" }

    /// What was saved last.
    public var jobs: [String: ScheduledJobState] { state.withLock { $0 } }

    public func load() async throws(ScheduleStateError) -> [String: ScheduledJobState] { jobs }

    public func save(_ jobs: [String: ScheduledJobState]) async throws(ScheduleStateError) {
        state.withLock { $0 = jobs }
    }
}
