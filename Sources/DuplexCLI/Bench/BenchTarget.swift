import ArgumentParser
import Duplex
import NIOSSL

/// Where `duplex bench` connects: a `ws://` or `wss://` URL (a Unix socket is not measured).
struct BenchTarget: ExpressibleByArgument, CustomStringConvertible {
    /// The parsed URL.
    let url: WebSocketURL

    var host: String { url.host }
    var port: Int { url.port }
    var target: String { url.target }
    var hostHeader: String { url.hostHeader }
    var isSecure: Bool { url.isSecure }
    var description: String { url.description }

    /// Parses a `ws://` or `wss://` URL as ``WebSocketURL`` does.
    init?(argument: String) {
        guard let url = WebSocketURL(argument), url.unixSocketPath == nil else { return nil }
        self.url = url
    }

    /// The TLS context for a `wss://` target (`nil` for `ws://`): the system's roots with full
    /// verification, or none with `insecure`.
    func makeTLSContext(insecure: Bool) throws -> NIOSSLContext? {
        guard isSecure else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        if insecure { tls.certificateVerification = .none }
        return try NIOSSLContext(configuration: tls)
    }
}
