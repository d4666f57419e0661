import NIOCore
import NIOSOCKS

/// The last handler of a connection while a proxy opens its tunnel: it bounds the negotiation by
/// the handshake timeout, turns what goes wrong into Duplex's errors, and once the tunnel is up
/// clears the proxy's handlers out of the pipeline before completing `tunnel` (on which the
/// WebSocket handlers are added), so the connection to the server starts on a clean pipeline.
///
/// The tunnel is up when ``established()`` is called (HTTP: NIO's CONNECT handler succeeded) or
/// a `SOCKSProxyEstablishedEvent` arrives. No byte of the server's may come before the client has
/// spoken (TLS and the HTTP upgrade both start with the client), so bytes reaching this handler
/// while it negotiates, or left behind by the proxy's decoder, are a malformed answer.
final class ProxyTunnelHandler: ChannelInboundHandler, RemovableChannelHandler, DeadlineSweeperClient {
    typealias InboundIn = ByteBuffer

    private enum State {
        case negotiating
        case clearing
        case done
    }

    private let timeout: TimeAmount
    private let tunnel: EventLoopPromise<Void>
    private let helpers: [any RemovableChannelHandler]
    private let decoder: (any RemovableChannelHandler)?
    private let translate: (any Error) -> any Error
    private var state = State.negotiating
    private var context: ChannelHandlerContext?
    private var sweeper: DeadlineSweeper?
    /// Managed by ``sweeper``.
    var deadlineSlot = DeadlineSweeper.Slot()

    /// - Parameters:
    ///   - timeout: How long the negotiation may take once the TCP connection is up.
    ///   - tunnel: Succeeded once the tunnel is up and the proxy's handlers are gone; failed with
    ///     the translated error otherwise.
    ///   - helpers: The proxy's handlers still in the pipeline when the tunnel is up, removed then.
    ///   - decoder: A handler that leaves the pipeline asynchronously (NIO's HTTP decoder); the
    ///     tunnel completes once it has left.
    ///   - translate: Turns an error the proxy's handlers report into the one the caller gets.
    init(
        timeout: TimeAmount,
        tunnel: EventLoopPromise<Void>,
        helpers: [any RemovableChannelHandler],
        decoder: (any RemovableChannelHandler)? = nil,
        translate: @escaping (any Error) -> any Error
    ) {
        self.timeout = timeout
        self.tunnel = tunnel
        self.helpers = helpers
        self.decoder = decoder
        self.translate = translate
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context: context) }
    }

    /// The tunnel's error when the channel never connected: one of the addresses NIO tries in
    /// parallel (Happy Eyeballs) failed, which says nothing about the connection that wins.
    struct NeverConnected: Error {}

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        fail(WebSocketError.connectionClosedDuringHandshake)
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context: context)
        context.fireChannelActive()
    }

    private func start(context: ChannelHandlerContext) {
        guard sweeper == nil else { return }
        let sweeper = DeadlineSweeper.on(context.eventLoop)
        sweeper.arm(self, at: .now() + timeout)
        self.sweeper = sweeper
    }

    func deadlineReached(now: NIODeadline) {
        fail(WebSocketError.handshakeTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(WebSocketError.connectionClosedDuringHandshake)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(translate(error))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        fail(WebSocketProxyError.malformedResponse("the proxy sent bytes before the client spoke to the server"))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is SOCKSProxyEstablishedEvent {
            established()
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The proxy opened the tunnel: remove its handlers, then complete ``tunnel``.
    func established() {
        guard state == .negotiating, let context else { return }
        state = .clearing
        sweeper?.disarm(self)
        let pipeline = context.pipeline.syncOperations
        for helper in helpers {
            pipeline.removeHandler(helper, promise: nil)
        }
        guard let decoder else { return finish() }
        let decoderRemoved = context.eventLoop.makePromise(of: Void.self)
        pipeline.removeHandler(decoder, promise: decoderRemoved)
        decoderRemoved.futureResult.assumeIsolated().whenComplete { [self] _ in finish() }
    }

    /// The proxy's handlers are gone (and left nothing behind): leave, and let the WebSocket
    /// handlers in.
    private func finish() {
        guard state == .clearing, let context else { return }
        state = .done
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        tunnel.succeed()
    }

    /// Fails the tunnel with `error`, or with ``NeverConnected`` when the channel never connected.
    private func fail(_ error: any Error) {
        guard state != .done else { return }
        state = .done
        sweeper?.disarm(self)
        tunnel.fail(sweeper == nil ? NeverConnected() : error)
        context?.close(promise: nil)
    }
}
