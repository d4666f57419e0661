import NIOConcurrencyHelpers
import NIOCore

/// A reference to a channel handler that may be set after it is handed out, usable from any thread:
/// work is run on the handler's event loop. Breaks the cycle between the message sequence's demand
/// delegate (made first) and the handler (made with the sequence's source).
final class HandlerReference: Sendable {
    private let eventLoop: any EventLoop
    private let handler: NIOLockedValueBox<NIOLoopBound<WebSocketChannelHandler>?>

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.handler = NIOLockedValueBox(nil)
    }

    /// Sets the handler; call on the event loop.
    func set(_ handler: WebSocketChannelHandler) {
        self.handler.withLockedValue { $0 = NIOLoopBound(handler, eventLoop: eventLoop) }
    }

    /// Runs `body` with the handler on its event loop (now, if already there).
    func onLoop(_ body: @escaping @Sendable (WebSocketChannelHandler) -> Void) {
        guard let bound = handler.withLockedValue({ $0 }) else { return }
        if eventLoop.inEventLoop {
            body(bound.value)
        } else {
            eventLoop.execute { body(bound.value) }
        }
    }

    /// Runs `body` with the handler on its event loop and returns its future.
    func flatSubmit<T: Sendable>(
        _ body: @escaping @Sendable (WebSocketChannelHandler) -> EventLoopFuture<T>
    ) -> EventLoopFuture<T> {
        guard let bound = handler.withLockedValue({ $0 }) else {
            return eventLoop.makeFailedFuture(WebSocketError.connectionClosed)
        }
        if eventLoop.inEventLoop { return body(bound.value) }
        return eventLoop.flatSubmit { body(bound.value) }
    }
}
