import Foundation
import Triggerfish

extension SinkBuilder {
    /// `webhook_sink`: a ``WebhookSink`` per configured sink. Programs that deliver to webhooks
    /// register it: `SinkFactory(builders: [.webhook])`.
    public static let webhook = SinkBuilder(type: "webhook_sink") { configuration, context throws(ParameterError) in
        WebhookSink(name: configuration.name, options: try WebhookSink.Options(configuration), logger: context.logger)
    }
}

extension WebhookSink.Options {
    /// The options a `webhook_sink` configuration gives.
    /// - Throws: ``ParameterError`` for a parameter of the wrong type or out of range, e.g.
    ///   `webhook_sink.url: 'ftp://x' is not an http or https URL`.
    public init(_ configuration: SinkConfiguration) throws(ParameterError) {
        let path = configuration.type
        let reader = try ParameterReader(configuration.parameters, path: path)
        let text: String = try reader.required("url")
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil
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
        self.init(
            url: url, format: format, slackWebhook: try reader.value("slack_webhook", default: false), sizeLimit: sizeLimit,
            authorization: try reader.optional("authorization"), timeout: timeout, retries: retries)
    }
}
