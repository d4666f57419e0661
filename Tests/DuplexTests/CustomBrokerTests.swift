import Duplex
import NIOConcurrencyHelpers
import Testing

/// A broker written with Duplex's public API only: it keeps its own subscription table and
/// delivers with `TopicSubscriber.deliver`, and records what was published (as a backplane
/// would forward it).
private final class RecordingBroker: TopicBroker {
    private let subscriptions = NIOLockedValueBox<[String: Set<TopicSubscriber>]>([:])
    let published = NIOLockedValueBox<[String]>([])

    func subscribe(_ subscriber: TopicSubscriber, to topic: String) {
        subscriptions.withLockedValue { _ = $0[topic, default: []].insert(subscriber) }
    }

    func unsubscribe(_ subscriber: TopicSubscriber, from topic: String) {
        subscriptions.withLockedValue { _ = $0[topic]?.remove(subscriber) }
    }

    func unsubscribeFromAll(_ subscriber: TopicSubscriber) {
        subscriptions.withLockedValue { table in
            for topic in table.keys { table[topic]?.remove(subscriber) }
        }
    }

    func subscriberCount(of topic: String) -> Int {
        subscriptions.withLockedValue { $0[topic]?.count ?? 0 }
    }

    func publish(_ message: WebSocketMessage, to topic: String) {
        published.withLockedValue { $0.append(topic) }
        let targets = subscriptions.withLockedValue { $0[topic] ?? [] }
        TopicSubscriber.deliver(message, to: targets, overflow: .default)
    }
}

@Suite("A TopicBroker written outside Duplex", .timeLimit(.minutes(1)))
struct CustomBrokerTests {
    @Test func aCustomBrokerDeliversInPublishOrderAndSubscriptionsEndWithTheConnection() async throws {
        let broker = RecordingBroker()
        let topics = WebSocketTopics(broker: broker)
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                topics.subscribe(ws, to: "room")
                for await message in ws.messages { topics.publish(message, to: "room") }
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { listener in
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { speaker in
                    try await eventually { topics.subscriberCount(of: "room") == 2 }
                    for index in 0..<100 { try await speaker.send(text: "\(index)") }
                    var received: [WebSocketMessage] = []
                    for await message in listener.messages {
                        received.append(message)
                        if received.count == 100 { break }
                    }
                    #expect(received == (0..<100).map { .text("\($0)") })
                }
                try await eventually("the speaker's subscription ended with its connection") {
                    topics.subscriberCount(of: "room") == 1
                }
            }
        }
        #expect(broker.published.withLockedValue { $0.count } == 100)
    }
}
