import Duplex
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// Values that would inject bytes into an HTTP head are refused where they enter: the client
/// throws ``HTTPFieldError`` before it connects, the server answers 500 when the application's
/// answer holds one and 400 when a request does, and neither echoes the bytes.
@Suite("Validation of values that reach the wire", .timeLimit(.minutes(1)))
struct FieldValidationTests {
    /// A listener on 127.0.0.1 that only counts the connections it accepts.
    final class ConnectionCounter: Sendable {
        let channel: any Channel
        private let count: NIOLockedValueBox<Int>

        init() async throws {
            let count = NIOLockedValueBox(0)
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    count.withLockedValue { $0 += 1 }
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                .bind(host: "127.0.0.1", port: 0).get()
            self.count = count
        }

        var port: Int { channel.localAddress?.port ?? 0 }
        var accepted: Int { count.withLockedValue { $0 } }
    }

    static let injection = "1\r\nX-Injected: yes"

    // MARK: client

    static let clientCases: [(label: String, url: String, configure: @Sendable (inout WebSocketClientConfiguration) throws -> Void, field: String)] = [
        ("CR LF in the URL's target", "/a\r\nX-Injected: yes", { _ in }, "URL"),
        ("space in the URL's target", "/a b", { _ in }, "URL"),
        ("non-ASCII in the URL's target", "/é", { _ in }, "URL"),
        ("CR LF in the origin", "/", { $0.origin = "https://a\r\nX-Injected: yes" }, "header Origin"),
        ("CR LF in a subprotocol", "/", { $0.subprotocols = ["chat", "a\r\nX-Injected: yes"] }, "subprotocol 2"),
    ]

