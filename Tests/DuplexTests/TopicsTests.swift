@testable import Duplex
@_spi(Core) import DuplexCore
import NIOCore
import NIOPosix
import Testing

/// A server whose connections subscribe to the topics named in their query (`?a,b`) and publish each
/// message they send to the first of them.
private func topicServer(_ topics: WebSocketTopics) -> @Sendable (UpgradeRequest) async -> UpgradeDecision {
    { request in
        .accept { ws in
            let names = (request.query ?? "").split(separator: ",").map(String.init)
            for name in names { topics.subscribe(ws, to: name) }
            for await message in ws.messages {
                if case .text(let text) = message, text.hasPrefix("leave ") {
                    topics.unsubscribe(ws, from: String(text.dropFirst(6)))
                    try await ws.send(text: "left")
                } else if let first = names.first {
                    topics.publish(message, to: first)
                }
            }
        }
    }
}

/// A client configuration offering permessage-deflate with or without server context takeover, or none.
private func client(deflate: Bool, serverNoContextTakeover: Bool = false) throws -> WebSocketClientConfiguration {
    var configuration = WebSocketClientConfiguration()
    guard deflate else {
        configuration.extensions = []
        return configuration
    }
    var deflateConfiguration = PerMessageDeflate.Configuration()
    deflateConfiguration.offers = [.init(serverNoContextTakeover: serverNoContextTakeover, clientMaxWindowBits: .supported)]
    configuration.extensions = [try PerMessageDeflate(configuration: deflateConfiguration)]
    return configuration
}

