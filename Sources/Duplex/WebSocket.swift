@_spi(Core) import DuplexCore
import NIOConcurrencyHelpers
import NIOCore

/// An open WebSocket connection, client or server side, used from async code.
///
/// Receive with ``messages`` (or one at a time with ``receive()``); send with ``send(_:)``, which
/// suspends while the peer is not keeping up; end with ``close(code:reason:)``. All methods may be
/// called from any task; several tasks may send at once.
public final class WebSocket: Sendable {
    /// The messages received, in order; finishes when the connection closes.
    public let messages: WebSocketMessages
    /// The subprotocol agreed in the handshake, if any.
    public let subprotocol: String?
    /// The extensions agreed in the handshake, in the order the server listed them.
    public let extensions: [any NegotiatedExtension]
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// The channel the connection runs on.
    let channel: any Channel
    let handler: HandlerReference
    private let closeStatusBox: NIOLockedValueBox<CloseStatus?>

    init(
        messages: WebSocketMessages,
        subprotocol: String?,
        extensions: [any NegotiatedExtension],
        channel: any Channel,
        handler: HandlerReference,
        closeStatus: NIOLockedValueBox<CloseStatus?>
    ) {
        self.messages = messages
        self.subprotocol = subprotocol
        self.extensions = extensions
        self.remoteAddress = channel.remoteAddress
        self.channel = channel
        self.handler = handler
        self.closeStatusBox = closeStatus
    }

    /// How the connection ended: the peer's close code and reason (1005 when its close frame had no
    /// code), the code this side failed it with, or 1006 when TCP ended without a close frame.
    /// `nil` while the connection is open.
    public var closeStatus: CloseStatus? {
        closeStatusBox.withLockedValue { $0 }
    }

    /// The next message received, or `nil` once the connection has closed: the same queue as
    /// ``messages``, so the two can be mixed.
    public func receive() async -> WebSocketMessage? {
        await messages.reader.next()
    }

    /// Sends a message. Returns once the message is written to the connection; suspends while the
    /// peer is not reading. Sends from several tasks at once each go out whole, in the order they
    /// reached the connection, each waiting its turn while the channel is not writable.
    ///
    /// Throws ``WebSocketError/connectionClosed`` once the connection is closing or closed,
    /// whichever side started it (a send still waiting for its turn then fails the same way).
    public func send(_ message: WebSocketMessage) async throws {
        try await handler.flatSubmit { $0.sendWhenWritable(message) }.get()
    }

    /// Sends a text message.
    public func send(text: String) async throws {
        try await send(.text(text))
    }

    /// Sends a binary message.
    public func send(binary: ByteBuffer) async throws {
        try await send(.binary(binary))
    }

    /// Sends a ping with `payload` (at most 125 bytes). Pongs answer it asynchronously.
    public func ping(_ payload: ByteBuffer = ByteBuffer()) async throws {
        try await handler.flatSubmit { handler in
            do {
                try handler.ping(payload)
                return handler.eventLoop.makeSucceededVoidFuture()
            } catch {
                return handler.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    /// Starts the close handshake with `code` and `reason` (at most 123 bytes of UTF-8), unless it
    /// already started, and waits until the connection is closed: the peer's close frame arrived
    /// and TCP ended, or the close timeout expired. Then ``closeStatus`` says how it ended.
    public func close(code: CloseCode = .normalClosure, reason: String = "") async throws {
        let closed = handler.flatSubmit { handler in
            do {
                try handler.initiateClose(code: code, reason: reason)
                return handler.closeFuture
            } catch {
                return handler.eventLoop.makeFailedFuture(error)
            }
        }
        do {
            try await closed.get()
        } catch WebSocketError.connectionClosed {
            return
        }
    }

    /// Closes TCP at once, without the close handshake (for a peer that misbehaves); the
    /// connection ends with 1006.
    public func abort() {
        handler.onLoop { $0.abort() }
    }

    /// Starts the close handshake without waiting (for cancellation handlers).
    func startClose(code: CloseCode, reason: String) {
        handler.onLoop { try? $0.initiateClose(code: code, reason: reason) }
    }

    /// Runs `body` with this connection, then closes it: 1000 when `body` returns, 1011 when it
    /// throws, 1001 when the task is cancelled (cancellation starts the close right away, which
    /// also ends ``messages``).
    func run<Result>(_ body: (WebSocket) async throws -> Result) async throws -> Result {
        do {
            let result = try await withTaskCancellationHandler {
                try await body(self)
            } onCancel: {
                self.startClose(code: .goingAway, reason: "")
            }
            try? await close(code: Task.isCancelled ? .goingAway : .normalClosure)
            return result
        } catch {
            try? await close(code: Task.isCancelled ? .goingAway : .internalError)
            throw error
        }
    }
}

extension WebSocket {
    /// Makes the channel handler for a connection whose handshake just completed, and the
    /// ``WebSocket`` the application uses (`nil` for a loop-bound `eventHandler`). Call on the
    /// channel's event loop, then add the handler to the pipeline.
    static func makeConnection(
        channel: any Channel,
        role: Role,
        session: SessionConfiguration,
        subprotocol: String?,
        extensions: [any NegotiatedExtension],
        eventHandler: (any WebSocketEventHandler)?
    ) -> (WebSocketChannelHandler, WebSocket?) {
        // The channel handler answers pings itself, so that a peer that floods pings without
        // reading gets only the latest one answered.
        var protocolConfiguration = session.connection
        protocolConfiguration.automaticPong = false
        let connection = WebSocketConnection(
            role: role,
            configuration: protocolConfiguration,
            extensions: extensions.map { $0.makeExtension(role: role) }
        )
        let closeStatus = NIOLockedValueBox<CloseStatus?>(nil)
        if let eventHandler {
            let handler = WebSocketChannelHandler(
                connection: connection, session: session, consumer: .handler(eventHandler),
                closeStatus: closeStatus, eventLoop: channel.eventLoop
            )
            return (handler, nil)
        }
        let reference = HandlerReference(eventLoop: channel.eventLoop)
        let demand = InboundDemand(handler: reference, maxBufferedBytes: session.maxBufferedInboundBytes)
        let (messages, source) = WebSocketMessages.make(session: session, demand: demand)
        let handler = WebSocketChannelHandler(
            connection: connection, session: session, consumer: .stream(source, demand),
            closeStatus: closeStatus, eventLoop: channel.eventLoop
        )
        reference.set(handler)
        let webSocket = WebSocket(
            messages: messages, subprotocol: subprotocol, extensions: extensions,
            channel: channel, handler: reference, closeStatus: closeStatus
        )
        return (handler, webSocket)
    }
}