    @Test("connect throws HTTPFieldError naming the field and opens no connection", arguments: 0..<5)
    func clientRefusesBeforeConnecting(_ index: Int) async throws {
        let testCase = Self.clientCases[index]
        let counter = try await ConnectionCounter()
        var configuration = WebSocketClientConfiguration()
        try testCase.configure(&configuration)
        let error = await #expect(throws: HTTPFieldError.self, "\(testCase.label)") {
            try await WebSocket.connect(
                to: "ws://127.0.0.1:\(counter.port)\(testCase.url)", configuration: configuration) { _ in }
        }
        #expect(error?.field == testCase.field)
        #expect(error.map { !$0.description.contains("X-Injected") && !$0.description.contains("\r") } == true)
        try await expectNoConnectionWasMade(to: counter)
    }

    @Test("a header name or value with CR LF cannot even be put in the configuration")
    func clientHeadersCannotHoldInjection() async throws {
        var configuration = WebSocketClientConfiguration()
        #expect(throws: HTTPFieldError(field: "header X-A", rule: .controlCharacter)) {
            try configuration.headers.add(name: "X-A", value: Self.injection)
        }
        #expect(throws: HTTPFieldError(field: "header name 1", rule: .notAToken)) {
            try configuration.headers.add(name: "X-A\r\nX-Injected", value: "yes")
        }
        #expect(configuration.headers.fields.isEmpty)
    }

    /// Connects once with a raw client, to show that the listener would have counted a
    /// connection, and checks that it was the only one.
    private func expectNoConnectionWasMade(to counter: ConnectionCounter) async throws {
        _ = try await RawTCP.exchange(port: counter.port, sending: [], timeout: .milliseconds(50))
        let deadline = ContinuousClock.now + .seconds(5)
        while counter.accepted < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(counter.accepted == 1)
        try await counter.channel.close()
    }

    @Test("a response head with a control character in a value fails the handshake as malformed")
    func clientRefusesInvalidResponseField() async throws {
        let server = try await FakeServer.start(
            response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: x\r\nX-Bad: a\u{01}b\r\n\r\n")
        let port = server.localAddress?.port ?? 0
        let error = await #expect(throws: HandshakeError.self) {
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { _ in }
        }
        guard case .malformedResponse(let detail) = error else {
            Issue.record("expected malformedResponse, got \(String(describing: error))")
            return
        }
        #expect(!detail.contains("\u{01}"))
        try await server.close()
    }

    // MARK: server

    @Test("a decide closure that throws HTTPFieldError gets 500, logged by field; the next connection is served")
    func decideThrowingGets500() async throws {
        let log = RecordingLog()
        let response = try await ServerHarness.with(
            configure: { $0.logger = log.logger(level: .error) },
            decide: { request in
                var headers = HeaderFields()
                if request.path == "/bad" { try headers.add(name: "X-A", value: Self.injection) }
                return .accept(headers: headers) { ws in try await ws.close() }
            }
        ) { _, port in
            let bad = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/bad"))
            let good = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/good"))
            return (bad, good)
        }
        #expect(response.0.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
        #expect(!response.0.contains("X-Injected"))
        #expect(statusCode(response.1) == 101)
        let errors = log.records.filter { $0.level == .error }
        #expect(errors.contains { $0.message.contains("header X-A") && $0.metadata["duplex.field"] == "header X-A" })
        #expect(!log.records.contains { "\($0.message) \($0.metadata)".contains("X-Injected") })
    }

    @Test("a route that throws any error gets 500; the next connection is served")
    func routeThrowingGets500() async throws {
        struct AppFailure: Error {}
        let router = WebSocketRouter()
            .adding("/bad") { _ in throw AppFailure() }
            .adding("/good", ServerHarness.echo)
        try await ServerHarness.with(router: router) { port in
            let bad = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/bad"))
            #expect(statusCode(bad) == 500)
            let good = try await RawTCP.exchange(port: port, sending: handshakeRequest(path: "/good"))
            #expect(statusCode(good) == 101)
        }
    }

    @Test("an httpHandler that throws gets 500 without the bytes; the next request is served")
    func httpHandlerThrowingGets500() async throws {
        try await ServerHarness.with(configure: { configuration in
            configuration.httpHandler = { request in
                var headers = HeaderFields()
                if request.target == "/bad" { try headers.add(name: "X-A", value: Self.injection) }
                return PlainHTTPResponse.text("page", headers: headers)
            }
        }) { _, port in
            let bad = try await RawTCP.exchange(port: port, sending: "GET /bad HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(bad.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
            #expect(!bad.contains("X-Injected"))
            let good = try await RawTCP.exchange(port: port, sending: "GET /good HTTP/1.1\r\nHost: h\r\n\r\n")
            #expect(statusCode(good) == 200)
            #expect(good.hasSuffix("page"))
        }
    }

    @Test("a request with a control byte in a header value, or a target not in origin-form, gets 400")
    func invalidRequestFieldGets400() async throws {
        try await ServerHarness.with { _, port in
            let control = try await RawTCP.exchange(port: port, sending: handshakeRequest(extraHeaders: "X-Bad: a\u{01}b\r\n"))
            #expect(statusCode(control) == 400)
            #expect(!control.contains("\u{01}"))
            let absolute = try await RawTCP.exchange(
                port: port, sending: handshakeRequest(path: "http://127.0.0.1/"))
            #expect(statusCode(absolute) == 400)
            let next = try await RawTCP.exchange(port: port, sending: handshakeRequest())
            #expect(statusCode(next) == 101)
        }
    }

    @Test("spaces and tabs around a received value are optional whitespace, not part of it: still 101")
    func surroundingWhitespaceInRequestIsAccepted() async throws {
        try await ServerHarness.with { _, port in
            let padded = try await RawTCP.exchange(
                port: port, sending: handshakeRequest(extraHeaders: "X-Padded: \t a b \t\r\nX-Empty:\r\n"))
            #expect(statusCode(padded) == 101)
        }
    }

    @Test("HTTPStatus refuses a code outside 100...999 and a reason phrase with CR LF")
    func statusValidation() {
        #expect(throws: HTTPFieldError(field: "status code", rule: .statusCodeOutOfRange)) {
            try HTTPStatus(code: 42, reason: "Odd")
        }
        #expect(throws: HTTPFieldError(field: "reason phrase", rule: .controlCharacter)) {
            try HTTPStatus(code: 403, reason: "No\r\nX-Injected: yes")
        }
        #expect((try? HTTPStatus(code: 418, reason: "I'm a teapot"))?.code == 418)
    }
}
