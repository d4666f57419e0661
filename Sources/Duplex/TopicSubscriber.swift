import DuplexCore
import NIOCore

/// A connection as a topic subscriber: what a ``TopicBroker`` stores and delivers to.
///
/// Two subscribers are equal when they are the same connection.
public struct TopicSubscriber: Sendable, Hashable {
    /// The event loop the connection runs on.
    public let eventLoop: any EventLoop
    /// The extensions the connection negotiated (they decide whether a message can be encoded once
    /// for it and other subscribers).
    public let extensions: [any NegotiatedExtension]
    let handler: HandlerReference
    let channel: any Channel
    /// How published messages are encoded for this connection.
    let encoding: TopicEncoding

    /// The subscriber for `webSocket`, a server-side connection.
    public init(_ webSocket: WebSocket) {
        eventLoop = webSocket.channel.eventLoop
        extensions = webSocket.extensions
        handler = webSocket.handler
        channel = webSocket.channel
        encoding = TopicEncoding(webSocket.extensions)
    }

    /// Compares connections.
    public static func == (lhs: TopicSubscriber, rhs: TopicSubscriber) -> Bool {
        lhs.handler === rhs.handler
    }

    /// Hashes the connection's identity.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(handler))
    }

    /// Resolves when the connection is closed.
    var closeFuture: EventLoopFuture<Void> { channel.closeFuture }
}
