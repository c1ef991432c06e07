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
    /// The options of a `webhook_sink` configuration. Validation checked them against the schema
    /// (an http or https `url`, `format` text or json, the numbers' ranges) and filled in the
    /// schema's defaults, so they are only read here.
    /// - Throws: ``ParameterError`` only for a value of the wrong type, which validation prevents.
    public init(_ configuration: SinkConfiguration) throws(ParameterError) {
        let path = configuration.type
        let reader = try ParameterReader(configuration.parameters, path: path)
        let text: String = try reader.required("url")
        let formatName: String = try reader.required("format")
        guard let url = URL(string: text), let format = WebhookSink.Format(rawValue: formatName) else {
            throw ParameterError(path: path, message: "was not validated: url '\(text)', format '\(formatName)'")
        }
        self.init(
            url: url, format: format, slackWebhook: try reader.required("slack_webhook"), sizeLimit: try reader.required("size_limit"),
            authorization: try reader.optional("authorization"), timeout: try reader.required("timeout_seconds"),
            retries: try reader.required("retries"), concurrency: try reader.required("concurrent_requests"))
    }
}
