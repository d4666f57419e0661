import Foundation
import NIOSSL
import Testing

/// A self-signed certificate with its key, made by the openssl CLI: by default for `localhost`
/// and 127.0.0.1.
struct SelfSignedCertificate {
    let certificate: NIOSSLCertificate
    let key: NIOSSLPrivateKey

    /// `subjectAltName` is openssl's value for the extension, e.g. `DNS:localhost` alone for a
    /// certificate that 127.0.0.1 does not match.
    init(subjectAltName: String = "DNS:localhost,IP:127.0.0.1") throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("duplex-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certPath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        openssl.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-keyout", keyPath, "-out", certPath, "-days", "1", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=\(subjectAltName)",
        ]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        certificate = try #require(NIOSSLCertificate.fromPEMFile(certPath).first)
        key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
    }

    /// A server configuration presenting this certificate.
    var serverConfiguration: TLSConfiguration {
        .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key))
    }
}
