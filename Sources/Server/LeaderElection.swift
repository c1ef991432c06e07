import Foundation
import Logging
import Synchronization
import Triggerfish

/// Leader election on a `coordination.k8s.io/v1` Lease, as client-go's leaderelection package
/// does it, so that of several replicas only one watches the cluster and runs schedules.
///
/// A candidate reads the Lease every ``Options/retryPeriod``. It takes the Lease when there is
/// none, when it is released (no holder), or when its record has not changed for
/// ``Options/leaseDuration`` by the candidate's own clock (so clocks of different machines need
/// not agree). Every write carries the `resourceVersion` it read, so of two candidates writing at
/// once the API server accepts one and refuses the other with 409 Conflict.
///
/// The leader renews every ``Options/retryPeriod``; when no renewal has succeeded for
/// ``Options/renewDeadline`` it stops leading: the work is cancelled and awaited before the
/// candidate campaigns again. As the renew deadline is shorter than the lease duration, the old
/// leader has stopped before another candidate may take the Lease. On shutdown a leader releases
/// the Lease (empty holder) so another replica takes over at once.
public final class LeaderElector: Sendable {
    public struct Options: Sendable {
        /// Where the Lease is: the runner's namespace.
        public var namespace: String
        public var leaseName: String
        /// Who this candidate is: unique among the replicas (the pod name and a random suffix).
        public var identity: String
        /// How long a Lease whose record stopped changing is honoured (client-go's default 15 s).
        public var leaseDuration: Duration
        /// How long a leader keeps leading without a successful renewal (10 s); shorter than the lease duration.
        public var renewDeadline: Duration
        /// How often a candidate tries to take the Lease and a leader renews it (2 s).
        public var retryPeriod: Duration

        public init(
            namespace: String, leaseName: String = "triggerfish-leader", identity: String, leaseDuration: Duration = .seconds(15),
            renewDeadline: Duration = .seconds(10), retryPeriod: Duration = .seconds(2)
        ) {
            self.namespace = namespace
            self.leaseName = leaseName
            self.identity = identity
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    /// What was last read of the Lease, and when by this candidate's clock.
    struct Observed {
        var holder: String
        var renewTime: String
        var resourceVersion: String
        var acquireTime: String
        var transitions: Int
        var at: Duration
    }

    let kubernetes: any KubernetesAPI
    public let options: Options
    let clock: any Clock<Duration>
    /// Time on `clock` since the elector was made.
    let elapsed: @Sendable () -> Duration
    let now: @Sendable () -> Date
    let logger: Logger
    let leading = Atomic<Bool>(false)
    let observed = Mutex<Observed?>(nil)

    /// - Parameters:
    ///   - clock: what the candidate sleeps on and measures the Lease's age with.
    ///   - now: the wall clock written into the Lease's times.
    public init(
        kubernetes: any KubernetesAPI, options: Options, clock: any Clock<Duration> = ContinuousClock(),
        now: @escaping @Sendable () -> Date = { Date() }, logger: Logger
    ) {
        self.kubernetes = kubernetes
        self.options = options
        self.clock = clock
        self.elapsed = Self.stopwatch(clock)
        self.now = now
        self.logger = logger
    }

    /// Whether this candidate holds the Lease now.
    public var isLeader: Bool { leading.load(ordering: .sequentiallyConsistent) }

    /// Campaigns until the calling task is cancelled. Whenever this candidate holds the Lease,
    /// `lead` runs; it is cancelled, and awaited, when the Lease is lost or on cancellation.
    public func run(lead: @escaping @Sendable () async -> Void) async {
        while !Task.isCancelled {
            guard await tryAcquireOrRenew() else {
                try? await sleep(options.retryPeriod)
                continue
            }
            leading.store(true, ordering: .sequentiallyConsistent)
            logger.info("leading: holding Lease \(options.namespace)/\(options.leaseName) as \(options.identity)")
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await lead() }
                group.addTask { await self.renewWhileLeading() }
                // Whichever ends first (the lease lost, or the work over) ends the term.
                _ = await group.next()
                group.cancelAll()
                await group.waitForAll()
            }
            leading.store(false, ordering: .sequentiallyConsistent)
            if Task.isCancelled {
                // In a task of its own: the HTTP client gives up on requests of a cancelled task.
                await Task { await self.release() }.value
                return
            }
            logger.error(
                "stopped leading: the Lease \(options.namespace)/\(options.leaseName) was not renewed within \(options.renewDeadline)")
        }
    }

