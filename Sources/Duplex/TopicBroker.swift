/// Where ``WebSocketTopics`` keeps subscriptions and sends published messages.
///
/// The default, ``InProcessTopicBroker``, delivers to the connections of this process. A broker
/// that spans several server processes (a backplane) would forward each publication to its peers
/// and hand the ones it receives from them to an in-process broker for local delivery; the
/// interface is small so that such a broker can be plugged in without changing applications.
///
/// Every method may be called from any thread and must not wait on a subscriber.
public protocol TopicBroker: Sendable {
    /// Adds `subscriber` to `topic`; subscribing twice is the same as once.
    func subscribe(_ subscriber: TopicSubscriber, to topic: String)
    /// Removes `subscriber` from `topic`.
    func unsubscribe(_ subscriber: TopicSubscriber, from topic: String)
    /// Removes `subscriber` from every topic (its connection ended).
    func unsubscribeFromAll(_ subscriber: TopicSubscriber)
    /// How many subscribers `topic` has in this process.
    func subscriberCount(of topic: String) -> Int
    /// Sends `message` to every subscriber of `topic` without waiting for any of them. Messages one
    /// caller publishes reach each subscriber in the order they were published.
    func publish(_ message: WebSocketMessage, to topic: String)
}
