import ArgumentParser
import Foundation
import Logging
import Triggerfish
import TriggerfishKubernetes
import TriggerfishServer
import TriggerfishWebhookSink
import _TriggerfishFileIO

/// `triggerfish serve`: the live runner.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run playbooks live: serve Robusta's runner endpoints for kubewatch, Alertmanager and manual triggers.",
        discussion: """
            Loads the config with the same validator as `validate` (a config with errors does not start: exit 1), \
            then serves POST /api/handle (kubewatch), /api/alerts (Alertmanager), /api/trigger and \
            /api/playbooks/reload, and GET /healthz, /readyz and /metrics. /api/trigger and /api/playbooks/reload \
            need a bearer token (--token-file or TRIGGERFISH_TOKEN). SIGTERM or SIGINT stops accepting, handles \
            every input already accepted, gives the sinks --sink-flush-deadline to deliver, and exits 0. \
            See docs/serve.md.
            """)

    @Option(help: "The playbook config (runner config, Helm values or a list of playbooks); reloaded when it changes.")
    var config = Replay.bundledConfig

    @Option(name: .customLong("actions"), help: "A file declaring custom actions (actions.yaml format); repeatable.")
    var actionFiles: [String] = []

    @Option(help: "The address to listen on.")
    var host = "0.0.0.0"

    @Option(help: "The port to listen on (Robusta's runner port is 5000; 0 picks a free port and logs it).")
    var port = 5000

    @Option(help: "A file holding the bearer token /api/trigger and /api/playbooks/reload require (else TRIGGERFISH_TOKEN).")
    var tokenFile: String?

    @Flag(help: "Require the bearer token on /api/handle and /api/alerts too (Alertmanager can send one; kubewatch cannot).")
    var authenticateInputs = false

    @Option(help: "Inputs queued or in progress at once (1 to 1000000); more are answered 503 with Retry-After.")
    var queueCapacity = 500

    @Option(help: "Inputs handled at once (1 to 256); inputs about one object are always handled in order.")
    var lanes = 4

    @Option(help: "The largest request body accepted, in bytes; larger ones are answered 413.")
    var maxBodyBytes = 8 << 20

    @Option(help: "Seconds a client may take to send its request body (slower ones are answered 408).")
    var bodyTimeout = 30

    @Option(help: "Seconds between checks of the config file for changes; 0 turns watching off.")
    var watchInterval = 5

    @Option(help: "Seconds the sinks get to deliver what they hold at shutdown.")
    var sinkFlushDeadline = 20

    @Option(help: "Where scheduled playbooks keep their state, so a restart continues their schedules.")
    var stateDir: String?

    @Option(help: "Seconds a scheduled playbook waits before its first run and at least between runs (Robusta: 120).")
    var scheduleMinimumDelay = 120

    @OptionGroup(title: "Kubernetes")
    var kubernetes: KubernetesOptions

    @Option(help: "'text' or 'json' (one JSON object per line).")
    var logFormat: ServerLogging.Format = .text

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: ServerLogging.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535; got \(port)") }
        guard (1...1_000_000).contains(queueCapacity) else {
            throw ValidationError("--queue-capacity must be from 1 to 1000000; got \(queueCapacity)")
        }
        guard Replay.lanesRange.contains(lanes) else {
            throw ValidationError("--lanes must be from \(Replay.lanesRange.lowerBound) to \(Replay.lanesRange.upperBound); got \(lanes)")
        }
        guard (1...(1 << 30)).contains(maxBodyBytes) else {
            throw ValidationError("--max-body-bytes must be from 1 to 1073741824; got \(maxBodyBytes)")
        }
        for (name, value) in [("--body-timeout", bodyTimeout), ("--sink-flush-deadline", sinkFlushDeadline)]
        where !(1...86_400).contains(value) {
            throw ValidationError("\(name) must be from 1 to 86400 seconds; got \(value)")
        }
        guard (1...86_400).contains(scheduleMinimumDelay) else {
            throw ValidationError("--schedule-minimum-delay must be from 1 to 86400 seconds; got \(scheduleMinimumDelay)")
        }
        guard (0...86_400).contains(watchInterval) else {
            throw ValidationError("--watch-interval must be from 0 to 86400 seconds; got \(watchInterval)")
        }
        if config == "-" { throw ValidationError("--config cannot be standard input: the runner reloads it from its file") }
    }

    func run() async throws {
        ServerLogging.bootstrap(format: logFormat, level: logLevel.level)
        let logger = Logger(label: "triggerfish")
        var options = RunnerOptions()
        options.host = host
        options.port = port
        options.queueCapacity = queueCapacity
        options.lanes = lanes
        options.maxBodyBytes = maxBodyBytes
        options.bodyTimeout = .seconds(bodyTimeout)
        options.watchInterval = watchInterval == 0 ? nil : .seconds(watchInterval)
        options.sinkFlushDeadline = .seconds(sinkFlushDeadline)
        options.stateDirectory = stateDir
        options.schedule = PlaybookScheduler.Options(
            initialDelay: .seconds(scheduleMinimumDelay), minimumDelay: .seconds(scheduleMinimumDelay))
        options.authenticateInputs = authenticateInputs
        do {
            if let tokenFile {
                options.token = try BearerToken.read(file: tokenFile)
            } else if let token = ProcessInfo.processInfo.environment["TRIGGERFISH_TOKEN"] {
                options.token = try BearerToken(token)
            }
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        if authenticateInputs && options.token == nil {
            printError("--authenticate-inputs needs a token: give --token-file FILE or set TRIGGERFISH_TOKEN")
            throw ExitCode(1)
        }
        var client: KubernetesClient?
        do {
            if let access = try kubernetes.cluster(stateDirectory: stateDir, logger: logger) {
                options.cluster = access.cluster
                options.scheduleStore = access.scheduleStore
                client = access.client
            }
        } catch {
            printError("cannot use the Kubernetes API: \(error)")
            throw ExitCode(1)
        }
        let runner: Runner
        do throws(ConfigLoadError) {
            do throws(FileReadError) {
                try Replay.checkBundled(config, option: "--config")
            } catch {
                throw ConfigLoadError(error)
            }
            runner = try Runner(
                setup: RunnerSetup(
                    configPath: config, actionFiles: actionFiles, actions: BuiltinActionImplementations().registrations,
                    sinkFactory: Replay.sinkFactory, customActionsHint: customActionsHint),
                options: options, logger: logger)
        } catch {
            try? await client?.shutdown()
            printError(error.description)
            throw ExitCode(1)
        }
        if options.token == nil {
            logger.warning(
                "no bearer token configured (--token-file or TRIGGERFISH_TOKEN): /api/trigger and /api/playbooks/reload answer 403")
        }
        do {
            try await runner.run()
        } catch {
            try? await client?.shutdown()
            logger.critical("the runner stopped: \(error)")
            throw ExitCode(1)
        }
        try? await client?.shutdown()
        logger.info("stopped")
    }
}
