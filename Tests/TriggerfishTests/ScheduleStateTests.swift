import Foundation
import Testing

@testable import Triggerfish

/// `DirectoryScheduleStateStore`: the file's format, atomic replacement, and the messages for a
/// file that cannot be used.
@Suite struct ScheduleStateTests {
    /// A fresh directory path (not created) and a cleanup.
    func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appending(path: "schedule-state-\(UUID().uuidString)").path
    }

    func loadError(_ text: String) async throws -> String {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = DirectoryScheduleStateStore(directory: directory)
        try text.write(toFile: store.path, atomically: true, encoding: .utf8)
        do {
            _ = try await store.load()
            return "loaded"
        } catch {
            return error.message.replacingOccurrences(of: store.path, with: "PATH")
        }
    }

    @Test func savesCreateTheDirectoryAndWriteReadableJSON() async throws {
        let directory = temporaryDirectory() + "/nested/state"
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let store = DirectoryScheduleStateStore(directory: directory)
        #expect(store.path == directory + "/scheduled-jobs.json")
        #expect(try await store.load() == [:])
        let jobs = [
            "00000000000000aa": ScheduledJobState(execCount: 2, status: .running, lastExecTimeSec: 1_800_000_120, playbook: "report"),
            "00000000000000bb": ScheduledJobState(execCount: 3, status: .done, lastExecTimeSec: 1_800_000_000),
            "00000000000000cc": ScheduledJobState(),
        ]
        try await store.save(jobs)
        #expect(
            try String(contentsOfFile: store.path, encoding: .utf8) == """
                {
                  "jobs": {
                    "00000000000000aa": {
                      "exec_count": 2,
                      "job_status": "RUNNING",
                      "last_exec_time_sec": 1800000120,
                      "playbook": "report"
                    },
                    "00000000000000bb": {
                      "exec_count": 3,
                      "job_status": "DONE",
                      "last_exec_time_sec": 1800000000
                    },
                    "00000000000000cc": {
                      "exec_count": 0,
                      "job_status": "NEW",
                      "last_exec_time_sec": 0
                    }
                  },
                  "version": 1
                }

                """)
        #expect(try await store.load() == jobs)
        try await store.save([:])
        #expect(try await store.load() == [:])
        // Only the state file is left: the temporary file was renamed over it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["scheduled-jobs.json"])
    }

    @Test(arguments: [
        ("", "the scheduler state file 'PATH' is not valid JSON: invalid JSON at byte 0: expected a value, found end of input"),
        (
            "[]",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: expected an object with \"version\": 1 and \"jobs\": {...}"
        ),
        (
            "{\"version\": 2, \"jobs\": {}}",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: version 2 is not one this Triggerfish reads (1)"
        ),
        (
            "{\"version\": 1, \"jobs\": {\"a\": {\"exec_count\": 1, \"last_exec_time_sec\": 5}}}",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: job 'a': 'job_status' is missing"
        ),
        (
            "{\"version\": 1, \"jobs\": {\"a\": {\"exec_count\": 1, \"job_status\": \"PAUSED\", \"last_exec_time_sec\": 5}}}",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: job 'a': 'job_status' must be \"NEW\", \"RUNNING\" or \"DONE\", found \"PAUSED\""
        ),
        (
            "{\"version\": 1, \"jobs\": {\"a\": {\"exec_count\": -1, \"job_status\": \"NEW\", \"last_exec_time_sec\": 5}}}",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: job 'a': 'exec_count' must be an integer from 0 to 2147483647, found -1"
        ),
        // Issue 12: a time this large overflowed when the next run was timed from it.
        (
            "{\"version\": 1, \"jobs\": {\"a\": {\"exec_count\": 1, \"job_status\": \"RUNNING\", \"last_exec_time_sec\": 9223372036854775807}}}",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: job 'a': 'last_exec_time_sec' must be an integer from 0 to 253402300799, found 9223372036854775807"
        ),
        (
            "{\"version\": 1, \"jobs\": {\"a\": 3}}",
            "the scheduler state file 'PATH' is not Triggerfish scheduler state: job 'a': expected an object, found 3"
        ),
    ])
    func unusableFilesAreNamedWithWhatIsWrong(text: String, message: String) async throws {
        #expect(try await loadError(text) == message)
    }

    @Test func aDirectoryInPlaceOfTheFileOrOfTheDirectoryIsReported() async throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = DirectoryScheduleStateStore(directory: directory)
        try FileManager.default.createDirectory(atPath: store.path, withIntermediateDirectories: true)
        await #expect(throws: ScheduleStateError("cannot read the scheduler state file '\(store.path)': it is a directory, not a file")) {
            try await store.load()
        }

        let file = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let blocked = DirectoryScheduleStateStore(directory: file)
        await #expect(
            throws: ScheduleStateError("cannot create the scheduler state directory '\(file)': it exists and is not a directory")
        ) {
            try await blocked.save([:])
        }
    }

    @Test func theMemoryStoreKeepsTheLastSave() async throws {
        let store = MemoryScheduleStateStore(["a": ScheduledJobState()])
        #expect(try await store.load() == ["a": ScheduledJobState()])
        try await store.save(["b": ScheduledJobState(execCount: 1, status: .running, lastExecTimeSec: 9)])
        #expect(store.jobs == ["b": ScheduledJobState(execCount: 1, status: .running, lastExecTimeSec: 9)])
        #expect(store.location == "memory")
    }
}
