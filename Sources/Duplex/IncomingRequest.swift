@_spi(Core) import DuplexCore
import NIOCore

/// A request read by a server connection, waiting in the server's queue for a decision.
struct IncomingRequest: Sendable {
    /// What to do with the request, decided off the event loop.
    enum Response: Sendable {
        /// Send this refusal and close.
        case reject(HandshakeResponse)
        /// Send the 101 and serve the connection.
        case accept(ServerHandshakeResult, UpgradeDecision.Serve)
    }

    /// The request as received.
    let request: HandshakeRequest
    /// The handshake's validation.
    let validation: Result<UpgradeRequest, HandshakeRejection>
    /// Carries out the response on the connection's event loop; yields the ``WebSocket`` to serve
    /// when accepted with an async body.
    let respond: @Sendable (Response) -> EventLoopFuture<WebSocket?>
    /// The connection's logger and the server's metrics.
    let telemetry: ConnectionTelemetry?
    /// The connection's event loop.
    let eventLoop: any EventLoop

    /// The path part of the target.
    var path: String {
        String(request.target.prefix { $0 != "?" })
    }
}
