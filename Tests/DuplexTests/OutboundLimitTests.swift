import Duplex
import Foundation
import NIOCore
import NIOPosix
import Testing

/// Sends 32 MiB as soon as the connection opens and records how the connection ended.
final class Flooder: WebSocketEventHandler {
    let ended: StatusBox
    init(ended: StatusBox) { self.ended = ended }

    func onOpen(_ sender: WebSocketLoopSender) {
        let chunk = ByteBuffer(repeating: 0x5A, count: 256 << 10)
        sender.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(50)) {
            for _ in 0..<128 { try? sender.send(.binary(chunk)) }
        }
    }
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {}
    func onClose(_ status: CloseStatus) { ended.set(status) }
}

@Suite("Outbound queue limit", .timeLimit(.minutes(3)))
struct OutboundLimitTests {
    @Test func peerThatNeverReadsIsClosedWith1008() async throws {
        let ended = StatusBox()
        try await ServerHarness.with(
            configure: { $0.session.maxQueuedOutboundBytes = 1 << 20 },
            decide: { _ in .accept(eventHandler: { Flooder(ended: ended) }) }
        ) { _, port in
            // A client that sends the handshake and never reads.
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.autoRead, value: false)
                .connect(host: "127.0.0.1", port: port).get()
            try await channel.writeAndFlush(ByteBuffer(string: handshakeRequest()))
            try await eventually("the connection ended") { ended.get() != nil }
            try? await channel.close()
        }
        #expect(ended.get() == CloseStatus(code: .policyViolation, reason: "peer not reading"))
    }
}
