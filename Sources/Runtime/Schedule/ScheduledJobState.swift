import _TriggerfishCore

/// What is persisted about one scheduled playbook, as Robusta keeps it in its `scheduled-jobs`
/// ConfigMap: how many times it ran, whether it is done, and when it last ran. A restart reads it
/// back, so a schedule continues instead of starting over.
public struct ScheduledJobState: Sendable, Hashable {
    /// Robusta's `job_status`.
    public enum Status: String, Sendable, Hashable {
        /// Never ran: the first run waits the initial delay (or the first delay period).
        case new = "NEW"
        /// Ran at least once; later runs are timed from ``ScheduledJobState/lastExecTimeSec``.
        case running = "RUNNING"
        /// Ran as many times as its schedule says; never scheduled again.
        case done = "DONE"
    }

    /// Runs so far; the next run's `recurrence` (Robusta's `exec_count`).
    public var execCount: Int
    public var status: Status
    /// When the last run started, in whole seconds since 1970 (UTC); 0 before the first run
    /// (Robusta's `last_exec_time_sec`).
    public var lastExecTimeSec: Int
    /// The playbook's display name when the state was saved, for people reading the state; jobs
    /// are matched by id, never by name.
    public var playbook: String?

    public init(execCount: Int = 0, status: Status = .new, lastExecTimeSec: Int = 0, playbook: String? = nil) {
        self.execCount = execCount
        self.status = status
        self.lastExecTimeSec = lastExecTimeSec
        self.playbook = playbook
    }
}

extension ScheduledJobState {
    /// The state as saved: `{"exec_count": 2, "job_status": "RUNNING", "last_exec_time_sec": 1800000120, "playbook": "..."}`.
    public var jsonValue: JSONValue {
        var object: [String: JSONValue] = [
            "exec_count": .int(execCount), "job_status": .string(status.rawValue), "last_exec_time_sec": .int(lastExecTimeSec),
        ]
        if let playbook { object["playbook"] = .string(playbook) }
        return .object(object)
    }

    /// Reads a saved state; the error says which key is wrong and what was found.
    public init(jsonValue value: JSONValue) throws(ScheduleStateError) {
        guard let object = value.objectValue else {
            throw ScheduleStateError("expected an object, found \(value.serialized())")
        }
        // Bounded, so that timing a run from a saved state cannot overflow whatever the file says.
        func integer(_ key: String, maximum: Int) throws(ScheduleStateError) -> Int {
            guard let found = object[key] else { throw ScheduleStateError("'\(key)' is missing") }
            guard case .int(let number) = found, (0...maximum).contains(number) else {
                throw ScheduleStateError("'\(key)' must be an integer from 0 to \(maximum), found \(found.serialized())")
            }
            return number
        }
        execCount = try integer("exec_count", maximum: Int(Int32.max))
        // The last second of the year 9999.
        lastExecTimeSec = try integer("last_exec_time_sec", maximum: 253_402_300_799)
        guard let found = object["job_status"] else { throw ScheduleStateError("'job_status' is missing") }
        guard let text = found.stringValue, let status = Status(rawValue: text) else {
            throw ScheduleStateError("'job_status' must be \"NEW\", \"RUNNING\" or \"DONE\", found \(found.serialized())")
        }
        self.status = status
        playbook = object["playbook"]?.stringValue
    }
}
