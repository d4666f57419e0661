import Duplex
import NIOCore
import Testing

/// State an application keeps on the main actor: not `Sendable`, so the compiler refuses to let it
/// cross into another isolation domain.
private final class ChatLog {
    var lines: [String] = []
}

/// A `@MainActor` caller as an app writes one (the echo server answers the streamed message whole,
/// so it comes back as one chunk). That this file compiles in Swift 6 language mode,
/// with no "sending value of non-Sendable type" error or warning, is the test of
/// ``WebSocket/connect(to:configuration:eventLoopGroup:isolation:_:)``'s isolation; running it
/// checks that the body stays on the main actor.
@MainActor
private func chat(port: Int) async throws -> [String] {
    let log = ChatLog()
    return try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
        MainActor.assertIsolated()
        try await ws.send(.text("hello from the main actor"))
        try await ws.send(.text("compressed or not"), compression: .never)
        _ = try await ws.ping()
        try await ws.send(.text, chunks: AsyncStream { chunks in
            chunks.yield(ByteBuffer(string: "stream"))
            chunks.yield(ByteBuffer(string: "ed"))
            chunks.finish()
        })
        for await message in ws.messages {
            MainActor.assertIsolated()
            if case .text(let text) = message { log.lines.append(text) }
            if log.lines.count == 2 { break }
        }
        if let streamed = await ws.receiveStreaming() {
            for try await chunk in streamed { log.lines.append(String(buffer: chunk)) }
        }
        return log.lines
    }
}

/// The reconnecting `connect` from the main actor: `body` returning ends it (nothing is retried).
@MainActor
private func chatWithReconnect(port: Int) async throws -> [String] {
    let log = ChatLog()
    try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", reconnect: ReconnectPolicy()) { ws in
        MainActor.assertIsolated()
        try await ws.send(.text("reconnecting from the main actor"))
        if case .text(let text)? = await ws.receive() { log.lines.append(text) }
    }
    return log.lines
}

@Suite("Use from the main actor", .timeLimit(.minutes(1)))
struct MainActorUseTests {
    @Test func connectMessagesAndSendWorkFromMainActorCode() async throws {
        let lines = try await ServerHarness.with { _, port in try await chat(port: port) }
        #expect(lines == ["hello from the main actor", "compressed or not", "streamed"])
    }

    @Test func theReconnectingConnectWorksFromMainActorCode() async throws {
        let lines = try await ServerHarness.with { _, port in try await chatWithReconnect(port: port) }
        #expect(lines == ["reconnecting from the main actor"])
    }
}
