import Foundation

/// Builds the sink that delivers a configured sink's findings.
public enum SinkFactory {
    /// The sink types Triggerfish delivers to.
    public static let deliveredTypes = ["console_sink", "file_sink", "webhook_sink"]

    /// The sink for a configuration, or `nil` for a type Triggerfish does not deliver to yet
    /// (`slack_sink`, ...): its findings are routed but not sent.
    /// - Throws: ``ParameterError`` for a parameter of the wrong type or out of range, e.g.
    ///   `webhook_sink.url: 'ftp://x' is not an http or https URL`.
    public static func make(_ configuration: SinkConfiguration, console: ConsoleOutput) throws(ParameterError) -> (any FindingSink)? {
        let path = configuration.type
        let reader = try ParameterReader(configuration.parameters, path: path)
        switch configuration.type {
        case "console_sink":
            return ConsoleSink(name: configuration.name, console: console)
        case "file_sink":
            return FileSink(name: configuration.name, path: try reader.optional("file_name"), console: console)
        case "webhook_sink":
            let text: String = try reader.required("url")
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host != nil
            else {
                throw ParameterError(path: path + ".url", message: "'\(text)' is not an http or https URL")
            }
            let formatName: String = try reader.value("format", default: "text")
            guard let format = WebhookSink.Format(rawValue: formatName) else {
                throw ParameterError(path: path + ".format", message: "'\(formatName)' is not a body format; expected 'text' or 'json'")
            }
            let sizeLimit: Int = try reader.value("size_limit", default: 4096)
            guard sizeLimit > 0 else { throw ParameterError(path: path + ".size_limit", message: "must be positive, found \(sizeLimit)") }
            let timeout: Int = try reader.value("timeout_seconds", default: WebhookSink.defaultTimeout)
            guard timeout > 0 else {
                throw ParameterError(path: path + ".timeout_seconds", message: "must be positive, found \(timeout)")
            }
            let retries: Int = try reader.value("retries", default: WebhookSink.defaultRetries)
            guard retries >= 0 else { throw ParameterError(path: path + ".retries", message: "must not be negative, found \(retries)") }
            let options = WebhookSink.Options(
                url: url, format: format, slackWebhook: try reader.value("slack_webhook", default: false), sizeLimit: sizeLimit,
                authorization: try reader.optional("authorization"), timeout: timeout, retries: retries)
            return WebhookSink(name: configuration.name, options: options, console: console)
        default:
            return nil
        }
    }
}
