import Duplex
import NIOCore
import Testing

/// Sends `message` from the global concurrent executor, off the connection's event loop. (A default
/// actor would not do: it runs on the executor the calling task prefers, the loop's.)
private func sendOffTheLoop(_ ws: WebSocket, _ message: WebSocketMessage) async throws {
    try await withTaskExecutorPreference(globalConcurrentExecutor) {
        try await ws.send(message)
    }
}

/// One task's messages keep their order when it sends alternately on the connection's event loop
/// and off it, also while the peer reads slowly, so that the channel keeps becoming unwritable
/// with messages sent off the loop still waiting for it.
@Suite("Send order on and off the loop", .timeLimit(.minutes(2)))
struct SendOrderTests {
    @Test(arguments: [16, 32 << 10])
    func oneTasksMessagesArriveInOrder(size: Int) async throws {
        // Fewer under a sanitizer, whose loops are many times slower; enough to fill the socket still.
        let total = 600 / testSlowdown
        try await ServerHarness.with(configure: { $0.extensions = [] }, decide: { _ in
            .accept { ws in
                for index in 0..<total {
                    var payload = ByteBuffer(repeating: 0x5A, count: size)
                    payload.setInteger(UInt32(index), at: 0)
                    // Runs of five messages off the loop (more than the channel takes before it is
                    // unwritable) and two on it, so that a send on the loop finds earlier ones waiting.
                    if index % 7 < 5 {
                        try await sendOffTheLoop(ws, .binary(payload))
                    } else {
                        try await ws.send(.binary(payload))
                    }
                }
                for await _ in ws.messages {}
            }
        }) { _, port in
            var client = WebSocketClientConfiguration()
            client.extensions = []
            let indices = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                var indices: [Int] = []
                while indices.count < total, case .binary(let payload)? = await ws.receive() {
                    indices.append(Int(payload.getInteger(at: 0, as: UInt32.self) ?? .max))
                    if indices.count % 16 == 0 { try await Task.sleep(for: .milliseconds(10)) }  // a slow reader
                }
                return indices
            }
            #expect(indices == Array(0..<total))
        }
    }
}