    /// Renews every retry period; returns when no renewal succeeded for the renew deadline, or on cancellation.
    func renewWhileLeading() async {
        var lastRenewal = elapsed()
        while !Task.isCancelled {
            do {
                try await sleep(options.retryPeriod)
            } catch {
                return
            }
            if await tryAcquireOrRenew() {
                lastRenewal = elapsed()
            } else if elapsed() - lastRenewal >= options.renewDeadline {
                return
            }
        }
    }

    func sleep(_ duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    /// Reads the Lease and takes or renews it when this candidate may; `true` when it holds it afterwards.
    func tryAcquireOrRenew() async -> Bool {
        let lease: KubernetesObject?
        do {
            lease = try await kubernetes.object(.lease, namespace: options.namespace, name: options.leaseName)
        } catch {
            logger.warning("cannot read Lease \(options.namespace)/\(options.leaseName): \(error)")
            return false
        }
        let stamp = RFC3339.microTime(now())
        guard let lease else {
            let created: JSONValue = [
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": ["name": .string(options.leaseName), "namespace": .string(options.namespace)],
                "spec": [
                    "holderIdentity": .string(options.identity),
                    "leaseDurationSeconds": .int(Int(options.leaseDuration.components.seconds)),
                    "acquireTime": .string(stamp), "renewTime": .string(stamp), "leaseTransitions": 0,
                ],
            ]
            do {
                let stored = try await kubernetes.create(KubernetesObject(json: created), in: .lease)
                observe(stored)
                return true
            } catch {
                logger.debug("could not create Lease \(options.namespace)/\(options.leaseName): \(error)")
                return false
            }
        }
        let record = observe(lease)
        if !record.holder.isEmpty, record.holder != options.identity,
            record.at + options.leaseDuration > elapsed()
        {
            return false
        }
        let ours = record.holder == options.identity
        let patch: JSONValue = [
            "metadata": ["resourceVersion": .string(record.resourceVersion)],
            "spec": [
                "holderIdentity": .string(options.identity), "leaseDurationSeconds": .int(Int(options.leaseDuration.components.seconds)),
                "acquireTime": .string(ours ? record.acquireTime : stamp), "renewTime": .string(stamp),
                "leaseTransitions": .int(ours ? record.transitions : record.transitions + 1),
            ],
        ]
        do {
            let stored = try await kubernetes.patch(
                .lease, namespace: options.namespace, name: options.leaseName, patch: patch, type: .merge)
            observe(stored)
            return true
        } catch {
            logger.debug("could not write Lease \(options.namespace)/\(options.leaseName): \(error)")
            return false
        }
    }

    /// Gives the Lease up so another candidate takes it at once (best effort: it expires anyway).
    func release() async {
        guard let record = observed.withLock({ $0 }), record.holder == options.identity else { return }
        let patch: JSONValue = [
            "metadata": ["resourceVersion": .string(record.resourceVersion)],
            "spec": ["holderIdentity": "", "leaseDurationSeconds": 1, "renewTime": .string(RFC3339.microTime(now()))],
        ]
        do {
            _ = try await kubernetes.patch(.lease, namespace: options.namespace, name: options.leaseName, patch: patch, type: .merge)
            logger.info("released Lease \(options.namespace)/\(options.leaseName)")
        } catch {
            logger.warning("could not release Lease \(options.namespace)/\(options.leaseName): \(error)")
        }
    }

    static func stopwatch<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let origin = clock.now
        return { origin.duration(to: clock.now) }
    }

    /// Remembers what the Lease says; the time observed moves only when its record changed.
    @discardableResult
    func observe(_ lease: KubernetesObject) -> Observed {
        let spec = lease.json["spec"]
        let holder = spec?["holderIdentity"]?.stringValue ?? ""
        let renewTime = spec?["renewTime"]?.stringValue ?? ""
        let resourceVersion = lease.json["metadata"]?["resourceVersion"]?.stringValue ?? ""
        let now = elapsed()
        return observed.withLock { observed in
            var record = Observed(
                holder: holder, renewTime: renewTime, resourceVersion: resourceVersion,
                acquireTime: spec?["acquireTime"]?.stringValue ?? "", transitions: spec?["leaseTransitions"]?.intValue ?? 0, at: now)
            if let previous = observed, previous.holder == holder, previous.renewTime == renewTime { record.at = previous.at }
            observed = record
            return record
        }
    }
}
