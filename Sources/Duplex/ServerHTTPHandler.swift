@_spi(Core) import DuplexCore
import Logging
import NIOCore

/// The HTTP/1.1 stage of a server connection, the only handler of it before the upgrade: reads the
/// request head with DuplexCore's ``RequestHeadParser`` (at most `maxRequestHeadSize` bytes), hands
/// the request to the server for a decision, and then either answers with an error (and closes) or
/// writes the 101, puts a ``WebSocketChannelHandler`` after itself, passes it the bytes that arrived
/// after the request, and leaves. While the application decides, the connection is not read.
final class ServerHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler, DeadlineSweeperClient {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case awaitingHead(RequestHeadParser)
        /// A plain request's body, read and dropped before the request is answered.
        case skippingBody(HandshakeRequest, remaining: Int)
        /// The application decides (or answers a plain request); what arrived after the request is kept.
        case deciding(received: ByteBuffer?)
        case responded
        case upgraded
    }

    private let configuration: WebSocketServerConfiguration
    private let submit: @Sendable (IncomingRequest) -> Bool
    private let isOverCapacity: Bool
    private var state: State
    /// A `read` held back while deciding.
    private var readPending = false
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
        isOverCapacity: Bool,
        submit: @escaping @Sendable (IncomingRequest) -> Bool
    ) {
        self.configuration = configuration
        self.isOverCapacity = isOverCapacity
        self.submit = submit
        self.state = .awaitingHead(RequestHeadParser(limit: configuration.maxRequestHeadSize))
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
        let bytes = unwrapInboundIn(data)
        switch state {
        case .awaitingHead(var parser):
            // Not held by `state` while it grows, so that its buffer is not copied.
            state = .responded
            do {
                if let (head, rest) = try parser.receive(bytes) {
                    received(head, rest: rest, context: context)
                } else {
                    state = .awaitingHead(parser)
                }
            } catch {
                logger.debug("request refused: \(error)")
                refuse(error, context: context)
            }
        case .skippingBody(let request, let remaining):
            if remaining > bytes.readableBytes {
                state = .skippingBody(request, remaining: remaining - bytes.readableBytes)
            } else {
                startPlainAnswer(request, context: context)
            }
        case .deciding(let earlier):
            // Not held by `state` while it grows, so that its buffer is not copied.
            state = .responded
            guard var received = earlier else {
                state = .deciding(received: bytes)
                return
            }
            received.writeImmutableBuffer(bytes)
            state = .deciding(received: received)
        case .responded:
            break
        case .upgraded:
            context.fireChannelRead(data)
        }
    }

    func read(context: ChannelHandlerContext) {
        switch state {
        case .deciding: readPending = true
        default: context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// A head was read: answer it as a plain request, or submit it for a decision.
    private func received(_ head: RequestHeadParser.Head, rest: ByteBuffer, context: ChannelHandlerContext) {
        let request = head.request
        if isOverCapacity {
            writeAndClose(
                HandshakeResponse(status: .serviceUnavailable, body: "server at its connection limit\n"),
                context: context)
            return
        }
        if configuration.httpHandler != nil, !request.headers.containsToken("websocket", name: "Upgrade") {
            if head.bodyLength > rest.readableBytes {
                state = .skippingBody(request, remaining: head.bodyLength - rest.readableBytes)
            } else {
                startPlainAnswer(request, context: context)
            }
            return
        }
        guard head.bodyLength == 0 else {
            writeAndClose(
                HandshakeResponse(status: .badRequest, body: "a WebSocket handshake request has no body\n"),
                context: context)
            return
        }
        state = .deciding(received: rest.readableBytes > 0 ? rest : nil)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let incoming = IncomingRequest(
            request: request,
            validation: ServerHandshake.validate(request, remoteAddress: context.channel.remoteAddress),
            respond: { response in
                // A decision made on the connection's loop (the default) is written at once.
                guard bound.eventLoop.inEventLoop else {
                    return bound.eventLoop.flatSubmit { bound.value.respond(response, eventLoop: bound.eventLoop) }
                }
                return bound.value.respond(response, eventLoop: bound.eventLoop)
            },
            telemetry: configuration.session.telemetry,
            eventLoop: bound.eventLoop
        )
        if !submit(incoming) {
            writeAndClose(
                HandshakeResponse(status: .serviceUnavailable, body: "server shutting down\n"), context: context)
        }
    }

    /// Answers a plain request, its body (if any) read.
    private func startPlainAnswer(_ request: HandshakeRequest, context: ChannelHandlerContext) {
        guard let httpHandler = configuration.httpHandler else { return }
        state = .deciding(received: nil)
        answerPlainRequest(request, with: httpHandler, context: context)
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
        guard case .deciding(let received) = state else { throw WebSocketError.connectionClosed }
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
        handler.releaseWrites()
        if let received {
            context.fireChannelRead(wrapInboundOut(received))
            context.fireChannelReadComplete()
        }
        if readPending { context.read() }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        return context.eventLoop.makeSucceededFuture(webSocket)
    }

    private func writeAndClose(_ response: HandshakeResponse, context: ChannelHandlerContext) {
        writeAndClose(response.wireBytes(allocator: context.channel.allocator), context: context)
    }

    /// Answers a head that could not be read (400, 431 or 501) and closes the output, dropping the
    /// rest of the input until the peer closes or the handshake deadline passes, so that the peer
    /// reads the answer rather than a reset.
    private func refuse(_ error: RequestHeadError, context: ChannelHandlerContext) {
        let status: HTTPStatus =
            switch error {
            case .tooLarge: .requestHeaderFieldsTooLarge
            case .transferEncoding: .notImplemented
            default: .badRequest
            }
        state = .responded
        let response = HandshakeResponse(status: status, body: "malformed HTTP request: \(error)\n")
        context.writeAndFlush(wrapOutboundOut(response.wireBytes(allocator: context.channel.allocator)))
            .assumeIsolated()
            .whenComplete { _ in
                context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
            }
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
