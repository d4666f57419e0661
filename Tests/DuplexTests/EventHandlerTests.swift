import Duplex
import NIOCore
import Testing

/// Echoes on the event loop and counts what it saw.
final class LoopEcho: WebSocketEventHandler {
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {
        try? sender.send(message)
    }
}

/// Greets on open, then closes with 4000 when told "bye".
final class Greeter: WebSocketEventHandler {
    func onOpen(_ sender: WebSocketLoopSender) {
        try? sender.send(.text("welcome"))
    }
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {
        if message == .text("bye") { try? sender.close(code: CloseCode(4000), reason: "done") }
    }
}

@Suite("Event-loop handlers", .timeLimit(.minutes(3)))
struct EventHandlerTests {
    @Test func loopHandlerEchoes() async throws {
        try await ServerHarness.with(decide: { _ in .accept(eventHandler: { LoopEcho() }) }) { _, port in
            let echoed = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                for index in 0..<50 { try await ws.send(text: "n\(index)") }
                var received: [WebSocketMessage] = []
                for await message in ws.messages {
                    received.append(message)
                    if received.count == 50 { break }
                }
                return received
            }
            #expect(echoed == (0..<50).map { .text("n\($0)") })
        }
    }

    @Test func loopHandlerGreetsAndCloses() async throws {
        try await ServerHarness.with(decide: { _ in .accept(eventHandler: { Greeter() }) }) { _, port in
            let (first, status) = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                var iterator = ws.messages.makeAsyncIterator()
                let first = await iterator.next()
                try await ws.send(text: "bye")
                while await iterator.next() != nil {}
                return (first, ws.closeStatus)
            }
            #expect(first == .text("welcome"))
            #expect(status == CloseStatus(code: CloseCode(4000), reason: "done"))
        }
    }
}