@Suite("Topics", .timeLimit(.minutes(3)))
struct TopicsTests {
    @Test func publishReachesEverySubscriberOfTheTopicOnly() async throws {
        let topics = WebSocketTopics()
        try await ServerHarness.with(decide: topicServer(topics)) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?a") { first in
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?a") { second in
                    try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?b") { other in
                        try await eventually { topics.subscriberCount(of: "a") == 2 && topics.subscriberCount(of: "b") == 1 }
                        try await second.send(text: "to a")
                        try await other.send(text: "to b")
                        var firstMessages = first.messages.makeAsyncIterator()
                        var secondMessages = second.messages.makeAsyncIterator()
                        var otherMessages = other.messages.makeAsyncIterator()
                        #expect(await firstMessages.next() == .text("to a"))
                        #expect(await secondMessages.next() == .text("to a"))
                        #expect(await otherMessages.next() == .text("to b"))
                    }
                }
            }
        }
    }

    @Test func unsubscribedConnectionGetsNothingMore() async throws {
        let topics = WebSocketTopics()
        try await ServerHarness.with(decide: topicServer(topics)) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?news") { listener in
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?news") { publisher in
                    try await eventually { topics.subscriberCount(of: "news") == 2 }
                    try await listener.send(text: "leave news")
                    var received = listener.messages.makeAsyncIterator()
                    #expect(await received.next() == .text("left"))
                    #expect(topics.subscriberCount(of: "news") == 1)
                    try await publisher.send(text: "after leaving")
                    var published = publisher.messages.makeAsyncIterator()
                    #expect(await published.next() == .text("after leaving"))
                    try await listener.send(text: "leave news")
                    #expect(await received.next() == .text("left"))  // not "after leaving"
                }
            }
        }
    }

    @Test func subscriptionsEndWithTheConnection() async throws {
        let topics = WebSocketTopics()
        try await ServerHarness.with(decide: { _ in
            // Subscribes and returns at once: nothing but the connection's end unsubscribes it.
            .accept { ws in
                topics.subscribe(ws, to: "x")
                topics.subscribe(ws, to: "y")
                for await _ in ws.messages {}
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { _ in
                try await eventually { topics.subscriberCount(of: "y") == 1 }
                #expect(topics.subscriberCount(of: "x") == 1)
            }
            try await eventually { topics.subscriberCount(of: "x") + topics.subscriberCount(of: "y") == 0 }
            #expect(topics.subscriberCount(of: "x") == 0)
            #expect(topics.subscriberCount(of: "y") == 0)
        }
    }

    @Test(arguments: [false, true])
    func messagesArriveInPublishOrder(deflate: Bool) async throws {
        let topics = WebSocketTopics()
        try await ServerHarness.with(decide: topicServer(topics)) { _, port in
            let url = "ws://127.0.0.1:\(port)/?feed"
            try await WebSocket.connect(to: url, configuration: try client(deflate: deflate)) { first in
                try await WebSocket.connect(to: url, configuration: try client(deflate: deflate, serverNoContextTakeover: true)) { second in
                    try await eventually { topics.subscriberCount(of: "feed") == 2 }
                    for index in 0..<300 { topics.publish(.text("message \(index) " + String(repeating: "z", count: index)), to: "feed") }
                    for ws in [first, second] {
                        var index = 0
                        for await message in ws.messages {
                            #expect(message == .text("message \(index) " + String(repeating: "z", count: index)))
                            index += 1
                            if index == 300 { break }
                        }
                        #expect(index == 300)
                    }
                }
            }
        }
    }

    @Test func mixedSubscribersEachGetTheMessageTheyCanRead() async throws {
        let topics = WebSocketTopics()
        try await ServerHarness.with(decide: topicServer(topics)) { _, port in
            let url = "ws://127.0.0.1:\(port)/?mixed"
            let configurations = [
                try client(deflate: false), try client(deflate: true), try client(deflate: true, serverNoContextTakeover: true),
                try client(deflate: true, serverNoContextTakeover: true),
            ]
            try await WebSocket.connect(to: url, configuration: configurations[0]) { plain in
                try await WebSocket.connect(to: url, configuration: configurations[1]) { takeover in
                    try await WebSocket.connect(to: url, configuration: configurations[2]) { shared1 in
                        try await WebSocket.connect(to: url, configuration: configurations[3]) { shared2 in
                            try await eventually { topics.subscriberCount(of: "mixed") == 4 }
                            let payload = ByteBuffer(repeating: 0x41, count: 10_000)
                            topics.publish(.binary(payload), to: "mixed")
                            topics.publish(.text("second"), to: "mixed")
                            for ws in [plain, takeover, shared1, shared2] {
                                var messages = ws.messages.makeAsyncIterator()
                                #expect(await messages.next() == .binary(payload))
                                #expect(await messages.next() == .text("second"))
                            }
                        }
                    }
                }
            }
        }
    }

    @Test func encodingDependsOnWhatTheSubscriberNegotiated() throws {
        #expect(TopicEncoding([]) == .plain)
        let offer = { (noTakeover: Bool) in
            ExtensionHeaderElement(name: "permessage-deflate", parameters: noTakeover ? [.init(name: "server_no_context_takeover")] : [])
        }
        let shared = try #require(PerMessageDeflate().serverAccept([offer(true)]) as? NegotiatedPerMessageDeflate)
        let own = try #require(PerMessageDeflate().serverAccept([offer(false)]))
        #expect(TopicEncoding([shared]) == .deflate(shared))
        #expect(TopicEncoding([own]) == .perConnection)
    }

    @Test func oneEncodingIsCompressedOnceAndDecodesForEveryReceiver() throws {
        let element = ExtensionHeaderElement(name: "permessage-deflate", parameters: [.init(name: "server_no_context_takeover")])
        let negotiated = try #require(PerMessageDeflate().serverAccept([element]) as? NegotiatedPerMessageDeflate)
        let encoder = TopicEncoder()
        let text = String(repeating: "fan-out ", count: 500)
        let first = try #require(encoder.frame(for: .text(text), encoding: .deflate(negotiated)))
        let second = try #require(encoder.frame(for: .text(text), encoding: .deflate(negotiated)))
        #expect(first == second)  // the shared compressor starts afresh for each message
        #expect(first.readableBytes < 200)
        var receiver = WebSocketConnection(role: .client, extensions: [negotiated.makeExtension(role: .client)])
        receiver.receive(first)
        receiver.receive(second)
        #expect(receiver.nextEvent() == .text(ByteBuffer(string: text)))
        #expect(receiver.nextEvent() == .text(ByteBuffer(string: text)))
    }

    @Test func anEncodedFrameIsWrittenWithoutACopy() throws {
        var frame = ByteBuffer()
        FrameWriter.encode(.binary, payload: ByteBuffer(repeating: 7, count: 1000), into: &frame)
        var connections = [WebSocketConnection(role: .server), WebSocketConnection(role: .server)]
        let storage = frame.withUnsafeReadableBytes { $0.baseAddress }
        for index in connections.indices {
            try connections[index].sendEncoded(frame)
            let written = connections[index].takeOutbound()
            #expect(written?.withUnsafeReadableBytes { $0.baseAddress } == storage)
        }
    }
}

/// Serves `topics` on topic "feed" with a 64 KiB outbound cap, subscribes a raw TCP client (4 KiB receive buffer) that
/// never reads and a WebSocket client that does, publishes 200 messages of 32 KiB (each once the
/// reading client got the one before), checks that the reading client got them all, then calls
/// `check` (which waits for what it expects of `topics`) while both clients are still connected.
func slowSubscriberScenario(
    topics: WebSocketTopics, metrics: RecordingMetrics? = nil, _ check: () async throws -> Void
) async throws {
    try await ServerHarness.with(
        configure: {
            $0.metricsFactory = metrics
            $0.session.maxQueuedOutboundBytes = 64 << 10
            $0.session.pingInterval = nil
            $0.extensions = []
        },
        decide: { _ in
            .accept { ws in
                topics.subscribe(ws, to: "feed")
                for await _ in ws.messages {}
            }
        }
    ) { _, port in
        let slow = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: port).get()
        try await slow.writeAndFlush(ByteBuffer(string: handshakeRequest()))
        var plain = WebSocketClientConfiguration()
        plain.extensions = []
        try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: plain) { fast in
            try await eventually { topics.subscriberCount(of: "feed") == 2 }
            var received = fast.messages.makeAsyncIterator()
            var count = 0
            for index in 0..<200 {
                topics.publish(.binary(ByteBuffer(repeating: UInt8(index % 256), count: 32 << 10)), to: "feed")
                guard case .binary(let bytes) = await received.next(), bytes.getInteger(at: 0, as: UInt8.self) == UInt8(index % 256)
                else { break }
                count += 1
            }
            #expect(count == 200)
            try await check()
        }
        try? await slow.close()
    }
}

