import Foundation
import Logging
import Triggerfish

/// How `triggerfish serve` runs: where it listens, what it accepts, how it authenticates, how it
/// reloads and how long it waits on shutdown.
public struct RunnerOptions: Sendable {
    /// The address to listen on; Robusta's runner listens on 0.0.0.0.
    public var host: String = "0.0.0.0"
    /// The port; Robusta's runner port is 5000; 0 picks a free one (see ``Runner/listeningPort()``).
    public var port: Int = 5000
    /// The largest request body accepted; larger ones get 413.
    public var maxBodyBytes: Int = 8 << 20
    /// How long a client may take to send its request body; slower ones get 408.
    public var bodyTimeout: Duration = .seconds(30)
    /// How long a connection may stay idle (nothing sent or received) before it is closed.
    public var idleTimeout: Duration = .seconds(75)
    /// Inputs (`/api/handle`, `/api/alerts`) queued or in progress at once; more get 503 with
    /// `Retry-After`. Robusta's default is 500 (and it drops the rest silently).
    public var queueCapacity: Int = 500
    /// Inputs handled at once; inputs about one object are always handled in order.
    public var lanes: Int = 4
    /// The `Retry-After` seconds sent with 503.
    public var retryAfterSeconds: Int = 1
    /// The bearer token `/api/trigger` and `/api/playbooks/reload` require (and `/api/handle`
    /// and `/api/alerts` when ``authenticateInputs`` is set). Without one, those endpoints answer 403.
    public var token: BearerToken?
    /// Whether `/api/handle` and `/api/alerts` require the token too. Alertmanager can send one
    /// (`http_config.authorization`); kubewatch cannot, so it is off by default.
    public var authenticateInputs = false
    /// How often the config file is checked for changes (reloaded when its content changed);
    /// `nil` turns watching off (`POST /api/playbooks/reload` still reloads).
    public var watchInterval: Duration? = .seconds(5)
    /// How long shutdown waits for sinks to deliver what they hold, after the queue is drained.
    public var sinkFlushDeadline: Duration = .seconds(20)
    /// Where scheduled playbooks keep their state (execution counts, last runs), so a restart
    /// continues the schedules; `nil` keeps it in memory only.
    public var stateDirectory: String?
    /// Where scheduled playbooks keep their state when not in ``stateDirectory``: in a cluster, a
    /// ConfigMap (``ConfigMapScheduleStateStore``). Takes precedence over ``stateDirectory``.
    public var scheduleStore: (any ScheduleStateStore)?
    /// Robusta's delays for scheduled playbooks: the wait before a job's first run and the least
    /// time between two runs (both 120 s in Robusta, `INITIAL_SCHEDULE_DELAY_SEC`).
    public var schedule = PlaybookScheduler.Options()
    /// What the scheduler sleeps on, and the wall clock its saved times are read against (tests
    /// move both by hand).
    public var scheduleClock: any Clock<Duration> = ContinuousClock()
    public var now: @Sendable () -> Date = { Date() }
    /// The Kubernetes API, its watch and leader election; `nil`: the runner takes changes only
    /// from kubewatch (`/api/handle`) and actions cannot read the cluster.
    public var cluster: RunnerCluster?

    public init() {}
}

/// A bearer token, compared in constant time.
public struct BearerToken: Sendable {
    let bytes: [UInt8]

    /// - Throws: ``RunnerError`` when the token is empty or has characters a header cannot carry.
    public init(_ token: String) throws(RunnerError) {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else { throw RunnerError("the bearer token is empty") }
        guard bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw RunnerError("the bearer token has spaces, control or non-ASCII characters, which an Authorization header cannot carry")
        }
        self.bytes = bytes
    }

    /// Reads a token from a file: its content without the surrounding whitespace (a trailing
    /// newline is usual).
    public static func read(file path: String) throws(RunnerError) -> BearerToken {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunnerError("\(path): cannot read the token file")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            return try BearerToken(text)
        } catch {
            throw RunnerError("\(path): \(error.message)")
        }
    }

    /// Whether an `Authorization` header value carries this token. Takes the same time whatever
    /// the candidate's content, for candidates of any length.
    func matches(authorization header: String?) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        let candidate = Array(header.utf8.dropFirst(7))
        var difference: UInt8 = candidate.count == bytes.count ? 0 : 1
        for index in bytes.indices {
            difference |= bytes[index] ^ (index < candidate.count ? candidate[index] : 0)
        }
        return difference == 0
    }
}

/// Why the runner cannot start or do what it was asked.
public struct RunnerError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// What the runner does with the Kubernetes API (see docs/kubernetes.md).
public struct RunnerCluster: Sendable {
    /// Watches objects of `kinds` (as the schema spells them: the kinds the config's playbooks
    /// listen to) and hands each change to `deliver`, which returns once the change is queued
    /// (`false`: the runner is shutting down and took nothing); runs until cancelled. The runner
    /// starts it again with the new kinds when a reload changes them, with `continuing` true: the
    /// changes made while it restarts should then be delivered (compare the first list with what
    /// the previous watch saw), where a first start takes what exists as present at start.
    public typealias Watch =
        @Sendable (_ kinds: Set<String>, _ continuing: Bool, _ deliver: @escaping @Sendable (KubernetesChange) async -> Bool) async throws
        -> Void

    /// What actions, alert resolution and manual triggers read and change (the engine's
    /// ``PlaybookEngine/Options/kubernetes``).
    public var kubernetes: any KubernetesAPI
    /// The watch of the kinds the config's playbooks need (`serve --watch`); `nil`: changes come
    /// only from kubewatch.
    public var watch: Watch?
    /// Campaign for a Lease and watch and run schedules only while holding it; `nil`: this
    /// runner is the only one and always leads.
    public var leaderElection: LeaderElector.Options?

    public init(kubernetes: any KubernetesAPI, watch: Watch? = nil, leaderElection: LeaderElector.Options? = nil) {
        self.kubernetes = kubernetes
        self.watch = watch
        self.leaderElection = leaderElection
    }
}
