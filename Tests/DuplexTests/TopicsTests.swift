import Duplex
import NIOCore
import Testing

@Suite("Topics")
struct TopicsTests {
    @Test func publishReachesEverySubscriberOfTheTopicOnly() async throws {
        let topics = WebSocketTopics()
        try await ServerHarness.with(decide: { request in
            .accept { ws in
                let topic = request.query ?? ""
                topics.subscribe(ws, to: topic)
                defer { topics.unsubscribeFromAll(ws) }
                for await message in ws.messages { topics.publish(message, to: topic) }
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?a") { first in
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?a") { second in
                    try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/?b") { other in
                        while topics.subscriberCount(of: "a") < 2 || topics.subscriberCount(of: "b") < 1 {
                            try await Task.sleep(for: .milliseconds(5))
                        }
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
            for _ in 0..<100 where topics.subscriberCount(of: "a") > 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(topics.subscriberCount(of: "a") == 0)
        }
    }
}
