import Duplex
import NIOCore
import Testing

/// Frames that arrive right behind the handshake, however the reads split them, and even when the
/// peer closes TCP at once, reach the application.
@Suite("Bytes right behind the handshake", .timeLimit(.minutes(3)))
struct UpgradeLeftoverTests {
    /// Each case runs this many connections, to shake out races between reads and the upgrade.
    private static let repetitions = 50
    private static let hello: [UInt8] = [0x81, 0x05] + Array("hello".utf8)
    private static let close1000: [UInt8] = [0x88, 0x02, 0x03, 0xE8]

    /// Connects to a scripted server and returns the messages received and how the connection ended.
    private func receiveAll(
        delivery: ScriptedWebSocketServer.Delivery, closesAtOnce: Bool, consumerDelay: Duration = .zero
    ) async throws -> ([WebSocketMessage], CloseStatus?) {
        let server = try await ScriptedWebSocketServer.start(
            frames: [Self.hello, Self.close1000], delivery: delivery, closesAtOnce: closesAtOnce)
        defer { server.close(promise: nil) }
        var configuration = WebSocketClientConfiguration()
        configuration.extensions = []
        return try await WebSocket.connect(
            to: "ws://127.0.0.1:\(server.localAddress!.port!)/", configuration: configuration
        ) { ws in
            try await Task.sleep(for: consumerDelay)
            var received: [WebSocketMessage] = []
            for await message in ws.messages { received.append(message) }
            return (received, ws.closeStatus)
        }
    }

    @Test(arguments: ScriptedWebSocketServer.Delivery.allCases, [true, false])
    func clientGetsMessageAndCloseSentWithThe101(
        delivery: ScriptedWebSocketServer.Delivery, closesAtOnce: Bool
    ) async throws {
        for _ in 0..<Self.repetitions {
            let (received, status) = try await receiveAll(delivery: delivery, closesAtOnce: closesAtOnce)
            #expect(received == [.text("hello")])
            #expect(status?.code == .normalClosure)
        }
    }

    @Test func consumerStartingLateStillGetsTheMessage() async throws {
        let (received, status) = try await receiveAll(
            delivery: .oneWrite, closesAtOnce: true, consumerDelay: .milliseconds(100))
        #expect(received == [.text("hello")])
        #expect(status?.code == .normalClosure)
    }
}
