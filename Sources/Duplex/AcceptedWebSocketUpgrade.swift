@_spi(Core) import DuplexCore
import NIOCore

/// A handshake that ``WebSocketUpgrader/accept(_:subprotocol:headers:)`` accepted: the 101 for the
/// server that performs the upgrade, and how to serve the connection once it is upgraded.
public struct AcceptedWebSocketUpgrade: Sendable {
    /// The whole 101 response (`Upgrade`, `Connection`, `Sec-WebSocket-Accept`, the chosen
    /// subprotocol and extensions, and the headers given to `accept`), for a server that writes
    /// the response itself.
    public let response: HandshakeResponse
    /// The chosen subprotocol, if any.
    public let subprotocol: String?
    /// What was negotiated, for ``serve(on:_:)``.
    private let extensions: [any NegotiatedExtension]
    private let session: SessionConfiguration

    init(result: ServerHandshakeResult, session: SessionConfiguration) {
        response = result.response
        subprotocol = result.subprotocol
        extensions = result.extensions
        self.session = session
    }

    /// The 101's header fields without `Upgrade` and `Connection`, for a server's upgrader that
    /// writes those two itself (NIO's `NIOTypedHTTPServerProtocolUpgrader` and
    /// `HTTPServerProtocolUpgrader` do), so that the client gets each once.
    public var headers: HeaderFields {
        var headers = response.headers
        headers.remove(name: "Upgrade")
        headers.remove(name: "Connection")
        return headers
    }

    /// Serves the upgraded `channel` with `body` in a task of its own, with what the handshake
    /// negotiated and ``WebSocketUpgrader/session``: see
    /// `Channel.serveWebSocket(role:session:extensions:subprotocol:_:)`, whose preconditions
    /// apply. Call it on the channel's event loop once the 101 is written and the HTTP handlers
    /// are gone (in an upgrader's upgrade step), so that no byte after the 101 is lost. The
    /// connection closes with 1000 when `body` returns, 1011 when it throws, and 1001 when the
    /// channel gets NIO's `ChannelShouldQuiesceEvent`.
    ///
    /// Throws ``WebSocketError/notOnEventLoop`` off the channel's event loop,
    /// ``ConfigurationError`` for an invalid session, and the pipeline's error when the channel
    /// is already closed.
    public func serve(on channel: any Channel, _ body: @escaping @Sendable (WebSocket) async throws -> Void) throws {
        try channel.serveWebSocket(
            role: .server, session: session, extensions: extensions, subprotocol: subprotocol, body)
    }
}
