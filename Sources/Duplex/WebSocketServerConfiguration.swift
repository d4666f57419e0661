import DuplexCore
import Logging
import Metrics
import NIOCore
import NIOSSL

/// Where a ``WebSocketServer`` listens and how it treats handshakes and connections.
public struct WebSocketServerConfiguration: Sendable {
    /// A listening address.
    public enum Address: Sendable, Hashable {
        /// A TCP host (name, IPv4 or IPv6 literal) and port; port 0 picks a free port.
        case host(String, port: Int)
        /// A Unix domain socket path; an existing socket file there is replaced.
        case unixDomainSocket(path: String)
    }

    /// Where to listen. Default `127.0.0.1:8080`.
    public var address: Address
    /// TLS for `wss://`; `nil` serves plain `ws://`. Default `nil`.
    public var tls: TLSConfiguration?
    /// The extensions the server accepts when the client offers them, in order. Default:
    /// permessage-deflate with its default policy (every message compressed).
    public var extensions: [any ExtensionNegotiator] = [PerMessageDeflate()]
    /// Limits and timeouts of each open connection.
    public var session = SessionConfiguration()
    /// How long a client has, from connecting, to complete its handshake request and get a
    /// decision; slow or silent clients are dropped. Default 10 s.
    public var handshakeTimeout: TimeAmount = .seconds(10)
    /// The largest request head (request line and headers) accepted; a larger one is answered 431.
    /// Default 16 KiB.
    public var maxRequestHeadSize: Int = 16 << 10
    /// Which `Origin` headers are accepted; others get 403. Default: same origin only.
    public var originPolicy: OriginPolicy = .sameOrigin()
    /// Answers requests that are not WebSocket handshakes (no `Upgrade: websocket`), e.g. to serve a
    /// page or a file, with a ``PlainHTTPResponse`` (any status, header fields, a body of bytes).
    ///
    /// It runs in a task of its own, off the event loop, so it may await (read a file, ask a
    /// database); the response is written on the connection's loop, which then closes the
    /// connection (one request per connection). Meanwhile the connection is not read, and a
    /// client that shut down its output after the request still gets the answer. It must
    /// answer within ``handshakeTimeout``: past it, or when the server shuts down, the connection
    /// is closed and the task cancelled, its response dropped. When it throws (for instance the
    /// ``HTTPFieldError`` of an invalid header it tried to add), the request is answered 500, the
    /// error is logged at `error` (an ``HTTPFieldError`` with its field, never the bytes) and the
    /// connection closed; other connections are not affected. Default `nil`: such requests get
    /// 426 on a WebSocket path and 404 elsewhere.
    public var httpHandler: (@Sendable (HandshakeRequest) async throws -> PlainHTTPResponse)?
    /// How long ``WebSocketServer/shutdown()`` waits for connections to finish their close
    /// handshakes before closing them. Default 10 s.
    public var shutdownGracePeriod: TimeAmount = .seconds(10)
    /// The listen backlog. Default 256.
    public var backlog: Int = 256
    /// The most connections served at once (from accept until closed); a connection past it is
    /// answered 503 after its request head is read, and closed. Default 16 384.
    public var maxConnections: Int = 16_384
    /// When set, a handshake must offer at least one of these subprotocols; one that offers none is
    /// refused with 400 before the application is asked. Default `nil` (no requirement).
    public var requiredSubprotocols: [String]? = nil
    /// Where the server logs, with each connection's metadata (`duplex.connection`, `duplex.peer`,
    /// `duplex.path`). Refused origins are logged at `info`; connections, handshakes and closes at
    /// `debug`; nothing per message. Default: label `duplex.server`.
    public var logger = Logger(label: "duplex.server")
    /// Where the server's metrics go (see docs/topics.md for the names); `nil` uses the global
    /// `MetricsSystem` bootstrapped by the application. Default `nil`.
    public var metricsFactory: (any MetricsFactory)?

    /// Listens on `host` and `port` (0 picks a free port).
    public init(host: String = "127.0.0.1", port: Int = 8080) {
        address = .host(host, port: port)
    }

    /// Listens on a Unix domain socket at `path`.
    public init(unixDomainSocketPath path: String) {
        address = .unixDomainSocket(path: path)
    }
}
