import Logging

/// Builds one sink type's ``FindingSink`` from a configured sink of that type.
///
/// The runtime builds `console_sink` and `file_sink` itself; sinks that need more than the
/// runtime links (`webhook_sink` needs an HTTP client) come from their own libraries, and a
/// program registers their builders with its ``SinkFactory``.
public struct SinkBuilder: Sendable {
    /// What every sink may use: where standard output goes and where diagnostics are logged.
    public struct Context: Sendable {
        public var console: ConsoleOutput
        public var logger: Logger

        public init(console: ConsoleOutput, logger: Logger = SinkFactory.defaultLogger) {
            self.console = console
            self.logger = logger
        }
    }

    public typealias Build = @Sendable (_ configuration: SinkConfiguration, _ context: Context) throws(ParameterError) -> any FindingSink

    /// The sink type, as the config names it (`webhook_sink`).
    public let type: String
    let build: Build

    /// - Parameter build: the sink for a configuration of this type; throws ``ParameterError``
    ///   for a parameter of the wrong type or out of range.
    public init(type: String, build: @escaping Build) {
        self.type = type
        self.build = build
    }

    /// `console_sink`.
    public static let console = SinkBuilder(type: "console_sink") { configuration, context in
        ConsoleSink(name: configuration.name, console: context.console)
    }

    /// `file_sink`.
    public static let file = SinkBuilder(type: "file_sink") { configuration, context throws(ParameterError) in
        let reader = try ParameterReader(configuration.parameters, path: configuration.type)
        return FileSink(name: configuration.name, path: try reader.optional("file_name"), console: context.console, logger: context.logger)
    }
}

/// Builds the sinks that deliver configured sinks' findings, from the builders registered with it.
public struct SinkFactory: Sendable {
    /// The sink types Triggerfish delivers to: those the schema marks `delivers: true`. A program
    /// that delivers registers a builder for each (``unbuiltTypes`` lists those it lacks).
    public static let deliveredTypes: [String] = {
        guard let schema = try? PlaybookConfig.schema() else { return [] }
        return schema.sinks.filter(\.delivers).map(\.key)
    }()

    /// The builders the runtime has itself: `console_sink` and `file_sink`.
    public static let builtinBuilders = [SinkBuilder.console, SinkBuilder.file]

    /// What sinks log to when the program does not give a logger.
    public static let defaultLogger = Logger(label: "triggerfish.sinks")

    /// Builders by sink type.
    public let builders: [String: SinkBuilder]

    /// A factory with the runtime's builders and `builders` (a builder for a type already
    /// registered replaces it).
    public init(builders: [SinkBuilder] = []) {
        var all: [String: SinkBuilder] = [:]
        for builder in Self.builtinBuilders + builders { all[builder.type] = builder }
        self.builders = all
    }

    /// Delivered types (``deliveredTypes``) this factory has no builder for.
    public var unbuiltTypes: [String] { Self.deliveredTypes.filter { builders[$0] == nil } }

    /// The sink for a configuration, or `nil` for a type without a builder (`slack_sink`, ...):
    /// its findings are routed but not sent.
    /// - Throws: ``ParameterError`` for a parameter of the wrong type or out of range, e.g.
    ///   `webhook_sink.url: 'ftp://x' is not an http or https URL`.
    public func make(
        _ configuration: SinkConfiguration, console: ConsoleOutput, logger: Logger = SinkFactory.defaultLogger
    ) throws(ParameterError) -> (any FindingSink)? {
        guard let builder = builders[configuration.type] else { return nil }
        return try builder.build(configuration, SinkBuilder.Context(console: console, logger: logger))
    }
}
