import Duplex
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Every limit of the server, over real sockets, at a small setting.
@Suite("Server limits", .timeLimit(.minutes(3)))
struct LimitsTests {
    @Test func headerBlockPastTheLimitGets431AndTheServerKeepsServing() async throws {
        try await ServerHarness.with(configure: { $0.maxRequestHeadSize = 1024 }) { _, port in
            let padding = "X-Padding: \(String(repeating: "a", count: 2000))\r\n"
            let answer = try await RawTCP.exchange(port: port, sending: handshakeRequest(extraHeaders: padding))
            #expect(statusCode(answer) == 431)
            let next = try await RawTCP.exchange(port: port, sending: handshakeRequest())
            #expect(statusCode(next) == 101)
        }
    }

    @Test func slowlorisTricklingHeaderBytesIsDroppedAtTheTotalDeadline() async throws {
        try await ServerHarness.with(configure: { $0.handshakeTimeout = .milliseconds(500) }) { _, port in
            // The server's deadline starts when it accepts, which may be before connect returns.
            let started = ContinuousClock.now
            let client = try await RawWebSocketClient.connect(port: port)
            // One byte every 50 ms: each read resets no timer, so the deadline holds.
            for byte in Array(handshakeRequest(extraHeaders: "X-Slow: \(String(repeating: "s", count: 200))\r\n").utf8) {
                if client.isClosed { break }
                try? await client.write([byte])
                try await Task.sleep(for: .milliseconds(50))
            }
            try await client.waitForClose(timeout: .seconds(10))
            // A deadline reset by each read would keep the connection for the whole 17 s trickle;
            // the bound leaves room for a loaded machine.
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(450) && elapsed < .seconds(8))
        }
    }

    @Test func silentClientIsDroppedAtTheDeadline() async throws {
        try await ServerHarness.with(configure: { $0.handshakeTimeout = .milliseconds(300) }) { server, port in
            // (Not waiting to see the connection counted: with a 300 ms deadline it may be gone
            // before a loaded machine polls.)
            let client = try await RawWebSocketClient.connect(port: port)
            try await client.waitForClose(timeout: .seconds(2))
            try await eventually { server.connectionCount == 0 }
        }
    }

    @Test func connectionsPastTheLimitGet503UntilOneCloses() async throws {
        try await ServerHarness.with(configure: { $0.maxConnections = 2 }) { server, port in
            let first = try await RawWebSocketClient.upgraded(port: port)
            let second = try await RawWebSocketClient.upgraded(port: port)
            #expect(server.connectionCount == 2)
            let third = try await RawWebSocketClient.connect(port: port)
            try await third.write(Array(handshakeRequest().utf8))
            let refusal = try await third.waitForResponse()
            #expect(statusCode(refusal) == 503)
            #expect(refusal.hasSuffix("server at its connection limit\n"))
            #expect(server.connectionCount == 2)

            await first.close()
            try await eventually { server.connectionCount == 1 }
            let fourth = try await RawWebSocketClient.upgraded(port: port)
            #expect(server.connectionCount == 2)
            await second.close()
            await fourth.close()
            try await eventually { server.connectionCount == 0 }
        }
    }

    @Test func frameLargerThanMaxFrameSizeIsClosedWith1009FromItsHeader() async throws {
        try await ServerHarness.with(configure: { $0.session.connection.maxFrameSize = 1024 }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            // Only the header of a 1 MiB frame: the server must not wait for the payload.
            try await client.write(Array(clientFrame(opcode: 0x2, payload: [UInt8](repeating: 1, count: 1 << 20)).prefix(14)))
            try await client.waitForFrames { $0.last?.closeCode == 1009 }
            try await client.waitForClose()
        }
    }

    @Test func messageLargerThanMaxMessageSizeIsClosedWith1009() async throws {
        try await ServerHarness.with(configure: { $0.session.connection.maxMessageSize = 1000 }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            var bytes = clientFrame(opcode: 0x2, payload: [UInt8](repeating: 7, count: 600), isFinal: false)
            bytes += clientFrame(opcode: 0x0, payload: [UInt8](repeating: 7, count: 600))
            try await client.write(bytes)
            try await client.waitForFrames { $0.last?.closeCode == 1009 }
            try await client.waitForClose()
        }
    }

    @Test func decompressedSizePastMaxMessageSizeIsClosedWith1009() async throws {
        try await ServerHarness.with(configure: { $0.session.connection.maxMessageSize = 64 << 10 }) { _, port in
            // 8 MiB of zeros compresses to a few KiB: a small frame that inflates past the limit.
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                #expect(!ws.extensions.isEmpty)
                // The server may close before the send returns.
                try? await ws.send(binary: ByteBuffer(repeating: 0, count: 8 << 20))
                for await _ in ws.messages {}
                return ws.closeStatus
            }
            #expect(status?.code == .messageTooBig)
        }
    }

    @Test func outboundCapKeepsMemoryBoundedForAPeerThatStopsReading() async throws {
        let ended = StatusBox()
        let accepted = NIOLockedValueBox(0)
        try await ServerHarness.with(
            configure: { $0.session.maxQueuedOutboundBytes = 1 << 20 },
            decide: { _ in .accept(eventHandler: { BulkSender(ended: ended, accepted: accepted) }) }
        ) { _, port in
            let client = try await RawWebSocketClient.connect(port: port, autoRead: false)
            try await client.write(Array(handshakeRequest().utf8))
            try await eventually(timeout: .seconds(10)) { ended.get() != nil }
            await client.close()
        }
        #expect(ended.get()?.code == .policyViolation)
        // The handler tried to queue 512 MiB; the connection took only what the kernel's socket
        // buffers and the 1 MiB cap hold, and refused the rest once it failed.
        #expect(accepted.withLockedValue { $0 } * (256 << 10) < 32 << 20)
    }
}

/// Tries to send 512 MiB at once (2 048 messages of 256 KiB), counts the sends the connection
/// took, and records how the connection ended.
final class BulkSender: WebSocketEventHandler {
    let ended: StatusBox
    let accepted: NIOLockedValueBox<Int>
    init(ended: StatusBox, accepted: NIOLockedValueBox<Int>) {
        self.ended = ended
        self.accepted = accepted
    }

    func onOpen(_ sender: WebSocketLoopSender) {
        let chunk = ByteBuffer(repeating: 0x42, count: 256 << 10)
        sender.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(20)) { [accepted] in
            for _ in 0..<2048 {
                guard (try? sender.send(.binary(chunk))) != nil else { continue }
                accepted.withLockedValue { $0 += 1 }
            }
        }
    }
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {}
    func onClose(_ status: CloseStatus) { ended.set(status) }
}
