import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import Triggerfish
import TriggerfishWebhookSink
import _TriggerfishCore
import _TriggerfishFileIO

/// `triggerfish trigger ACTION key=value...`: runs an action by hand on a running server.
struct TriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Run an action by hand on a running Triggerfish server (POST /api/trigger) and print its findings.",
        discussion: """
            Sends Robusta's manual trigger request to the server's /api/trigger with sync_response, and prints \
            the findings as 'triggerfish replay --details' prints them. Each KEY=VALUE is one parameter of the \
            action or of the event it runs on (for example name=web-1 namespace=prod for an action on a PodEvent); \
            unknown keys are errors. A VALUE that parses as JSON is that JSON value: 42, 1.5, true, false, null, \
            "quoted text", [1, 2], {"a": 1}; anything else is the text as written. Quote a number to pass it as \
            text: port='"8080"'. The server's bearer token is read from --token-file, else from the \
            TRIGGERFISH_TOKEN environment variable; without either, no Authorization header is sent. \
            Exits 0 when the action ran, 1 when the server answered with an error (printed as \
            'error CODE: message', with Robusta's codes: 4603 no such action, 4604 not a manual action, \
            4605 bad event parameters, 4606 event could not be built, 4602 bad action parameters, ...) or \
            could not be reached.
            """)

    static let defaultServer = "http://127.0.0.1:5000"
    static let tokenVariable = "TRIGGERFISH_TOKEN"
    /// The largest answer read.
    static let responseLimit = 64 << 20

    @Argument(help: "The action to run.")
    var action: String

    @Argument(help: "Parameters as KEY=VALUE (VALUE is JSON where it parses as JSON, else text).")
    var parameters: [String] = []

    @Option(help: "The Triggerfish server's address.")
    var server = defaultServer

    @Option(name: .customLong("token-file"), help: "A file holding the server's bearer token (else $TRIGGERFISH_TOKEN).")
    var tokenFile: String?

    @Option(name: .customLong("sink"), help: "Send the findings to this sink instead of the default sinks; repeatable.")
    var sinks: [String] = []

    @Flag(name: .customLong("no-sinks"), help: "Send the findings to no sink; they are only printed.")
    var noSinks = false

    @Option(help: "Seconds to wait for the server's answer.")
    var timeout = 60

    func validate() throws {
        if noSinks && !sinks.isEmpty { throw ValidationError("--sink and --no-sinks cannot be used together") }
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second; got \(timeout)") }
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), url.host != nil
        else {
            throw ValidationError("--server must be an http or https URL such as \(Self.defaultServer); got '\(server)'")
        }
        _ = try Self.parameters(parameters)
    }

    /// `KEY=VALUE` arguments as a JSON object.
    static func parameters(_ arguments: [String]) throws -> JSONValue {
        var members: [String: JSONValue] = [:]
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("parameter '\(argument)' must be KEY=VALUE, for example name=web-1")
            }
            let key = String(argument[..<equals])
            let text = String(argument[argument.index(after: equals)...])
            guard members[key] == nil else { throw ValidationError("parameter '\(key)' is given twice") }
            members[key] = (try? JSONValue.parse(text)) ?? .string(text)
        }
        return .object(members)
    }

    func run() async throws {
        CLILogging.bootstrap()
        let base = server.hasSuffix("/") ? String(server.dropLast()) : server
        let token: String?
        do {
            token = try readToken()
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let body = ManualTriggerRequest(
            actionName: action, actionParameters: try Self.parameters(parameters), sinks: sinks.isEmpty ? nil : sinks,
            syncResponse: true, noSinks: noSinks)
        var request = HTTPClientRequest(url: base + "/api/trigger")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(string: body.jsonValue.serialized()))

        let status: UInt
        let answer: [UInt8]
        // One attempt to connect: a server that is not running is said so at once, instead of
        // AsyncHTTPClient retrying until the timeout.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = .seconds(Int64(min(timeout, 10)))
        do {
            (status, answer) = try await HTTPClient.withHTTPClient(configuration: configuration) { client in
                let response = try await client.execute(request, timeout: .seconds(Int64(timeout)))
                return (response.status.code, Array(buffer: try await response.body.collect(upTo: Self.responseLimit)))
            }
        } catch is NIOTooManyBytesError {
            printError("error: the Triggerfish server at \(server) answered more than the limit of \(Self.responseLimit) bytes")
            throw ExitCode(1)
        } catch {
            let reason = HTTPFailure.describe(error)
            if reason == "timed out" {
                printError("error: the Triggerfish server at \(server) did not answer within \(timeout) seconds")
            } else {
                printError("error: cannot reach the Triggerfish server at \(server): \(reason); is `triggerfish serve` running?")
            }
            throw ExitCode(1)
        }
        if status == 401 {
            printError(
                token == nil
                    ? "error: the Triggerfish server at \(server) requires a token (HTTP 401); give it with --token-file FILE or \(Self.tokenVariable)"
                    : "error: the Triggerfish server at \(server) did not accept the token (HTTP 401)")
            throw ExitCode(1)
        }
        let decoded: ManualTriggerResponse
        do {
            decoded = try ManualTriggerResponse(jsonValue: try JSONValue.parse(answer), actionName: action)
        } catch {
            let text = String(decoding: answer.prefix(200), as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            printError(
                "error: the server at \(server) answered HTTP \(status) with \(text.isEmpty ? "an empty body" : "'\(text)'"), not a trigger response (\(error)); is it a Triggerfish server?"
            )
            throw ExitCode(1)
        }
        if decoded.success || !(decoded.findings ?? []).isEmpty {
            StandardOutput.write(ReportFormatting.text(decoded.report, details: true))
        }
        guard decoded.success else {
            printError("error\(decoded.errorCode.map { " \($0)" } ?? ""): \(decoded.message ?? "the server gave no reason")")
            throw ExitCode(1)
        }
    }

    /// The token from `--token-file` (surrounding whitespace removed), else `TRIGGERFISH_TOKEN`.
    func readToken() throws -> String? {
        if let tokenFile {
            let token = try TextFiles.readText(tokenFile).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !token.isEmpty else { throw FileReadError(path: tokenFile, reason: "the token file is empty") }
            return token
        }
        let token = ProcessInfo.processInfo.environment[Self.tokenVariable]?.trimmingCharacters(in: .whitespacesAndNewlines)
        return token?.isEmpty == false ? token : nil
    }
}
