/// Where ``WebSocketTopics`` keeps subscriptions and sends published messages.
///
/// The default, ``InProcessTopicBroker``, delivers to the connections of this process. A broker
/// that spans several server processes (a backplane) forwards each publication to its peers and
/// delivers what it receives from them to its local subscribers; applications keep calling
/// ``WebSocketTopics``. A broker delivers to connections of this process with
/// ``TopicSubscriber/deliver(_:to:overflow:dropped:)`` (or keeps its local subscriptions in an
/// ``InProcessTopicBroker`` and publishes there).
///
/// The contract every broker keeps:
/// - Every method may be called from any thread and returns without waiting: not on a subscriber,
///   not on a network.
/// - Order: the messages one caller publishes to a topic reach each subscriber in publish order
///   (a backplane: on every node).
/// - Subscribing twice is the same as once; two ``TopicSubscriber``s are equal when they are the
///   same connection. ``WebSocketTopics`` calls ``unsubscribeFromAll(_:)`` when a connection ends.
/// - What may be dropped, and only with a count in a metric (and, for a broker's own failures, a
///   log line): a message for a subscriber that does not keep up, as its ``TopicOverflowPolicy``
///   says (``TopicSubscriber/deliver(_:to:overflow:dropped:)`` reports each one through
///   `dropped`); and what the broker's own documented failure behaviour drops (a backplane's
///   bounded queue while its server is unreachable, say). Nothing is dropped silently.
/// - A subscriber that does not keep up never slows the others: under
///   ``TopicOverflowPolicy/closeSubscriber(code:)`` it is closed with that code, under
///   ``TopicOverflowPolicy/dropMessages`` it misses messages until it catches up.
public protocol TopicBroker: Sendable {
    /// Adds `subscriber` to `topic`; subscribing twice is the same as once.
    func subscribe(_ subscriber: TopicSubscriber, to topic: String)
    /// Removes `subscriber` from `topic`.
    func unsubscribe(_ subscriber: TopicSubscriber, from topic: String)
    /// Removes `subscriber` from every topic (its connection ended).
    func unsubscribeFromAll(_ subscriber: TopicSubscriber)
    /// How many subscribers `topic` has in this process.
    func subscriberCount(of topic: String) -> Int
    /// Sends `message` to every subscriber of `topic` (a backplane: on every node) without waiting
    /// for any of them. Messages one caller publishes reach each subscriber in the order they were
    /// published.
    func publish(_ message: WebSocketMessage, to topic: String)
}
