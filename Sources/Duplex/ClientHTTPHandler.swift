@_spi(Core) import DuplexCore
import NIOCore
import NIOHTTP1

/// The HTTP/1.1 stage of a client connection: sends the handshake request (through NIO's request
/// encoder, which the response decoder watches), validates the response,
/// and on success replaces the HTTP handlers with a ``WebSocketChannelHandler``, forwarding any
/// bytes that arrived after the 101 to it.
final class ClientHTTPHandler: ChannelInboundHandler, RemovableChannelHandler, DeadlineSweeperClient {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private enum State {
        case awaitingHead
        case awaitingEnd(HandshakeResponse)
        /// A refusal: its body's first ``HandshakeError/refusalBodyLimit`` bytes, until its end.
        case readingRefusal(HandshakeResponse, body: ByteBuffer)
        case done
        case upgraded
    }

    private let handshake: ClientHandshake
    /// The URL being connected to, as the ``WebSocket`` reports it.
    private let url: String
    private let configuration: WebSocketClientConfiguration
    private let eofHold: UpgradeEOFHold
    private let encoder: any RemovableChannelHandler
    private let decoder: any RemovableChannelHandler
    private let upgraded: EventLoopPromise<WebSocket>
    private var state = State.awaitingHead
    private var requestSent = false
    /// Holds the handshake deadline.
    private var sweeper: DeadlineSweeper?
    /// Managed by ``sweeper``.
    var deadlineSlot = DeadlineSweeper.Slot()
    private var context: ChannelHandlerContext?

    init(
        handshake: ClientHandshake,
        url: String,
        configuration: WebSocketClientConfiguration,
        eofHold: UpgradeEOFHold,
        encoder: any RemovableChannelHandler,
        decoder: any RemovableChannelHandler,
        upgraded: EventLoopPromise<WebSocket>
    ) {
        self.handshake = handshake
        self.url = url
        self.configuration = configuration
        self.eofHold = eofHold
        self.encoder = encoder
        self.decoder = decoder
        self.upgraded = upgraded
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    /// The TCP connection is up: the handshake deadline starts (it covers TLS and the HTTP
    /// exchange, not the connect, which has its own timeout) and the request goes out.
    private func start(context: ChannelHandlerContext) {
        guard !requestSent else { return }
        let sweeper = DeadlineSweeper.on(context.eventLoop)
        sweeper.arm(self, at: .now() + configuration.handshakeTimeout)
        self.sweeper = sweeper
        sendRequest(context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        sweeper?.disarm(self)
        self.context = nil
    }

    /// The handshake deadline passed: fail the connect (with the refusal, if one is being read).
    func deadlineReached(now: NIODeadline) {
        guard let context else { return }
        if case .readingRefusal(let response, let body) = state {
            refuse(response, body: body, context: context)
        } else {
            fail(WebSocketError.handshakeTimeout, context: context)
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .readingRefusal(let response, let body) = state {
            refuse(response, body: body, context: context)
        }
        fail(WebSocketError.connectionClosedDuringHandshake, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is HTTPParserError {
            fail(HandshakeError.malformedResponse(String(describing: error)), context: context)
        } else {
            fail(error, context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .upgraded = state {
            // Bytes the decoder held after the 101, on their way to the WebSocket handler.
            context.fireChannelRead(data)
            return
        }
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .awaitingHead):
            let response: HandshakeResponse
            do {
                response = try HandshakeResponse(
                    status: Int(head.status.code),
                    reason: head.status.reasonPhrase,
                    headers: HeaderFields(parsedFields: head.headers.lazy.map { (name: $0.name, value: $0.value) })
                )
            } catch {
                // NIO's parser lets some bytes through that no valid field holds (e.g. a control
                // character in a value); the error names the field, never the bytes.
                fail(HandshakeError.malformedResponse(error.description), context: context)
                return
            }
            if response.status == 101 {
                state = .awaitingEnd(response)
            } else {
                state = .readingRefusal(response, body: context.channel.allocator.buffer(capacity: 0))
            }
        case (.end, .awaitingEnd(let response)):
            validate(response, context: context)
        case (.body(var part), .readingRefusal(let response, var body)):
            let room = HandshakeError.refusalBodyLimit - body.readableBytes
            if part.readableBytes >= room, let kept = part.readSlice(length: room) {
                body.writeImmutableBuffer(kept)
                refuse(response, body: body, context: context)
            } else {
                state = .done  // no copy-on-write of `body` while it grows
                body.writeBuffer(&part)
                state = .readingRefusal(response, body: body)
            }
        case (.end, .readingRefusal(let response, let body)):
            refuse(response, body: body, context: context)
        default:
            break
        }
    }

    private func sendRequest(context: ChannelHandlerContext) {
        requestSent = true
        let request = handshake.request
        let head = HTTPRequestHead(
            version: HTTPVersion(major: request.version.major, minor: request.version.minor),
            method: HTTPMethod(rawValue: request.method),
            uri: request.target,
            headers: HTTPHeaders(request.headers.map { ($0.name, $0.value) })
        )
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    private func validate(_ response: HandshakeResponse, context: ChannelHandlerContext) {
        do {
            let result = try handshake.validate(response)
            try upgrade(result, context: context)
        } catch {
            fail(error, context: context)
        }
    }

    /// Puts the WebSocket handler in place. Until it is in the pipeline the handshake can still
    /// fail (and ``fail(_:context:)`` complete the connect with the error); from then on the
    /// connect completes when the hand-over does.
    private func upgrade(_ result: ClientHandshakeResult, context: ChannelHandlerContext) throws {
        let (handler, webSocket) = WebSocket.makeConnection(
            channel: context.channel, role: .client, session: configuration.session,
            subprotocol: result.subprotocol, extensions: result.extensions, eventHandler: nil,
            clientHandshake: ClientHandshakeOutcome(url: url, responseHeaders: result.headers)
        )
        let pipeline = context.pipeline.syncOperations
        try pipeline.addHandler(handler, position: .after(self))
        sweeper?.disarm(self)
        state = .upgraded
        pipeline.removeHandler(encoder, promise: nil)
        eofHold.handOver(to: handler, decoder: decoder, httpHandler: context).whenComplete { [upgraded] _ in
            if let webSocket { upgraded.succeed(webSocket) }
        }
    }

    /// Fails the connect with the server's refusal, its body as read so far attached.
    private func refuse(_ response: HandshakeResponse, body: ByteBuffer, context: ChannelHandlerContext) {
        var response = response
        response.body = String(decoding: body.readableBytesView, as: UTF8.self)
        fail(HandshakeError.unexpectedStatus(response), context: context)
    }

    private func fail(_ error: any Error, context: ChannelHandlerContext) {
        switch state {
        case .done, .upgraded:
            return
        case .awaitingHead, .awaitingEnd, .readingRefusal:
            state = .done
            sweeper?.disarm(self)
            upgraded.fail(error)
            context.close(promise: nil)
        }
    }
}