/// One scenario at a time: each pushes megabytes through loopback, which would starve the timing
/// tests (keepalive deadlines of 100 ms) that run in parallel.
@Suite("Topics: slow subscribers", .serialized, .timeLimit(.minutes(3)))
struct TopicSlowSubscriberTests {
    @Test func slowSubscriberIsClosedWithThePolicysCode() async throws {
        let topics = WebSocketTopics(overflowPolicy: .closeSubscriber(code: .tryAgainLater))
        let metrics = RecordingMetrics()
        try await slowSubscriberScenario(topics: topics, metrics: metrics) {
            // The slow one was closed, which ended its subscription.
            try await eventually("the slow subscriber unsubscribed") { topics.subscriberCount(of: "feed") == 1 }
            #expect(metrics.value("duplex_connections_closed_total", [("code", "1013")]) == 1)
        }
    }

    @Test func slowSubscriberMissesMessagesButStays() async throws {
        let broker = InProcessTopicBroker(overflowPolicy: .dropMessages)
        let topics = WebSocketTopics(broker: broker)
        try await slowSubscriberScenario(topics: topics) {
            // Deliveries to the slow subscriber run on its own event loop, which may lag.
            try await eventually("messages dropped for the slow subscriber") { broker.droppedMessages > 0 }
            #expect(topics.subscriberCount(of: "feed") == 2)
        }
    }

    @Test func droppedTopicMessagesAreCounted() async throws {
        let metrics = RecordingMetrics()
        let broker = InProcessTopicBroker(overflowPolicy: .dropMessages, metricsFactory: metrics)
        try await slowSubscriberScenario(topics: WebSocketTopics(broker: broker)) {
            try await eventually("messages dropped for the slow subscriber") { broker.droppedMessages > 0 }
        }
        #expect(metrics.value("duplex_topic_messages_dropped_total") == Double(broker.droppedMessages))
    }
}
