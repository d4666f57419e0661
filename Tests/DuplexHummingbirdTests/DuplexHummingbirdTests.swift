#if Hummingbird
import Duplex
import NIOCore
import Testing

@Suite("Duplex WebSocket routes in a Hummingbird app", .timeLimit(.minutes(1)))
struct DuplexHummingbirdTests {
    private var authorized: WebSocketClientConfiguration {
        var configuration = WebSocketClientConfiguration()
        configuration.headers = (try? HeaderFields([(name: "Authorization", value: "Bearer secret")])) ?? HeaderFields()
        return configuration
    }

    @Test func plainHTTPRoutesKeepWorking() async throws {
        let answer = try await TestApp.answer { port in
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        }
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.hasSuffix("\r\n\r\nok"))
    }

    @Test func aDuplexClientEchoesTextAndBinary() async throws {
        let configuration = authorized
        let echoes = try await TestApp.with { port, _ in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/ws/echo", configuration: configuration) { ws in
                try await ws.send(text: "hello")
                let text = await ws.receive()
                try await ws.send(binary: ByteBuffer(bytes: [0, 1, 2, 255]))
                let binary = await ws.receive()
                return [text, binary, ws.extensions.isEmpty ? nil : .text("compressed")]
            }
        }
        #expect(echoes == [.text("hello"), .binary(ByteBuffer(bytes: [0, 1, 2, 255])), .text("compressed")])
    }

    @Test func middlewareRefusesWithTheAppsResponse() async throws {
        let answer = try await TestApp.answer { port in
            TestApp.handshake(port: port, authorized: false, TestApp.validHandshake)
        }
        #expect(answer.hasPrefix("HTTP/1.1 401 Unauthorized\r\n"))
        #expect(answer.hasSuffix("\r\n\r\ntoken required\n"))
    }

    @Test func anHTTPErrorThrownByMiddlewareBecomesItsResponse() async throws {
        let answer = try await TestApp.answer { port in
            TestApp.handshake(port: port, path: "/banned", TestApp.validHandshake)
        }
        #expect(answer.hasPrefix("HTTP/1.1 403 Forbidden\r\n"))
        #expect(answer.contains("banned"))
    }

    @Test func invalidHandshakesGetDuplexsStatuses() async throws {
        let answers = try await TestApp.with { port, _ in
            let noKey = TestApp.validHandshake.filter { !$0.hasPrefix("Sec-WebSocket-Key") }
            let version8 = TestApp.validHandshake.map { $0.hasPrefix("Sec-WebSocket-Version") ? "Sec-WebSocket-Version: 8" : $0 }
            let foreign = TestApp.validHandshake + ["Origin: https://evil.example"]
            var answers: [String] = []
            for headers in [noKey, version8, foreign, ["Connection: close"]] {
                answers.append(try await RawHTTP.exchange(port: port, TestApp.handshake(port: port, headers)))
            }
            return answers
        }
        #expect(answers[0].hasPrefix("HTTP/1.1 400 "))
        #expect(answers[0].contains("Missing Sec-WebSocket-Key header."))
        #expect(answers[1].hasPrefix("HTTP/1.1 426 "))
        #expect(answers[1].lowercased().contains("\r\nsec-websocket-version: 13\r\n"))
        #expect(answers[2].hasPrefix("HTTP/1.1 403 "))
        #expect(answers[2].hasSuffix("origin not allowed\n"))
        // A plain GET (no Upgrade: NIO's upgrader is not involved) gets the same 426.
        #expect(answers[3].hasPrefix("HTTP/1.1 426 "))
        #expect(answers[3].lowercased().contains("\r\nsec-websocket-version: 13\r\n"))
    }

    @Test func aHandshakeAfterTheFirstRequestOfAConnectionIsRefusedAndClosed() async throws {
        let started = ContinuousClock.now
        let answer = try await TestApp.answer { port in
            "GET /health HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n" + TestApp.handshake(port: port, TestApp.validHandshake)
        }
        // The server closed the connection: RawHTTP did not wait for its 10 s timeout.
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(answer.contains("\r\n\r\nokHTTP/1.1 400 Bad Request\r\n"))
        #expect(answer.hasSuffix("a WebSocket handshake must be the first request on its connection\n"))
    }

    @Test func serviceGroupShutdownClosesOpenWebSocketsWith1001() async throws {
        let configuration = authorized
        let status = try await TestApp.with { port, group in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/ws/echo", configuration: configuration) { ws in
                try await ws.send(text: "before shutdown")
                _ = await ws.receive()
                await group.triggerGracefulShutdown()
                while await ws.receive() != nil {}
                return ws.closeStatus
            }
        }
        #expect(status?.code == .goingAway)
    }
}
#endif
