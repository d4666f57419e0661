import Duplex
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@Suite("WebSocketUpgrader and ChannelShouldQuiesceEvent", .timeLimit(.minutes(1)))
struct WebSocketUpgraderTests {
    /// A handshake head to 127.0.0.1:8080 with `headers` on top of Host.
    private func head(_ headers: [(String, String)]) throws -> HandshakeRequest {
        try HandshakeRequest(
            HTTPRequestHead(
                version: .http1_1, method: .GET, uri: "/chat",
                headers: HTTPHeaders([("Host", "127.0.0.1:8080")] + headers)))
    }

    private let valid = [
        ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ]

    @Test func refusalsCarryTheStatusesAndHeadersOfWebSocketServer() throws {
        let upgrader = WebSocketUpgrader()
        func refusal(_ headers: [(String, String)]) throws -> WebSocketUpgradeRefusal? {
            if case .failure(let refusal) = upgrader.validate(try head(headers)) { return refusal }
            return nil
        }
        let wrongVersion = try refusal(valid.map { $0.0 == "Sec-WebSocket-Version" ? ($0.0, "8") : $0 })
        #expect(wrongVersion?.response.status == 426)
        #expect(wrongVersion?.response.headers.first(name: "Sec-WebSocket-Version") == "13")
        let noKey = try refusal(valid.filter { $0.0 != "Sec-WebSocket-Key" })
        #expect(noKey?.response.status == 400)
        #expect(noKey?.reason == .invalidHandshake)
        let foreign = try refusal(valid + [("Origin", "https://evil.example")])
        #expect(foreign?.response.status == 403)
        #expect(foreign?.reason == .origin)
        #expect(try refusal(valid + [("Origin", "http://127.0.0.1:8080")]) == nil)
    }

    @Test func acceptedHeadersLeaveUpgradeAndConnectionToTheServersUpgrader() throws {
        var upgrader = WebSocketUpgrader()
        upgrader.requiredSubprotocols = ["chat"]
        guard case .success(let request) = upgrader.validate(try head(valid + [("Sec-WebSocket-Protocol", "chat")]))
        else {
            Issue.record("a valid handshake was refused")
            return
        }
        let accepted = try upgrader.accept(request, subprotocol: "chat")
        #expect(accepted.headers.first(name: "Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(accepted.headers.first(name: "Sec-WebSocket-Protocol") == "chat")
        #expect(!accepted.headers.contains(name: "Upgrade") && !accepted.headers.contains(name: "Connection"))
        #expect(accepted.response.headers.first(name: "Upgrade") == "websocket")
        #expect(throws: HTTPFieldError.self) { try upgrader.accept(request, subprotocol: "other") }
    }

    @Test func quiesceEventClosesWith1001AndAwaitsThePeersCloseFrame() throws {
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        let handler = CloseRecorder()
        try channel.serveWebSocket(role: .server, eventHandler: handler)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        let frame = try #require(try channel.readOutbound(as: ByteBuffer.self))
        // A close frame (FIN + opcode 8) whose payload starts with 1001 (0x03E9).
        #expect(Array(frame.readableBytesView.prefix(4)) == [0x88, UInt8(frame.readableBytes - 2), 0x03, 0xE9])
        #expect(channel.isActive)
        // The client's masked close frame with 1001 (mask key 0) completes the handshake.
        try channel.writeInbound(ByteBuffer(bytes: [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE9]))
        channel.embeddedEventLoop.run()
        #expect(!channel.isActive)
        #expect(handler.status?.code == .goingAway)
    }
}

/// Remembers how the connection closed.
private final class CloseRecorder: WebSocketEventHandler {
    var status: CloseStatus?
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {}
    func onClose(_ status: CloseStatus) { self.status = status }
}
