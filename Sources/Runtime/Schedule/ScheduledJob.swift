import Foundation

/// A scheduled playbook as the scheduler sees it now: for logs, metrics and tests.
public struct ScheduledJob: Sendable, Hashable {
    /// The job id (``Triggerfish/PlaybookConfig/Playbook/scheduleJobID``).
    public var id: String
    /// The playbook's display name.
    public var playbook: String
    public var schedule: PlaybookSchedule
    /// Runs so far (the next run's `recurrence`).
    public var execCount: Int
    public var status: ScheduledJobState.Status
    /// When the last run started; `nil` before the first.
    public var lastRun: Date?
    /// When the next run is due (wall clock); `nil` while a run is under way, when the job is
    /// done, before ``PlaybookScheduler/run()`` starts, and for a cron expression with no next time.
    public var nextRun: Date?

    public init(
        id: String, playbook: String, schedule: PlaybookSchedule, execCount: Int, status: ScheduledJobState.Status, lastRun: Date?,
        nextRun: Date?
    ) {
        self.id = id
        self.playbook = playbook
        self.schedule = schedule
        self.execCount = execCount
        self.status = status
        self.lastRun = lastRun
        self.nextRun = nextRun
    }
}
