import Logging
import ServiceLifecycle
import Triggerfish
import _TriggerfishFileIO

/// What a reload did.
public enum ReloadOutcome: Sendable {
    /// The new config runs: its playbook count and warnings.
    case reloaded(playbooks: Int, warnings: [String])
    /// The new config has errors (every diagnostic given); the previous one keeps running.
    case rejected(ConfigLoadError)
}

/// Loads the config again, one reload at a time, and swaps it in when it is good.
///
/// Unlike Robusta's runner, which exits on a bad config (and crash-loops in its pod), a bad new
/// config is rejected with its diagnostics and the running one stays.
actor Reloader {
    let setup: RunnerSetup
    let live: LiveConfig
    /// Hands the new config's scheduled playbooks to the scheduler of the current leadership term, if any.
    let reschedule: @Sendable () async -> Void
    let metrics: RunnerMetrics
    let logger: Logger
    var generation = 1
    /// The file content last rejected, so that watching does not reject it again every interval.
    var rejectedText: String?
    /// The last reason the file could not be read while watching, so it is logged once.
    var unreadable: String?

    init(
        setup: RunnerSetup, live: LiveConfig, reschedule: @escaping @Sendable () async -> Void, metrics: RunnerMetrics, logger: Logger
    ) {
        self.setup = setup
        self.live = live
        self.reschedule = reschedule
        self.metrics = metrics
        self.logger = logger
    }

    /// Loads and swaps in the config. `reason` says in the log why (`requested`, `file changed`).
    func reload(reason: String) async -> ReloadOutcome {
        do throws(ConfigLoadError) {
            let next = try setup.load(generation: generation + 1, logger: logger)
            generation += 1
            rejectedText = nil
            live.replace(with: next)
            // Removed scheduled playbooks are unscheduled; unchanged ones keep their timing.
            await reschedule()
            metrics.reloads[true]?.increment()
            metrics.playbooks.record(next.playbookCount)
            logger.info("reloaded \(setup.configPath) (\(reason)): \(next.playbookCount) playbook(s)")
            for warning in next.warnings { logger.warning("\(warning)") }
            return .reloaded(playbooks: next.playbookCount, warnings: next.warnings)
        } catch {
            metrics.reloads[false]?.increment()
            logger.error(
                "rejected the new config \(setup.configPath) (\(reason)); still running the previous one:\n\(error.description)")
            return .rejected(error)
        }
    }

    /// Reloads when the file's content differs from the running config's and from the last rejected one.
    func reloadIfChanged() async {
        let text: String
        do {
            text = try TextFiles.readText(setup.configPath)
        } catch {
            let reason = error.description
            if unreadable != reason {
                unreadable = reason
                logger.error("cannot check the config for changes: \(reason); still running the loaded one")
            }
            return
        }
        unreadable = nil
        guard text != live.current.text, text != rejectedText else { return }
        if case .rejected = await reload(reason: "file changed") { rejectedText = text }
    }
}

/// Checks the config file for changes every interval, until graceful shutdown.
struct ConfigWatcher: Service {
    let reloader: Reloader
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            await reloader.reloadIfChanged()
        }
    }
}
