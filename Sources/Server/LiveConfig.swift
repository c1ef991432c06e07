import Foundation
import Logging
import Synchronization
import Triggerfish
import _TriggerfishFileIO

/// What the runner builds its engine from, at start and again on every reload.
public struct RunnerSetup: Sendable {
    /// The config file: runner config, Helm values or a list of playbooks.
    public var configPath: String
    /// Files declaring custom actions (actions.yaml format).
    public var actionFiles: [String]
    /// The action implementations, built-in and the program's own.
    public var actions: [ActionRegistration]
    /// Builds the configured sinks (`console_sink` and `file_sink` always; the program registers others).
    public var sinkFactory: SinkFactory
    /// Where `console_sink` writes.
    public var console: ConsoleOutput
    /// The engine's options; the runner sets their metrics factory to its own.
    public var engineOptions: PlaybookEngine.Options
    /// Added to "unknown action" errors of the config.
    public var customActionsHint: String?

    public init(
        configPath: String, actionFiles: [String] = [], actions: [ActionRegistration], sinkFactory: SinkFactory = SinkFactory(),
        console: ConsoleOutput = .standard, engineOptions: PlaybookEngine.Options = PlaybookEngine.Options(),
        customActionsHint: String? = nil
    ) {
        self.configPath = configPath
        self.actionFiles = actionFiles
        self.actions = actions
        self.sinkFactory = sinkFactory
        self.console = console
        self.engineOptions = engineOptions
        self.customActionsHint = customActionsHint
    }

    /// Reads, validates and builds the config: its engine and its sinks. Warnings (for example a
    /// sink type Triggerfish does not deliver to) come back with it.
    func load(generation: Int, logger: Logger) throws(ConfigLoadError) -> ConfigGeneration {
        let text: String
        do {
            text = try TextFiles.readText(configPath)
        } catch {
            throw ConfigLoadError(error)
        }
        let schema = try PlaybookConfig.schema(addingActionFiles: actionFiles)
        let config = try PlaybookConfig.load(text: text, file: configPath, schema: schema, customActionsHint: customActionsHint)
        var warnings = config.warnings.map(\.description)
        var sinks: [(name: String, sink: any FindingSink)] = []
        for configuration in config.sinks {
            do throws(ParameterError) {
                if let sink = try sinkFactory.make(configuration, console: console, logger: logger) {
                    sinks.append((configuration.name, sink))
                } else {
                    warnings.append(
                        "\(configPath): warning: sink '\(configuration.name)' is a \(configuration.type), which Triggerfish does not deliver to yet; its findings are only reported"
                    )
                }
            } catch {
                throw ConfigLoadError(file: configPath, message: "sink '\(configuration.name)': \(error)")
            }
        }
        let engine = try PlaybookEngine(
            config: config, actions: actions, sinks: Dictionary(sinks.map { ($0.name, $0.sink) }, uniquingKeysWith: { first, _ in first }),
            options: engineOptions)
        if !engine.unregisteredActions.isEmpty {
            warnings.append(
                "\(configPath): warning: no implementation is registered for \(engine.unregisteredActions.joined(separator: ", ")); they fail as action errors when invoked"
            )
        }
        return ConfigGeneration(number: generation, engine: engine, sinks: sinks, text: text, warnings: warnings)
    }
}

/// One loaded config: its engine and the sinks it delivers to.
final class ConfigGeneration: Sendable {
    let number: Int
    let engine: PlaybookEngine
    let sinks: [(name: String, sink: any FindingSink)]
    /// The file content it was loaded from, to tell whether the file changed since.
    let text: String
    let warnings: [String]

    init(number: Int, engine: PlaybookEngine, sinks: [(name: String, sink: any FindingSink)], text: String, warnings: [String]) {
        self.number = number
        self.engine = engine
        self.sinks = sinks
        self.text = text
        self.warnings = warnings
    }

    var playbookCount: Int { engine.config.playbooks.count }
}

/// The config the runner is running, swapped whole on reload. Work borrows the current
/// generation for as long as it runs (``withCurrent(_:)``); a replaced generation's sinks are shut
/// down once nothing borrows it any more, so nothing handed to them is lost and nothing new
/// reaches them.
final class LiveConfig: Sendable {
    struct State {
        var current: ConfigGeneration
        /// Borrowers by generation number.
        var borrowers: [Int: Int] = [:]
        /// Replaced generations still borrowed.
        var retired: [Int: ConfigGeneration] = [:]
        /// Shutdowns of replaced generations' sinks, started and not yet awaited.
        var shutdowns: [Task<Void, Never>] = []
    }

    let state: Mutex<State>
    let onRetired: @Sendable (ConfigGeneration) async -> Void

    /// - Parameter onRetired: shuts down a replaced generation's sinks once nothing borrows it.
    init(_ first: ConfigGeneration, onRetired: @escaping @Sendable (ConfigGeneration) async -> Void) {
        self.state = Mutex(State(current: first))
        self.onRetired = onRetired
    }

    var current: ConfigGeneration { state.withLock { $0.current } }

    /// Runs `body` with the current generation, which stays usable (its sinks open) until `body` returns.
    func withCurrent<Result: Sendable>(_ body: (ConfigGeneration) async -> Result) async -> Result {
        let generation = state.withLock { state in
            state.borrowers[state.current.number, default: 0] += 1
            return state.current
        }
        let result = await body(generation)
        state.withLock { state in
            let remaining = (state.borrowers[generation.number] ?? 1) - 1
            state.borrowers[generation.number] = remaining == 0 ? nil : remaining
            if remaining == 0, let retired = state.retired.removeValue(forKey: generation.number) {
                state.shutdowns.append(Task { await onRetired(retired) })
            }
        }
        return result
    }

    /// Makes `next` current; the replaced generation's sinks are shut down once nothing borrows it.
    func replace(with next: ConfigGeneration) {
        state.withLock { state in
            let old = state.current
            state.current = next
            if state.borrowers[old.number] == nil {
                state.shutdowns.append(Task { await onRetired(old) })
            } else {
                state.retired[old.number] = old
            }
        }
    }

    /// Waits for the shutdowns of replaced generations started so far.
    func awaitRetirements() async {
        let tasks = state.withLock { state in
            defer { state.shutdowns = [] }
            return state.shutdowns
        }
        for task in tasks { await task.value }
    }
}
