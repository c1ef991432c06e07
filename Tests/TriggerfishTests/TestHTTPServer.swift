import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A small HTTP/1.1 server on 127.0.0.1 with an ephemeral port, over POSIX sockets, for testing
/// what sinks send. It records each request and answers by a script: a status code, or no answer
/// at all (the connection stays open until the client gives up or ``stop()``). After ``stop()``
/// the port refuses connections, as a receiver that is down; every test stops its server.
final class TestHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        /// Header names lower-cased.
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    enum Answer: Sendable {
        case status(Int)
        /// Read the request, never answer.
        case hang
    }

    struct State {
        var requests: [Request] = []
        var script: [Answer] = []
        var otherwise: Answer = .status(200)
        var openConnections: Set<Int32> = []
        var stopped = false
        var listenerClosed = false
    }

    let port: UInt16
    let listener: Int32
    let state = Mutex(State())

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw POSIXError(.init(rawValue: errno) ?? .EIO)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.port = UInt16(bigEndian: address.sin_port)
        self.listener = listener
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The URL findings are posted to.
    var url: URL { URL(string: "http://127.0.0.1:\(port)/hook")! }

    /// Answers for the next requests, in order; later requests get `otherwise`.
    func answer(_ script: [Answer], otherwise: Answer = .status(200)) {
        state.withLock {
            $0.script = script
            $0.otherwise = otherwise
        }
    }

    var requests: [Request] { state.withLock { $0.requests } }

    /// Waits until at least `count` requests arrived. No deadline of its own: the test's time limit
    /// ends a test whose requests never come (it cancels the test, which ends the wait).
    func waitForRequests(_ count: Int) async {
        while requests.count < count && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Stops listening and ends every open connection: from now on the port refuses. Only the
    /// thread using a descriptor closes it, so a descriptor number is never reused under a thread
    /// that still holds it.
    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            shutdown(listener, Int32(SHUT_RDWR))
            for connection in state.openConnections { shutdown(connection, Int32(SHUT_RDWR)) }
        }
        // The accept thread closes the listener; once it has, connecting is refused for sure.
        while !state.withLock({ $0.listenerClosed }) { usleep(1000) }
    }

    func acceptLoop() {
        defer {
            close(listener)
            state.withLock { $0.listenerClosed = true }
        }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if errno == EINTR { continue }
                return
            }
            let accepted = state.withLock { state in
                if state.stopped { return false }
                state.openConnections.insert(connection)
                return true
            }
            guard accepted else {
                close(connection)
                return
            }
            Thread { [self] in
                serve(connection)
                state.withLock { _ = $0.openConnections.remove(connection) }
                close(connection)
            }.start()
        }
    }

    func serve(_ connection: Int32) {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        func readMore() -> Bool {
            let count = read(connection, &chunk, chunk.count)
            if count <= 0 { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
        let separator = Data("\r\n\r\n".utf8)
        var headerEnd: Range<Data.Index>?
        while headerEnd == nil {
            guard readMore() else { return }
            headerEnd = buffer.range(of: separator)
        }
        let head = String(decoding: buffer[..<headerEnd!.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = (head.first ?? "").split(separator: " ")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        if headers["expect"]?.lowercased() == "100-continue" { reply("HTTP/1.1 100 Continue\r\n\r\n", on: connection) }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = buffer[headerEnd!.upperBound...]
        while body.count < length {
            guard readMore() else { break }
            body = buffer[headerEnd!.upperBound...]
        }
        let request = Request(
            method: requestLine.first.map(String.init) ?? "", path: requestLine.count > 1 ? String(requestLine[1]) : "",
            headers: headers, body: Data(body.prefix(length)))
        let answer = state.withLock { state -> Answer in
            state.requests.append(request)
            return state.script.isEmpty ? state.otherwise : state.script.removeFirst()
        }
        switch answer {
        case .hang:
            // Until the client gives up or the server stops.
            while read(connection, &chunk, chunk.count) > 0 {}
        case .status(let status):
            reply("HTTP/1.1 \(status) Test\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", on: connection)
        }
    }

    func reply(_ text: String, on connection: Int32) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                // MSG_NOSIGNAL: a client that went away must not kill the test process with SIGPIPE.
                let written = send(connection, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
