@_spi(Core) import DuplexCore
import Logging
import NIOCore
import NIOHTTP1

/// The HTTP/1.1 stage of a server connection: reads the request, hands it to the server for a
/// decision, and then either answers with an error (and closes) or writes the 101 and replaces the
/// HTTP handlers with a ``WebSocketChannelHandler``, forwarding any bytes that arrived after the
/// request to it.
final class ServerHTTPHandler: ChannelInboundHandler, RemovableChannelHandler, DeadlineSweeperClient {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingHead
        case awaitingEnd(HTTPRequestHead)
        case deciding
        case responded
        case upgraded
    }

    private let configuration: WebSocketServerConfiguration
    private let eofHold: UpgradeEOFHold
    private let decoder: any RemovableChannelHandler
    private let submit: @Sendable (IncomingRequest) -> Bool
    private let isOverCapacity: Bool
    private var state = State.awaitingHead
    private var context: ChannelHandlerContext?
    /// The ``WebSocketServerConfiguration/httpHandler`` answering this connection's request.
    private var plainRequestTask: Task<Void, Never>?
    /// Holds the handshake deadline.
    private var sweeper: DeadlineSweeper?
    /// Managed by ``sweeper``.
    var deadlineSlot = DeadlineSweeper.Slot()

    /// `submit` queues a request for a decision; it returns `false` when the server is shutting down.
    /// A connection past the server's connection limit (`isOverCapacity`) gets 503 once its request
    /// head is read.
    init(
        configuration: WebSocketServerConfiguration,
        eofHold: UpgradeEOFHold,
        decoder: any RemovableChannelHandler,
        isOverCapacity: Bool,
        submit: @escaping @Sendable (IncomingRequest) -> Bool
    ) {
        self.configuration = configuration
        self.eofHold = eofHold
        self.decoder = decoder
        self.isOverCapacity = isOverCapacity
        self.submit = submit
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let sweeper = DeadlineSweeper.on(context.eventLoop)
        sweeper.arm(self, at: .now() + configuration.handshakeTimeout)
        self.sweeper = sweeper
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        sweeper?.disarm(self)
        plainRequestTask?.cancel()
        self.context = nil
    }

    /// The handshake deadline passed: drop the connection.
    func deadlineReached(now: NIODeadline) {
        context?.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .upgraded = state {
            // Bytes the decoder held after the request, on their way to the WebSocket handler.
            context.fireChannelRead(data)
            return
        }
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .awaitingHead):
            state = .awaitingEnd(head)
        case (.end, .awaitingEnd(let head)):
            state = .deciding
            do {
                handle(try HandshakeRequest(head), context: context)
            } catch {
                // NIO's parser lets some bytes through that no valid field or target holds (e.g. a
                // control character in a value); the answer names the field, never the bytes.
                logger.debug("request refused (400): \(error)")
                writeAndClose(HandshakeResponse(status: .badRequest, body: "malformed HTTP request: \(error)\n"), context: context)
            }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .awaitingHead = state else {
            context.close(promise: nil)
            return
        }
        let status: HTTPStatus =
            (error as? HTTPParserError) == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
        writeAndClose(HandshakeResponse(status: status, body: "malformed HTTP request\n"), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func handle(_ request: HandshakeRequest, context: ChannelHandlerContext) {
        if isOverCapacity {
            writeAndClose(
                HandshakeResponse(status: .serviceUnavailable, body: "server at its connection limit\n"),
                context: context)
            return
        }
        if let httpHandler = configuration.httpHandler,
            !request.headers.containsToken("websocket", name: "Upgrade")
        {
            answerPlainRequest(request, with: httpHandler, context: context)
            return
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let incoming = IncomingRequest(
            request: request,
            validation: ServerHandshake.validate(request, remoteAddress: context.channel.remoteAddress),
            respond: { response in
                bound.eventLoop.flatSubmit { bound.value.respond(response, eventLoop: bound.eventLoop) }
            },
            telemetry: configuration.session.telemetry,
            eventLoop: bound.eventLoop
        )
        if !submit(incoming) {
            writeAndClose(
                HandshakeResponse(status: .serviceUnavailable, body: "server shutting down\n"), context: context)
        }
    }

    /// Runs `httpHandler` in a task of its own and writes its response, on the loop, when it
    /// returns. Meanwhile the connection is not read (it is answered and closed after this
    /// request) and the end of its input does not close it; when it closes first (the handshake
    /// timeout, shutdown, an error), the task is cancelled and its response dropped.
    private func answerPlainRequest(
        _ request: HandshakeRequest,
        with httpHandler: @escaping @Sendable (HandshakeRequest) async throws -> PlainHTTPResponse,
        context: ChannelHandlerContext
    ) {
        // The answer comes later: read no more, and let a client that shut down its output after
        // the request (as `nc -N` does) still get it: NIO reads up to the end of the input once
        // the peer closed it, whatever `autoRead` says, and without half-closure it would close the
        // connection there. Both options are a socket channel's; elsewhere later bytes are ignored.
        if let options = context.channel.syncOptions {
            try? options.setOption(.autoRead, value: false)
            try? options.setOption(.allowRemoteHalfClosure, value: true)
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let logger = self.logger
        plainRequestTask = Task {
            let response: ByteBuffer
            do {
                response = try await httpHandler(request).wireBytes(allocator: ByteBufferAllocator())
            } catch {
                guard !Task.isCancelled else { return }
                logger.applicationFailed(error, answering: "a plain HTTP request")
                response = HandshakeResponse(status: .internalServerError, body: "internal server error\n")
                    .wireBytes(allocator: ByteBufferAllocator())
            }
            bound.eventLoop.execute { bound.value.writePlainResponse(response) }
        }
    }

    /// Writes the answer of ``answerPlainRequest(_:with:context:)`` unless the connection closed.
    private func writePlainResponse(_ response: ByteBuffer) {
        plainRequestTask = nil
        guard let context, case .deciding = state else { return }
        writeAndClose(response, context: context)
    }

    private func respond(_ response: IncomingRequest.Response, eventLoop: any EventLoop) -> EventLoopFuture<WebSocket?> {
        guard let context, case .deciding = state, context.channel.isActive else {
            return eventLoop.makeFailedFuture(WebSocketError.connectionClosed)
        }
        switch response {
        case .reject(let refusal):
            writeAndClose(refusal, context: context)
            return context.eventLoop.makeSucceededFuture(nil)
        case .accept(let result, let serve):
            do {
                return try upgrade(result, serve: serve, context: context)
            } catch {
                context.close(promise: nil)
                return context.eventLoop.makeFailedFuture(error)
            }
        }
    }

    private func upgrade(
        _ result: ServerHandshakeResult, serve: UpgradeDecision.Serve, context: ChannelHandlerContext
    ) throws -> EventLoopFuture<WebSocket?> {
        sweeper?.disarm(self)
        state = .upgraded
        context.writeAndFlush(wrapOutboundOut(result.response.wireBytes(allocator: context.channel.allocator)))
            .assumeIsolated()
            .whenFailure { _ in context.close(promise: nil) }
        let eventHandler: (any WebSocketEventHandler)?
        if case .eventHandler(let make) = serve { eventHandler = make() } else { eventHandler = nil }
        var session = configuration.session
        if let telemetry = session.telemetry, telemetry.logger.logLevel > .debug {
            // An open connection logs at debug only: without those lines, it keeps the server's
            // logger rather than its own copy with per-connection metadata (hundreds of bytes).
            session.telemetry = ConnectionTelemetry(logger: configuration.logger, metrics: telemetry.metrics)
        }
        let (handler, webSocket) = WebSocket.makeConnection(
            channel: context.channel, role: .server, session: session,
            subprotocol: result.subprotocol, extensions: result.extensions, eventHandler: eventHandler
        )
        try context.pipeline.syncOperations.addHandler(handler, position: .after(self))
        return eofHold.handOver(to: handler, decoder: decoder, httpHandler: context).map { _ in webSocket }.nonisolated()
    }

    private func writeAndClose(_ response: HandshakeResponse, context: ChannelHandlerContext) {
        writeAndClose(response.wireBytes(allocator: context.channel.allocator), context: context)
    }

    /// Writes a whole response, `Connection: close` in it, and closes the connection.
    private func writeAndClose(_ response: ByteBuffer, context: ChannelHandlerContext) {
        state = .responded
        context.writeAndFlush(wrapOutboundOut(response))
            .assumeIsolated()
            .whenComplete { _ in context.close(promise: nil) }
    }

    /// Where this connection logs.
    private var logger: Logger {
        configuration.session.telemetry?.logger ?? configuration.logger
    }
}
