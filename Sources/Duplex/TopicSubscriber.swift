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

extension TopicSubscriber {
    /// Writes `message` to each of `subscribers` without waiting for any of them: the way a
    /// ``TopicBroker`` delivers to the connections of this process.
    ///
    /// The message is encoded once for every group of subscribers that can share the bytes (and
    /// compressed once for those that negotiated permessage-deflate without server context
    /// takeover), then handed to each event loop once, where it is queued on that loop's
    /// subscribers in the order of `subscribers`. Messages delivered by one caller reach each
    /// subscriber in the order of the calls. Subscribers whose connection is closing are skipped.
    ///
    /// A subscriber whose write buffer the message would take past
    /// ``SessionConfiguration/maxQueuedOutboundBytes`` is handled by `overflow`: closed with its
    /// code, or skipped, and then `dropped` is called with it (on its event loop).
    public static func deliver(
        _ message: WebSocketMessage,
        to subscribers: some Sequence<TopicSubscriber>,
        overflow: TopicOverflowPolicy,
        dropped: (@Sendable (TopicSubscriber) -> Void)? = nil
    ) {
        var frames: [TopicEncoding: ByteBuffer?] = [:]
        var batches: [ObjectIdentifier: (loop: any EventLoop, items: [(TopicSubscriber, ByteBuffer?)])] = [:]
        for subscriber in subscribers {
            let encoding = subscriber.encoding
            let frame: ByteBuffer?
            if let known = frames[encoding] {
                frame = known
            } else {
                frame = TopicEncoder.shared.frame(for: message, encoding: encoding)
                frames[encoding] = frame
            }
            batches[ObjectIdentifier(subscriber.eventLoop), default: (subscriber.eventLoop, [])]
                .items.append((subscriber, frame))
        }
        for (loop, items) in batches.values {
            let write: @Sendable () -> Void = {
                for (subscriber, frame) in items {
                    subscriber.handler.onLoop { handler in
                        if !handler.publish(message, frame: frame, overflow: overflow) { dropped?(subscriber) }
                    }
                }
            }
            if loop.inEventLoop { write() } else { loop.execute(write) }
        }
    }
}
