import NIOCore

/// Sits in front of the HTTP decoder and, from the moment a handshake succeeds until the decoder has
/// left the pipeline, holds back the end of the input (`channelInactive`, `inputClosed`).
///
/// NIO's HTTP decoder leaves the pipeline one loop turn after its removal is requested and then hands
/// the bytes that arrived behind the handshake (the peer's first frames) to the WebSocket handler —
/// unless it saw the end of the input first, in which case it drops them. A peer that sends its first
/// message and its close frame right behind the 101 and then closes TCP would lose them, and the
/// connection would end with 1006 instead of 1000.
final class UpgradeEOFHold: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private var holding = false
    private var heldInputClosed = false
    private var heldInactive = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        if holding {
            heldInactive = true
        } else {
            context.fireChannelInactive()
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if holding, let event = event as? ChannelEvent, event == .inputClosed {
            heldInputClosed = true
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    /// The handshake succeeded and the decoder is being removed: hold the end of the input from now on.
    func hold() {
        holding = true
    }

    /// The decoder has left (and forwarded its leftover bytes): pass on what was held, and leave.
    /// Hands the connection from the HTTP handlers to `handler`, already in the pipeline after
    /// them: holds the end of input back, removes `decoder` (which forwards its leftover bytes to
    /// `handler` and leaves on a later loop turn) and the HTTP handler at `httpHandler`, then
    /// releases `handler`'s queued writes and the held end of input. The future completes then.
    func handOver(
        to handler: WebSocketChannelHandler, decoder: any RemovableChannelHandler, httpHandler: ChannelHandlerContext
    ) -> EventLoopFuture<Void>.Isolated {
        hold()
        let decoderRemoved = httpHandler.eventLoop.makePromise(of: Void.self)
        let pipeline = httpHandler.pipeline.syncOperations
        pipeline.removeHandler(decoder, promise: decoderRemoved)
        pipeline.removeHandler(context: httpHandler, promise: nil)
        return decoderRemoved.futureResult.assumeIsolated().always { [self] _ in
            handler.releaseWrites()
            release()
        }
    }

    func release() {
        guard let context else { return }
        holding = false
        if heldInputClosed { context.fireUserInboundEventTriggered(ChannelEvent.inputClosed) }
        if heldInactive { context.fireChannelInactive() }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
