import Metrics
import NIOConcurrencyHelpers
import NIOCore

/// The default ``TopicBroker``: delivers published messages to the subscribers in this process.
///
/// A publication is encoded once for all subscribers that can share the bytes (see
/// ``WebSocketTopics``) and handed to each event loop once, where it is written to that loop's
/// subscribers. Publishing never waits: a subscriber that does not keep up is handled by
/// ``overflowPolicy``.
public final class InProcessTopicBroker: TopicBroker {
    /// What happens to subscribers that do not keep up.
    public let overflowPolicy: TopicOverflowPolicy
    private let state = NIOLockedValueBox(Subscriptions())
    private let dropped = NIOLockedValueBox(0)
    private let droppedCounter: Counter

    private struct Subscriptions {
        var subscribers: [String: Set<TopicSubscriber>] = [:]
        var topicsOf: [TopicSubscriber: Set<String>] = [:]

        mutating func remove(_ subscriber: TopicSubscriber, from topic: String) {
            subscribers[topic]?.remove(subscriber)
            if subscribers[topic]?.isEmpty == true { subscribers[topic] = nil }
        }
    }

    /// A broker that treats slow subscribers with `overflowPolicy` and counts dropped messages in
    /// `duplex_topic_messages_dropped_total` of `metricsFactory` (`nil`: the global `MetricsSystem`).
    public init(overflowPolicy: TopicOverflowPolicy = .default, metricsFactory: (any MetricsFactory)? = nil) {
        self.overflowPolicy = overflowPolicy
        droppedCounter = Counter(
            label: "duplex_topic_messages_dropped_total", factory: metricsFactory ?? MetricsSystem.factory)
    }

    /// How many messages were skipped for slow subscribers under ``TopicOverflowPolicy/dropMessages``.
    public var droppedMessages: Int {
        dropped.withLockedValue { $0 }
    }

    /// Adds `subscriber` to `topic`.
    public func subscribe(_ subscriber: TopicSubscriber, to topic: String) {
        state.withLockedValue { state in
            state.subscribers[topic, default: []].insert(subscriber)
            state.topicsOf[subscriber, default: []].insert(topic)
        }
    }

    /// Removes `subscriber` from `topic`.
    public func unsubscribe(_ subscriber: TopicSubscriber, from topic: String) {
        state.withLockedValue { state in
            state.remove(subscriber, from: topic)
            state.topicsOf[subscriber]?.remove(topic)
            if state.topicsOf[subscriber]?.isEmpty == true { state.topicsOf[subscriber] = nil }
        }
    }

    /// Removes `subscriber` from every topic.
    public func unsubscribeFromAll(_ subscriber: TopicSubscriber) {
        state.withLockedValue { state in
            for topic in state.topicsOf.removeValue(forKey: subscriber) ?? [] {
                state.remove(subscriber, from: topic)
            }
        }
    }

    /// How many subscribers `topic` has.
    public func subscriberCount(of topic: String) -> Int {
        state.withLockedValue { $0.subscribers[topic]?.count ?? 0 }
    }

    /// Sends `message` to every subscriber of `topic`; see the type's description.
    public func publish(_ message: WebSocketMessage, to topic: String) {
        let targets = state.withLockedValue { $0.subscribers[topic] } ?? []
        guard !targets.isEmpty else { return }
        TopicSubscriber.deliver(message, to: targets, overflow: overflowPolicy) { [dropped, droppedCounter] _ in
            dropped.withLockedValue { $0 += 1 }
            droppedCounter.increment()
        }
    }
}
