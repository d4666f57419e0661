import NIOConcurrencyHelpers

/// Named groups of connections to publish messages to (pub/sub), e.g. chat rooms.
///
/// ``publish(_:to:)`` never waits for a subscriber: the message is handed to each subscriber's
/// event loop and written there, so one slow subscriber does not hold up the others. A subscriber
/// that stops reading is bounded by ``SessionConfiguration/maxQueuedOutboundBytes`` (1008 past it).
/// Each connection compresses on its own (permessage-deflate contexts are per connection).
public final class WebSocketTopics: Sendable {
    private let subscribers = NIOLockedValueBox<[String: [ObjectIdentifier: WebSocket]]>([:])

    /// Creates an empty set of topics.
    public init() {}

    /// Adds `webSocket` to `topic`'s subscribers.
    public func subscribe(_ webSocket: WebSocket, to topic: String) {
        subscribers.withLockedValue { $0[topic, default: [:]][ObjectIdentifier(webSocket)] = webSocket }
    }

    /// Removes `webSocket` from `topic`'s subscribers.
    public func unsubscribe(_ webSocket: WebSocket, from topic: String) {
        subscribers.withLockedValue { topics in
            topics[topic]?[ObjectIdentifier(webSocket)] = nil
            if topics[topic]?.isEmpty == true { topics[topic] = nil }
        }
    }

    /// Removes `webSocket` from every topic (call when its connection ends).
    public func unsubscribeFromAll(_ webSocket: WebSocket) {
        subscribers.withLockedValue { topics in
            for topic in Array(topics.keys) {
                topics[topic]?[ObjectIdentifier(webSocket)] = nil
                if topics[topic]?.isEmpty == true { topics[topic] = nil }
            }
        }
    }

    /// How many connections subscribe to `topic`.
    public func subscriberCount(of topic: String) -> Int {
        subscribers.withLockedValue { $0[topic]?.count ?? 0 }
    }

    /// Sends `message` to every subscriber of `topic` without waiting; subscribers whose connection
    /// is closing are skipped.
    public func publish(_ message: WebSocketMessage, to topic: String) {
        let targets = subscribers.withLockedValue { $0[topic].map { Array($0.values) } ?? [] }
        for webSocket in targets { webSocket.enqueue(message) }
    }
}
