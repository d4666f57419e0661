import NIOCore

/// A connection's channel handler, usable from any thread: code off its event loop runs there
/// (``onLoop(_:)``, ``flatSubmit(_:)``), code on it may use the handler directly (``ifOnLoop``).
final class HandlerReference: Sendable {
    private let bound: NIOLoopBound<WebSocketChannelHandler>

    /// The reference to `handler`; make it on the handler's event loop.
    init(_ handler: WebSocketChannelHandler) {
        bound = NIOLoopBound(handler, eventLoop: handler.eventLoop)
    }

    /// The handler's event loop.
    var eventLoop: any EventLoop { bound.eventLoop }

    /// The handler, when called on its event loop; `nil` elsewhere.
    var ifOnLoop: WebSocketChannelHandler? {
        bound.eventLoop.inEventLoop ? bound.value : nil
    }

    /// Runs `body` with the handler on its event loop (now, if already there).
    func onLoop(_ body: @escaping @Sendable (WebSocketChannelHandler) -> Void) {
        if let handler = ifOnLoop {
            body(handler)
        } else {
            bound.eventLoop.execute { [bound] in body(bound.value) }
        }
    }

    /// Runs `body` with the handler on its event loop and returns its future.
    func flatSubmit<T: Sendable>(
        _ body: @escaping @Sendable (WebSocketChannelHandler) -> EventLoopFuture<T>
    ) -> EventLoopFuture<T> {
        if let handler = ifOnLoop { return body(handler) }
        return bound.eventLoop.flatSubmit { [bound] in body(bound.value) }
    }
}
