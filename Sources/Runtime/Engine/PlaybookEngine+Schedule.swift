import _TriggerfishCore

extension PlaybookEngine {
    /// Runs one tick of a scheduled playbook (one of ``scheduledPlaybooks``), as Robusta's
    /// scheduler does: the playbook's actions on `ScheduledExecutionEvent(recurrence:)`, with its
    /// sinks (or the default sinks), the findings routed and delivered as for any event.
    ///
    /// The report's summary is `scheduled run, recurrence N`. A playbook that is not in this
    /// engine's config (matched by position and location) runs nothing: its actions are reported
    /// as failed.
    public func runScheduled(_ playbook: PlaybookConfig.Playbook, recurrence: Int) async -> EventReport {
        var report = EventReport(summary: "scheduled run, recurrence \(recurrence)")
        let isThis = { (runnable: PlaybookIndex.Runnable) in
            runnable.playbook.index == playbook.index && runnable.playbook.location == playbook.location
        }
        let candidate =
            index.runnables.indices.contains(playbook.index) && isThis(index.runnables[playbook.index])
            ? playbook.index
            : index.runnables.firstIndex(where: isThis)
                // A reload may have moved it: the same definition is the same job.
                ?? index.runnables.firstIndex { $0.playbook.scheduleJobID == playbook.scheduleJobID }
        guard let candidate else {
            report.playbooks = [playbook.displayName]
            report.actions = playbook.actions.map { action in
                ActionRun(
                    action: action.name, playbook: playbook.displayName,
                    failure: ActionFailure(code: .failed, message: "the playbook is not in this engine's config"))
            }
            return report
        }
        metrics.handled(.schedule)
        let context = ActionContext(kubernetes: options.kubernetes, now: options.now)
        await run(candidate, event: SharedEvent(event: OnSchedule.makeEvent(recurrence: recurrence)), context: context, report: &report)
        await finish(context, report: &report)
        return report
    }
}
