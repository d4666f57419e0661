import NIOConcurrencyHelpers

/// Named groups of connections to publish messages to (pub/sub), e.g. chat rooms.
///
/// ```swift
/// let topics = WebSocketTopics()
/// // in a server's .accept body:
/// topics.subscribe(ws, to: "room:lobby")
/// for await message in ws.messages { topics.publish(message, to: "room:lobby") }
/// ```
///
/// - A connection's subscriptions end with it.
/// - ``publish(_:to:)`` never waits for a subscriber, and the messages one caller publishes reach
///   each subscriber in publish order.
/// - Each message is encoded once, and the same bytes are written to every subscriber that can share
///   them: all that negotiated no extension, and all that negotiated permessage-deflate with the same
///   parameters and no server context takeover (then it is also compressed once). Subscribers whose
///   compression context carries over between messages compress it themselves.
/// - A subscriber that does not keep up is bounded by ``SessionConfiguration/maxQueuedOutboundBytes``;
///   past it the broker's ``TopicOverflowPolicy`` closes it or drops messages for it.
///
/// Where subscriptions live and how messages travel is the ``TopicBroker``'s job; the default is an
/// ``InProcessTopicBroker``.
public final class WebSocketTopics: Sendable {
    /// The broker that stores subscriptions and delivers messages.
    public let broker: any TopicBroker
    /// The connections whose end already unsubscribes them from every topic: one close callback per
    /// connection, however often it subscribes.
    private let watched = NIOLockedValueBox(Set<ObjectIdentifier>())

    /// Topics kept by `broker`.
    public init(broker: any TopicBroker = InProcessTopicBroker()) {
        self.broker = broker
    }

    /// Topics kept by an ``InProcessTopicBroker`` that treats slow subscribers with `overflowPolicy`.
    public convenience init(overflowPolicy: TopicOverflowPolicy) {
        self.init(broker: InProcessTopicBroker(overflowPolicy: overflowPolicy))
    }

    /// Adds `webSocket` (a server-side connection) to `topic`'s subscribers until it unsubscribes or
    /// its connection ends.
    public func subscribe(_ webSocket: WebSocket, to topic: String) {
        let subscriber = TopicSubscriber(webSocket)
        broker.subscribe(subscriber, to: topic)
        let connection = ObjectIdentifier(subscriber.handler)
        if watched.withLockedValue({ $0.insert(connection).inserted }) {
            subscriber.closeFuture.whenComplete { [broker, watched] _ in
                watched.withLockedValue { _ = $0.remove(connection) }
                broker.unsubscribeFromAll(subscriber)
            }
        } else if !subscriber.channel.isActive {
            // The connection closed meanwhile: its callback may have run before this subscription.
            broker.unsubscribeFromAll(subscriber)
        }
    }

    /// How many connections have a close callback that ends their subscriptions (for tests).
    var watchedConnectionCount: Int {
        watched.withLockedValue { $0.count }
    }

    /// Removes `webSocket` from `topic`'s subscribers.
    public func unsubscribe(_ webSocket: WebSocket, from topic: String) {
        broker.unsubscribe(TopicSubscriber(webSocket), from: topic)
    }

    /// Removes `webSocket` from every topic (this also happens when its connection ends).
    public func unsubscribeFromAll(_ webSocket: WebSocket) {
        broker.unsubscribeFromAll(TopicSubscriber(webSocket))
    }

    /// How many connections subscribe to `topic`.
    public func subscriberCount(of topic: String) -> Int {
        broker.subscriberCount(of: topic)
    }

    /// Sends `message` to every subscriber of `topic` without waiting; subscribers whose connection
    /// is closing are skipped.
    public func publish(_ message: WebSocketMessage, to topic: String) {
        broker.publish(message, to: topic)
    }
}
