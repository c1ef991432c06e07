import ArgumentParser
import Foundation
import Logging
import Triggerfish

/// The logging of `triggerfish serve`: one line per message on standard error, as text for
/// people or as JSON objects for log collectors, from the chosen level up.
enum ServerLogging {
    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    /// swift-log's levels, as `--log-level` takes them.
    enum Level: String, ExpressibleByArgument, CaseIterable {
        case trace, debug, info, notice, warning, error, critical

        var level: Logger.Level { Logger.Level(rawValue: rawValue) ?? .info }
    }

    static func bootstrap(format: Format, level: Logger.Level) {
        LoggingSystem.bootstrap { label in Lines(label: label, format: format, logLevel: level) }
    }

    struct Lines: LogHandler {
        let label: String
        let format: Format
        var logLevel: Logger.Level
        var metadata: Logger.Metadata = [:]

        init(label: String, format: Format, logLevel: Logger.Level) {
            self.label = label
            self.format = format
            self.logLevel = logLevel
        }

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var merged = metadata
            if let extra = event.metadata { merged.merge(extra) { _, new in new } }
            let time = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
            switch format {
            case .text:
                let fields = merged.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
                printError("\(time) \(event.level) \(label): \(event.message)\(fields)")
            case .json:
                var object: [String: JSONValue] = [
                    "time": .string(time), "level": .string(event.level.rawValue), "logger": .string(label),
                    "message": .string(event.message.description),
                ]
                for (key, value) in merged where object[key] == nil { object[key] = .string(value.description) }
                printError(JSONValue.object(object).serialized())
            }
        }
    }
}
