import Duplex
import NIOCore
import Testing

@Suite("Client handshake against fake servers", .timeLimit(.minutes(3)))
struct ClientHandshakeTests {
    private func connect(toServerAnswering response: String) async throws {
        let server = try await FakeServer.start(response: response)
        defer { server.close(promise: nil) }
        let port = server.localAddress!.port!
        try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { _ in }
    }

    @Test func wrongAcceptIsAcceptMismatch() async throws {
        let response =
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        await #expect {
            try await connect(toServerAnswering: response)
        } throws: { error in
            guard case HandshakeError.acceptMismatch(_, let received)? = error as? HandshakeError else { return false }
            return received == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        }
    }

    @Test func notFoundIsUnexpectedStatus() async throws {
        let response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        await #expect {
            try await connect(toServerAnswering: response)
        } throws: { error in
            guard case HandshakeError.unexpectedStatus(let response)? = error as? HandshakeError else { return false }
            return response.status == 404 && response.reason == "Not Found" && response.body.isEmpty
        }
    }

    @Test func missingAcceptHeader() async throws {
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
        await #expect(throws: HandshakeError.missingAcceptHeader) {
            try await connect(toServerAnswering: response)
        }
    }

    @Test func garbageIsMalformed() async throws {
        await #expect {
            try await connect(toServerAnswering: "SSH-2.0-OpenSSH\r\n\r\n")
        } throws: { error in
            guard case HandshakeError.malformedResponse? = error as? HandshakeError else { return false }
            return true
        }
    }

    @Test func silentServerTimesOut() async throws {
        let server = try await FakeServer.start(response: "")
        defer { server.close(promise: nil) }
        var configuration = WebSocketClientConfiguration()
        configuration.handshakeTimeout = .milliseconds(200)
        await #expect(throws: WebSocketError.handshakeTimeout) {
            try await WebSocket.connect(
                to: "ws://127.0.0.1:\(server.localAddress!.port!)/", configuration: configuration
            ) { _ in }
        }
    }

    @Test func invalidURLIsRefused() async throws {
        await #expect(throws: WebSocketError.invalidURL("http://x/")) {
            try await WebSocket.connect(to: "http://x/") { _ in }
        }
    }

    @Test func customHeadersAndOriginAreSent() async throws {
        let seen = try await ServerHarness.with(configure: { $0.originPolicy = .disabled }, decide: { request in
            let summary = [
                request.request.headers.first(name: "Authorization") ?? "-", request.origin ?? "-",
                request.path, request.query ?? "-",
            ].joined(separator: " ")
            return .accept { ws in try await ws.send(text: summary) }
        }) { _, port in
            var configuration = WebSocketClientConfiguration()
            try configuration.headers.add(name: "Authorization", value: "Bearer t")
            configuration.origin = "https://app.example"
            return try await WebSocket.connect(
                to: "ws://127.0.0.1:\(port)/room?id=7", configuration: configuration
            ) { ws in
                var iterator = ws.messages.makeAsyncIterator()
                return await iterator.next()
            }
        }
        #expect(seen == .text("Bearer t https://app.example /room id=7"))
    }
}
