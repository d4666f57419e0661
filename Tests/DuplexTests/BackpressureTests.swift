import Duplex
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A counter shared between tasks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

@Suite("Backpressure", .timeLimit(.minutes(3)))
struct BackpressureTests {
    @Test func slowReaderSuspendsTheSender() async throws {
        let sent = Counter()
        let total = 512
        let chunk = ByteBuffer(repeating: 7, count: 64 << 10)
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for _ in 0..<total {
                    try await ws.send(binary: chunk)
                    sent.increment()
                }
                for await _ in ws.messages {}
            }
        }) { _, port in
            var client = WebSocketClientConfiguration()
            client.extensions = []  // the chunks must take their full size on the wire
            let received = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                try await Task.sleep(for: .milliseconds(500))
                // 32 MiB were to be sent; the reader buffers a bounded number of messages and the
                // sockets hold a few MiB at most, so the sender must be waiting.
                #expect(sent.value < total / 2)
                var count = 0
                for await message in ws.messages {
                    #expect(message == .binary(chunk))
                    count += 1
                    if count == total { break }
                }
                return count
            }
            #expect(received == total)
            #expect(sent.value == total)
        }
    }

    /// A consumer that does not read while the peer sends many large messages: the server stops
    /// reading once the buffered bytes pass `maxBufferedInboundBytes` (the message-count watermark is
    /// set out of reach), and every message arrives intact and in order once the consumer reads.
    @Test(.timeLimit(.minutes(1)))
    func inboundByteBoundStopsReadingUntilTheConsumerTakesTheMessages() async throws {
        let total = 400
        let size = 64 << 10
        let bound = 256 << 10
        let metrics = RecordingMetrics()
        let reading = NIOLockedValueBox(false)
        let received = NIOLockedValueBox<[ByteBuffer]>([])
        func message(_ index: Int) -> ByteBuffer {
            var buffer = ByteBuffer(repeating: UInt8(truncatingIfNeeded: index), count: size)
            buffer.setInteger(UInt32(index), at: 0)
            return buffer
        }
        try await ServerHarness.with(configure: {
            $0.extensions = []  // the messages take their full size on the wire and in the queue
            $0.metricsFactory = metrics
            $0.session.maxBufferedInboundBytes = bound
            $0.session.inboundHighWatermark = 10_000
            $0.session.inboundLowWatermark = 5_000
        }, decide: { _ in
            .accept { ws in
                while !reading.withLockedValue({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                for await case .binary(let bytes) in ws.messages {
                    received.withLockedValue { $0.append(bytes) }
                }
            }
        }) { _, port in
            var client = WebSocketClientConfiguration()
            client.extensions = []
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                let sent = Counter()
                let sender = Task {
                    for index in 0..<total {
                        try await ws.send(binary: message(index))
                        sent.increment()
                    }
                }
                let delivered = { Int(metrics.value("duplex_messages_received_total")) }
                // Wait for the bound to be passed, then for the sender to stall: the sockets are full.
                try await eventually(timeout: .seconds(20), "the byte bound was passed") { delivered() > bound / size }
                let deadline = ContinuousClock.now + .seconds(20)
                var last = -1
                while sent.value != last {
                    last = sent.value
                    try await Task.sleep(for: .milliseconds(300))
                    try #require(ContinuousClock.now < deadline, "the sender never stalled")
                }
                // Reading stopped with the bound passed by less than one message, plus what the
                // reads already under way complete: NIO reads up to 4 times (maxMessagesPerRead) of
                // at most 64 KiB each per wake-up, each completing at most one 64 KiB message.
                #expect(delivered() <= bound / size + 1 + 4)
                #expect(sent.value < total)
                reading.withLockedValue { $0 = true }
                try await sender.value
                try await eventually(timeout: .seconds(20), "every message arrived") { received.withLockedValue { $0.count } == total }
            }
        }
        let messages = received.withLockedValue { $0 }
        #expect(messages.count == total)
        for (index, bytes) in messages.enumerated() where bytes != message(index) {
            Issue.record("message \(index) arrived out of order or altered")
            break
        }
    }
}
