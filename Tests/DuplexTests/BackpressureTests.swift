import Duplex
import Foundation
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
}
