import Foundation
import Duplex
import NIOCore
import Testing

@Suite("Server handshake over a real socket", .timeLimit(.minutes(3)))
struct ServerHandshakeTests {
    private func answer(to request: String, configure: (inout WebSocketServerConfiguration) -> Void = { _ in })
        async throws -> String
    {
        try await ServerHarness.with(configure: configure) { _, port in
            try await RawTCP.exchange(port: port, sending: request)
        }
    }

    @Test func validRequestGets101WithAccept() async throws {
        let response = try await answer(to: handshakeRequest())
        #expect(statusCode(response) == 101)
        #expect(hasHeader(response, "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
    }

    @Test func plainGetGets426WithVersion() async throws {
        let response = try await answer(to: "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        #expect(statusCode(response) == 426)
        #expect(hasHeader(response, "Sec-WebSocket-Version", "13"))
    }

    @Test func wrongVersionGets426WithVersion() async throws {
        let request = handshakeRequest().replacingOccurrences(
            of: "Sec-WebSocket-Version: 13", with: "Sec-WebSocket-Version: 8")
        let response = try await answer(to: request)
        #expect(statusCode(response) == 426)
        #expect(hasHeader(response, "Sec-WebSocket-Version", "13"))
    }

    @Test func postGets405() async throws {
        let request = handshakeRequest().replacingOccurrences(of: "GET /", with: "POST /")
        #expect(statusCode(try await answer(to: request)) == 405)
    }

    @Test func missingKeyGets400() async throws {
        let request = handshakeRequest().replacingOccurrences(
            of: "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", with: "")
        #expect(statusCode(try await answer(to: request)) == 400)
    }

    @Test func badKeyGets400() async throws {
        let request = handshakeRequest().replacingOccurrences(
            of: "dGhlIHNhbXBsZSBub25jZQ==", with: "c2hvcnQ=")
        #expect(statusCode(try await answer(to: request)) == 400)
    }

    @Test func missingHostGets400() async throws {
        let request = handshakeRequest().replacingOccurrences(of: "Host: 127.0.0.1\r\n", with: "")
        #expect(statusCode(try await answer(to: request)) == 400)
    }

    @Test func http10GetsRefused() async throws {
        let request = handshakeRequest().replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0")
        let status = try #require(statusCode(try await answer(to: request)))
        #expect(status == 505 || status == 400)
    }

    @Test func foreignOriginGets403() async throws {
        let response = try await answer(to: handshakeRequest(extraHeaders: "Origin: https://evil.example\r\n"))
        #expect(statusCode(response) == 403)
    }

    @Test func sameOriginPasses() async throws {
        let response = try await answer(to: handshakeRequest(extraHeaders: "Origin: http://127.0.0.1\r\n"))
        #expect(statusCode(response) == 101)
    }

    @Test func allowListedOriginPasses() async throws {
        let response = try await answer(
            to: handshakeRequest(extraHeaders: "Origin: https://app.example\r\n"),
            configure: { $0.originPolicy = .sameOrigin(allowing: ["https://app.example"]) })
        #expect(statusCode(response) == 101)
    }

    @Test func applicationRejectionIsSent() async throws {
        let response = try await ServerHarness.with(decide: { _ in .reject(.unauthorized, body: "no\n") }) { _, port in
            try await RawTCP.exchange(port: port, sending: handshakeRequest())
        }
        #expect(statusCode(response) == 401)
        #expect(response.hasSuffix("\r\n\r\nno\n"))
    }

    @Test func routerAnswers404OffItsPathsAnd426OnThem() async throws {
        let router = WebSocketRouter().adding("/chat", ServerHarness.echo)
        try await ServerHarness.with(router: router) { port in
            let elsewhere = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/other"))
            #expect(statusCode(elsewhere) == 404)
            let plain = try await RawTCP.exchange(port: port, sending: "GET /chat HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(statusCode(plain) == 426)
            let upgrade = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/chat?x=1"))
            #expect(statusCode(upgrade) == 101)
        }
    }

    @Test("decide sees the peer's address and the decoded query items")
    func upgradeRequestHasPeerAddressAndQueryItems() async throws {
        let (seen, sink) = AsyncStream.makeStream(of: UpgradeRequest.self)
        try await ServerHarness.with(decide: { request in
            sink.yield(request)
            return .reject(.forbidden)
        }) { _, port in
            let answer = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/chat?room=a%20b&flag&n=%zz"))
            #expect(statusCode(answer) == 403)
        }
        var requests = seen.makeAsyncIterator()
        let request = try #require(await requests.next())
        #expect(request.remoteAddress?.ipAddress == "127.0.0.1")
        #expect((request.remoteAddress?.port ?? 0) > 0)
        #expect(
            request.queryItems == [
                QueryItem(name: "room", value: "a b"), QueryItem(name: "flag", value: nil), QueryItem(name: "n", value: "%zz"),
            ])
        #expect(request.queryValue(named: "room") == "a b")
    }

    @Test func plainHTTPHandlerServesPages() async throws {
        let response = try await answer(to: "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n") {
            $0.httpHandler = { request in
                PlainHTTPResponse.text("page \(request.target)")
            }
        }
        #expect(statusCode(response) == 200)
        #expect(response.hasSuffix("page /index.html"))
    }

    @Test func oversizedHeaderBlockGets431AndServerKeepsServing() async throws {
        try await ServerHarness.with { _, port in
            let padding = (0..<2000).map { "X-Pad-\($0): \(String(repeating: "a", count: 90))\r\n" }.joined()
            let huge = try await RawTCP.exchange(port: port, sending: handshakeRequest(extraHeaders: padding))
            #expect(padding.utf8.count > 190_000)
            #expect(statusCode(huge) == 431)
            let next = try await RawTCP.exchange(port: port, sending: handshakeRequest())
            #expect(statusCode(next) == 101)
        }
    }

    @Test func silentClientIsDroppedAfterHandshakeTimeout() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        // The client would give up after a minute: an empty answer well before that is the server's drop.
        let answer = try await ServerHarness.with(configure: { $0.handshakeTimeout = .milliseconds(200) }) { _, port in
            try await RawTCP.exchange(port: port, sending: Array("GET / HTTP/1.1\r\n".utf8), timeout: .seconds(60))
        }
        let elapsed = clock.now - start
        #expect(answer.readableBytes == 0)
        #expect(elapsed >= .milliseconds(200))
        #expect(elapsed < .seconds(30))
    }

