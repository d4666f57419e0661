#if Vapor
import Duplex
import NIOCore
import Testing

@Suite("Duplex WebSocket routes in a Vapor app", .timeLimit(.minutes(1)))
struct DuplexVaporTests {
    @Test func plainHTTPRoutesKeepWorking() async throws {
        let answer = try await TestApp.with { port, _ in
            try await RawHTTP.exchange(port: port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.hasSuffix("\r\n\r\nok"))
    }

    @Test func aDuplexClientEchoesTextBinaryLargeAndCompressedMessages() async throws {
        let large = ByteBuffer(bytes: (0..<(16 << 20)).lazy.map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) })
        let (echoes, extensions) = try await TestApp.with { port, _ in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/ws/echo", configuration: TestApp.authorized) { ws in
                try await ws.send(text: "hello")
                let text = await ws.receive()
                try await ws.send(binary: ByteBuffer(bytes: [0, 1, 2, 255]))
                let binary = await ws.receive()
                try await ws.send(binary: large)
                let echoedLarge = await ws.receive()
                try await ws.send(text: String(repeating: "compressible ", count: 1000))
                let compressed = await ws.receive()
                return ([text, binary, echoedLarge, compressed], ws.extensions.map(\.responseElement.name))
            }
        }
        #expect(echoes[0] == .text("hello"))
        #expect(echoes[1] == .binary(ByteBuffer(bytes: [0, 1, 2, 255])))
        #expect(echoes[2] == .binary(large))
        #expect(echoes[3] == .text(String(repeating: "compressible ", count: 1000)))
        #expect(extensions == ["permessage-deflate"])
    }

    @Test func routeParametersReachTheHandlerAndReturningClosesWith1000() async throws {
        let (room, status) = try await TestApp.with { port, _ in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/ws/rooms/lobby", configuration: TestApp.authorized) { ws in
                let room = await ws.receive()
                while await ws.receive() != nil {}
                return (room, ws.closeStatus)
            }
        }
        #expect(room == .text("lobby"))
        #expect(status?.code == .normalClosure)
    }

    @Test func aThrowingHandlerClosesWith1011() async throws {
        let status = try await TestApp.with { port, _ in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/ws/failing", configuration: TestApp.authorized) { ws in
                while await ws.receive() != nil {}
                return ws.closeStatus
            }
        }
        #expect(status?.code == .internalError)
    }

    @Test func middlewareRefusesWithTheAppsResponse() async throws {
        let error = try await TestApp.with { port, _ in
            await Self.failure(connecting: "ws://127.0.0.1:\(port)/ws/echo")
        }
        guard case HandshakeError.unexpectedStatus(let response)? = error as? HandshakeError else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(response.status == 401)
        #expect(response.body == "token required\n")
    }

    @Test func anAbortThrownByMiddlewareBecomesItsResponse() async throws {
        var banned = RawHandshake.valid
        banned.path = "/banned"
        let answer = try await TestApp.answer(to: banned)
        #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(answer.contains("banned"))
    }

    /// An invalid handshake and what Duplex's own server answers it with.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let testDescription: String
        let handshake: RawHandshake
        let status: Int
        /// A part of the answer (compared lowercased).
        let fragment: String
    }

    static let refusals = [
        Refusal(
            testDescription: "no Sec-WebSocket-Key", handshake: .valid.with("Sec-WebSocket-Key", nil),
            status: 400, fragment: "Missing Sec-WebSocket-Key header."),
        Refusal(
            testDescription: "version 8", handshake: .valid.with("Sec-WebSocket-Version", "8"),
            status: 426, fragment: "\r\nSec-WebSocket-Version: 13\r\n"),
        Refusal(
            testDescription: "a foreign Origin", handshake: .valid.with("Origin", "https://evil.example"),
            status: 403, fragment: "\r\n\r\norigin not allowed\n"),
        Refusal(
            testDescription: "a plain GET", handshake: RawHandshake(fields: [:]),
            status: 426, fragment: "\r\nSec-WebSocket-Version: 13\r\n"),
    ]

    @Test(arguments: refusals) func anInvalidHandshakeGetsDuplexsStatus(_ refusal: Refusal) async throws {
        let answer = try await TestApp.answer(to: refusal.handshake)
        #expect(answer.hasPrefix("HTTP/1.1 \(refusal.status) "))
        #expect(answer.lowercased().contains(refusal.fragment.lowercased()))
    }

    @Test func aValidHandshakeGetsOne101WithEachHeaderOnceAndTheMiddlewaresHeaders() async throws {
        let head = try await TestApp.answer(to: .valid).lowercased()
        #expect(head.hasPrefix("http/1.1 101 switching protocols\r\n"))
        #expect(head.components(separatedBy: "\r\nupgrade: websocket\r\n").count == 2)
        #expect(head.components(separatedBy: "\r\nconnection: upgrade\r\n").count == 2)
        #expect(head.contains("\r\nsec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n"))
        #expect(head.contains("\r\nx-authenticated: yes\r\n"))
        #expect(!head.contains("content-length"))
        #expect(!head.contains("keep-alive"))
    }

    @Test func aLaterRequestOfAKeptAliveConnectionCanUpgrade() async throws {
        let answer = try await TestApp.with { port, _ in
            let health = "GET /health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n"
            return try await RawHTTP.exchange(port: port, health + RawHandshake.valid.request(port: port), responses: 2)
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("\r\n\r\nokHTTP/1.1 101 Switching Protocols\r\n"))
    }

    @Test func applicationShutdownClosesOpenWebSocketsWith1001() async throws {
        let (status, shutdownTook) = try await TestApp.with { port, app in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/ws/echo", configuration: TestApp.authorized) { ws in
                try await ws.send(text: "before shutdown")
                _ = await ws.receive()
                let started = ContinuousClock.now
                async let shutdown: Void = app.asyncShutdown()
                while await ws.receive() != nil {}
                try await shutdown
                return (ws.closeStatus, ContinuousClock.now - started)
            }
        }
        #expect(status?.code == .goingAway)
        // Vapor waited for the close handshake, not for its 10 s shutdown timeout.
        #expect(shutdownTook < .seconds(5))
    }

    private static func failure(connecting url: String) async -> (any Error)? {
        do {
            try await WebSocket.connect(to: url) { _ in }
            return nil
        } catch {
            return error
        }
    }
}
#endif
