import DuplexCore
import NIOCore

extension Channel {
    /// Serves this channel as a WebSocket connection whose opening handshake was done elsewhere
    /// (by an HTTP server of your own, say), with `eventHandler` on the channel's event loop.
    ///
    /// Call it on the channel's event loop once the handshake's response is written and the HTTP
    /// handlers are gone: every byte read from now on must be WebSocket frames. The handler is
    /// added at the end of the pipeline and owns the connection from then on: timers, limits and
    /// the close handshake follow `session`. `extensions` are those the handshake negotiated.
    public func serveWebSocket(
        role: Role,
        eventHandler: any WebSocketEventHandler,
        session: SessionConfiguration = SessionConfiguration(),
        extensions: [any NegotiatedExtension] = []
    ) throws {
        eventLoop.preconditionInEventLoop()
        let (handler, _) = WebSocket.makeConnection(
            channel: self, role: role, session: session, subprotocol: nil, extensions: extensions,
            eventHandler: eventHandler
        )
        try pipeline.syncOperations.addHandler(handler)
        handler.releaseWrites()
    }
}
