import DuplexCore
import NIOCore

/// A connection handler that runs on the connection's event loop, without hopping to a task.
///
/// Each callback runs on the event loop, in order; a callback must not block. Use the
/// ``WebSocketLoopSender`` it receives to answer: its sends are written without any hop or
/// suspension, and flushed once per read burst. This is the fastest way to serve a connection; the
/// trade-off (no inbound backpressure, no `await`) is described in docs/transport.md.
public protocol WebSocketEventHandler: AnyObject {
    /// The connection is open; `sender` stays valid, on this event loop, until ``onClose(_:)``.
    func onOpen(_ sender: WebSocketLoopSender)
    /// A whole message arrived.
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender)
    /// A pong arrived (an answer to a ping, or an unsolicited heartbeat).
    func onPong(_ payload: ByteBuffer, sender: WebSocketLoopSender)
    /// The connection ended with `status`. No callback follows.
    func onClose(_ status: CloseStatus)
}

extension WebSocketEventHandler {
    /// Does nothing.
    public func onOpen(_ sender: WebSocketLoopSender) {}
    /// Does nothing.
    public func onPong(_ payload: ByteBuffer, sender: WebSocketLoopSender) {}
    /// Does nothing.
    public func onClose(_ status: CloseStatus) {}
}

/// Sends on one connection from its event loop. Only valid on that event loop, inside the callbacks
/// of a ``WebSocketEventHandler`` (or work scheduled on the same loop).
public struct WebSocketLoopSender {
    let handler: WebSocketChannelHandler

    /// The event loop the connection runs on.
    public var eventLoop: any EventLoop { handler.eventLoop }

    /// Queues a message, compressed as `compression` says (see ``MessageCompression``). Throws
    /// `UsageError.alreadyClosed` after the close handshake started.
    public func send(_ message: WebSocketMessage, compression: MessageCompression = .automatic) throws(UsageError) {
        try handler.send(message, compression: compression)
    }
    /// Queues a ping.
    public func ping(_ payload: ByteBuffer = ByteBuffer()) throws(UsageError) {
        try handler.ping(payload)
    }
    /// Starts the close handshake; ``WebSocketEventHandler/onClose(_:)`` follows when it completes or
    /// the close timeout expires.
    public func close(code: CloseCode = .normalClosure, reason: String = "") throws(UsageError) {
        try handler.initiateClose(code: code, reason: reason)
    }
    /// Closes TCP at once, without the close handshake (for a peer that misbehaves); the
    /// connection ends with 1006.
    public func abort() {
        handler.abort()
    }
}