    @Test func frameAndClosePipelinedWithHandshakeAreNotLost() async throws {
        // A masked text frame "hi" and a masked close 1000 (mask 0x01020304) right behind the request,
        // in one write; repeated to shake out races with the upgrade.
        let frame: [UInt8] = [0x81, 0x82, 0x01, 0x02, 0x03, 0x04, UInt8(ascii: "h") ^ 1, UInt8(ascii: "i") ^ 2]
        let close: [UInt8] = [0x88, 0x82, 0x01, 0x02, 0x03, 0x04, 0x03 ^ 1, 0xE8 ^ 2]
        let closeReply: [UInt8] = [0x88, 0x02, 0x03, 0xE8]
        let (sessions, sink) = AsyncStream.makeStream(of: ([WebSocketMessage], CloseStatus?).self)
        let record: @Sendable (UpgradeRequest) async -> UpgradeDecision = { _ in
            .accept { ws in
                var received: [WebSocketMessage] = []
                for await message in ws.messages { received.append(message) }
                sink.yield((received, ws.closeStatus))
            }
        }
        try await ServerHarness.with(decide: record) { _, port in
            var recorded = sessions.makeAsyncIterator()
            for _ in 0..<50 {
                // The exchange ends when the server closes TCP after its close frame.
                let answer = try await RawTCP.exchange(
                    port: port, sending: Array(handshakeRequest().utf8) + frame + close, timeout: .seconds(30))
                let bytes = Array(answer.readableBytesView)
                #expect(statusCode(String(decoding: bytes, as: UTF8.self)) == 101)
                #expect(bytes.ends(with: closeReply))
                let session = await recorded.next()
                #expect(session?.0 == [.text("hi")])
                #expect(session?.1?.code == .normalClosure)
            }
        }
    }
}

extension Array where Element: Equatable {
    /// Whether the array's last elements are `suffix`.
    func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
