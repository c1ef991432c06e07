import Foundation

/// Certificates for a TLS fake API server, made with the `openssl` command in a folder: a CA, a
/// server certificate for `127.0.0.1` and `localhost` signed by it, and a client certificate
/// (common name: the user, organizations: the groups) signed by it, all PEM, as a kubeconfig's
/// `certificate-authority-data`, `client-certificate-data` and `client-key-data` hold them.
public struct FakeKubernetesCertificates: Sendable {
    public var caPEM: String
    public var serverCertificatePEM: String
    public var serverKeyPEM: String
    public var clientCertificatePEM: String
    public var clientKeyPEM: String
    /// The folder holding `ca.crt`, `server.crt`, `server.key`, `client.crt` and `client.key`.
    public var directory: URL

    /// The server's TLS options: this server certificate, client certificates verified against the CA.
    public func tls(requireClientCertificate: Bool = true) -> FakeKubernetesServer.TLS {
        FakeKubernetesServer.TLS(
            certificatePEM: serverCertificatePEM, privateKeyPEM: serverKeyPEM, clientCertificateAuthorityPEM: caPEM,
            requireClientCertificate: requireClientCertificate)
    }

    /// `openssl` failed, or is not installed.
    public struct OpenSSLError: Error, CustomStringConvertible {
        public var arguments: [String]
        public var output: String
        public var description: String { "openssl \(arguments.joined(separator: " ")) failed: \(output)" }
    }

    /// Makes the certificates in `directory` (created if needed), valid for a day.
    public static func make(in directory: URL, user: String = "triggerfish", groups: [String] = []) throws -> FakeKubernetesCertificates {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
        try openssl([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.crt"), "-days", "1", "-subj",
            "/CN=fake-kubernetes-ca",
        ])
        try "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n".write(
            toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        try openssl([
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=127.0.0.1",
        ])
        try openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"), "-CAcreateserial", "-out",
            path("server.crt"),
            "-days", "1", "-extfile", path("server.ext"),
        ])
        let subject = "/CN=\(user)" + groups.map { "/O=\($0)" }.joined()
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("client.key"), "-out", path("client.csr"), "-subj", subject])
        try openssl([
            "x509", "-req", "-in", path("client.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"), "-CAcreateserial", "-out",
            path("client.crt"),
            "-days", "1", "-extfile", path("client.ext"),
        ])
        func read(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
        return FakeKubernetesCertificates(
            caPEM: try read("ca.crt"), serverCertificatePEM: try read("server.crt"), serverKeyPEM: try read("server.key"),
            clientCertificatePEM: try read("client.crt"), clientKeyPEM: try read("client.key"), directory: directory)
    }

    static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw OpenSSLError(arguments: arguments, output: String(decoding: data, as: UTF8.self))
        }
    }
}
