/// Why an HTTP request with AsyncHTTPClient failed, in the words the webhook sink's log uses
/// ("connection refused", "timed out", "host not found", ...): for other programs that send
/// with AsyncHTTPClient and report failures the same way (`triggerfish trigger`).
public enum HTTPFailure {
    public static func describe(_ error: any Error) -> String { WebhookSender.describe(error) }
}
