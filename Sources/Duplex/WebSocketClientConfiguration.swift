import DuplexCore
import Logging
import NIOCore
import NIOSSL

/// How ``WebSocket/connect(to:configuration:eventLoopGroup:_:)`` connects and what it offers.
public struct WebSocketClientConfiguration: Sendable {
    /// Extra request headers (e.g. `Authorization`).
    public var headers = HeaderFields()
    /// The `Origin` header to send, if any.
    public var origin: String?
    /// The subprotocols to offer, in order of preference.
    public var subprotocols: [String] = []
    /// The extensions to offer, in order. Default: permessage-deflate with its default offer
    /// (`permessage-deflate; client_max_window_bits`).
    public var extensions: [any ExtensionNegotiator] = [PerMessageDeflate()]
    /// TLS settings for `wss://`. Default: the system trust store with full verification. Set your
    /// own for custom roots or client certificates; verification is only off if you turn it off.
    public var tls: TLSConfiguration = .makeClientConfiguration()
    /// How long the TCP connect may take. Default 10 s.
    public var connectTimeout: TimeAmount = .seconds(10)
    /// How long the opening handshake may take once connected (TLS included). Default 10 s.
    /// Through a ``proxy`` it applies twice: to the proxy's negotiation, then afresh to the TLS and
    /// WebSocket handshake with the server.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// How many redirects (301, 302, 303, 307, 308 with a `Location`) a connect follows before it
    /// fails with ``WebSocketError/tooManyRedirects(_:)``. Default 10; 0 follows none (the
    /// redirect is then a ``HandshakeError/unexpectedStatus(_:)`` carrying its `Location`).
    /// A redirect from `wss://` to `ws://` is never followed; when a redirect leaves the origin
    /// (scheme, host and port), `Authorization` and `Cookie` are not sent on.
    public var maxRedirects = 10
    /// The proxy to reach the server through (HTTP `CONNECT` or SOCKS5), or `nil` (the default)
    /// to connect directly. The environment is read only if you ask:
    /// `configuration.proxy = try .fromEnvironment(for: url)` (see
    /// ``WebSocketProxy/fromEnvironment(for:environment:)``). Errors are
    /// ``WebSocketProxyError``s; `connectTimeout` applies to the TCP connection to the proxy.
    public var proxy: WebSocketProxy?
    /// Limits and timeouts of the open connection.
    public var session = SessionConfiguration()
    /// Where the client logs (at `debug`: connecting, the handshake's outcome, the close), with the
    /// server's address and the path as metadata; nothing per message. Default: label `duplex.client`.
    public var logger = Logger(label: "duplex.client")

    /// The defaults.
    public init() {}
}
