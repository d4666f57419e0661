import Foundation
import Duplex
import NIOConcurrencyHelpers
import NIOCore
import Testing

@Suite("Close codes and shutdown", .timeLimit(.minutes(3)))
struct CloseTests {
    @Test func clientCloseIsReportedOnBothSides() async throws {
        let serverSaw = StatusBox()
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for await _ in ws.messages {}
                serverSaw.set(ws.closeStatus)
            }
        }) { _, port in
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.close(code: CloseCode(4001), reason: "bye")
                return ws.closeStatus
            }
            #expect(status?.code == CloseCode(4001))
        }
        #expect(serverSaw.get() == CloseStatus(code: CloseCode(4001), reason: "bye"))
    }

    @Test func echoOfAMessageBeforeAnInvalidFrameGoesOutBeforeTheClose() async throws {
        // "hi", then a frame with RSV2 set (no extension allows it), masked with 0x01020304, in one write.
        let hi: [UInt8] = [0x81, 0x82, 0x01, 0x02, 0x03, 0x04, UInt8(ascii: "h") ^ 1, UInt8(ascii: "i") ^ 2]
        let invalid: [UInt8] = [0xA1, 0x80, 0x01, 0x02, 0x03, 0x04]
        let echoThenClose1002: [UInt8] = [0x81, 0x02, UInt8(ascii: "h"), UInt8(ascii: "i"), 0x88]
        try await ServerHarness.with { _, port in
            for _ in 0..<20 {
                let answer = try await RawTCP.exchange(
                    port: port, sending: Array(handshakeRequest().utf8) + hi + invalid, timeout: .seconds(30))
                let bytes = Array(answer.readableBytesView)
                let headEnd = bytes.indices.dropFirst(3).first { Array(bytes[($0 - 3)...$0]) == [13, 10, 13, 10] }
                let frames = headEnd.map { Array(bytes[($0 + 1)...]) } ?? []
                #expect(frames.starts(with: echoThenClose1002))
                #expect(frames.count > 7 && frames[6] == 0x03 && frames[7] == 0xEA)
            }
        }
    }

    @Test func serverReturningClosesWith1000() async throws {
        try await ServerHarness.with(decide: { _ in .accept { _ in } }) { _, port in
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                for await _ in ws.messages {}
                return ws.closeStatus
            }
            #expect(status?.code == .normalClosure)
        }
    }

    @Test func vanishedTCPIs1006() async throws {
        try await ServerHarness.with(decide: { _ in .accept(eventHandler: { DropOnOpen() }) }) { _, port in
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                for await _ in ws.messages {}
                return ws.closeStatus
            }
            #expect(status?.code == .abnormalClosure)
        }
    }

    @Test func shutdownSends1001AndKeepsQueuedMessages() async throws {
        let status = try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for await _ in ws.messages {}
            }
        }) { server, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                await server.shutdown()
                for await _ in ws.messages {}
                return ws.closeStatus
            }
        }
        #expect(status?.code == .goingAway)
    }

    @Test func messagesSentBeforeShutdownArrive() async throws {
        let sendsDone = Counter()
        let received = try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for index in 0..<100 { try await ws.send(text: "m\(index)") }
                sendsDone.increment()
                for await _ in ws.messages {}
            }
        }) { server, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                var iterator = ws.messages.makeAsyncIterator()
                var texts = [await iterator.next()]
                try await eventually("the server sent its 100 messages") { sendsDone.value != 0 }
                async let stopping: Void = server.shutdown()
                while let message = await iterator.next() { texts.append(message) }
                await stopping
                return (texts.count, ws.closeStatus?.code)
            }
        }
        #expect(received.0 == 100)
        #expect(received.1 == .goingAway)
    }

    @Test func sendAfterCloseThrows() async throws {
        try await ServerHarness.with { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.close()
                await #expect(throws: (any Error).self) { try await ws.send(text: "late") }
            }
        }
    }

    @Test func cancellingTheClientClosesWith1001() async throws {
        let serverSaw = StatusBox()
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for await _ in ws.messages {}
                serverSaw.set(ws.closeStatus)
            }
        }) { _, port in
            let connected = NIOLockedValueBox(false)
            let client = Task {
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                    connected.withLockedValue { $0 = true }
                    for await _ in ws.messages {}
                }
            }
            try await eventually("the client connected") { connected.withLockedValue { $0 } }
            client.cancel()
            _ = try? await client.value
            try await eventually("the server saw the close") { serverSaw.get() != nil }
        }
        #expect(serverSaw.get()?.code == .goingAway)
    }
}

/// A handler that drops the TCP connection as soon as the WebSocket opens.
final class DropOnOpen: WebSocketEventHandler {
    func onOpen(_ sender: WebSocketLoopSender) {
        sender.abort()
    }
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {}
}

/// A status written by one task and read by another.
final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var status: CloseStatus?
    func set(_ status: CloseStatus?) { lock.withLock { self.status = status } }
    func get() -> CloseStatus? { lock.withLock { status } }
}
