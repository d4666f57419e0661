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
    ///
    /// Throws ``WebSocketError/notOnEventLoop`` when called off the channel's event loop,
    /// ``ConfigurationError`` for an invalid `session`, and the pipeline's error when the channel
    /// is already closed.
    public func serveWebSocket(
        role: Role,
        eventHandler: any WebSocketEventHandler,
        session: SessionConfiguration = SessionConfiguration(),
        extensions: [any NegotiatedExtension] = []
    ) throws {
        try installWebSocket(
            role: role, session: session, extensions: extensions, subprotocol: nil, eventHandler: eventHandler)
    }

    /// Serves this channel as a WebSocket connection whose opening handshake was done elsewhere, with
    /// `body` in a task of its own: the async form of
    /// ``serveWebSocket(role:eventHandler:session:extensions:)``, with the same preconditions.
    ///
    /// The task prefers the channel's event loop as its executor unless
    /// ``SessionConfiguration/runsTaskOnEventLoop`` is off. The connection closes when `body` ends:
    /// with 1000 when it returns, 1011 when it throws. `subprotocol` is the one the handshake
    /// agreed, if any (``WebSocket/subprotocol``).
    ///
    /// Throws ``WebSocketError/notOnEventLoop`` when called off the channel's event loop,
    /// ``ConfigurationError`` for an invalid `session`, and the pipeline's error when the channel
    /// is already closed.
    public func serveWebSocket(
        role: Role,
        session: SessionConfiguration = SessionConfiguration(),
        extensions: [any NegotiatedExtension] = [],
        subprotocol: String? = nil,
        _ body: @escaping @Sendable (WebSocket) async throws -> Void
    ) throws {
        guard
            let webSocket = try installWebSocket(
                role: role, session: session, extensions: extensions, subprotocol: subprotocol, eventHandler: nil)
        else { return }
        let executor = session.runsTaskOnEventLoop ? webSocket.taskExecutor : nil
        Task(executorPreference: executor) {
            _ = try? await webSocket.run(body)
        }
    }

    /// Checks the preconditions, adds the connection's handler to the pipeline and releases its
    /// writes; returns the ``WebSocket`` when there is no `eventHandler`.
    @discardableResult
    private func installWebSocket(
        role: Role,
        session: SessionConfiguration,
        extensions: [any NegotiatedExtension],
        subprotocol: String?,
        eventHandler: (any WebSocketEventHandler)?
    ) throws -> WebSocket? {
        guard eventLoop.inEventLoop else { throw WebSocketError.notOnEventLoop }
        try session.validate()
        let (handler, webSocket) = WebSocket.makeConnection(
            channel: self, role: role, session: session, subprotocol: subprotocol, extensions: extensions,
            eventHandler: eventHandler
        )
        try pipeline.syncOperations.addHandler(handler)
        handler.releaseWrites()
        return webSocket
    }
}
