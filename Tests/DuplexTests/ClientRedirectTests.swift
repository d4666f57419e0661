import Duplex
import NIOCore
import Testing

@Suite("Client: refusals carry what the server said; redirects are followed", .timeLimit(.minutes(1)))
struct ClientRedirectTests {
    private func redirect(_ code: Int, to location: String) throws -> UpgradeDecision {
        .reject(try HTTPStatus(code: code, reason: "Redirect"), headers: try HeaderFields([("Location", location)]))
    }

    /// The error a connect to `url` failed with.
    private func failure(connecting url: String, _ configuration: WebSocketClientConfiguration = .init()) async -> (any Error)? {
        do {
            try await WebSocket.connect(to: url, configuration: configuration) { _ in }
            return nil
        } catch {
            return error
        }
    }

    @Test func aRefusalCarriesItsStatusHeadersAndBody() async throws {
        let error = try await ServerHarness.with(decide: { _ in
            .reject(.unauthorized, headers: try HeaderFields([("WWW-Authenticate", "Bearer realm=\"chat\"")]),
                    body: "token expired\nsign in again")
        }) { _, port in await failure(connecting: "ws://127.0.0.1:\(port)/") }
        guard case HandshakeError.unexpectedStatus(let response)? = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(response.status == 401)
        #expect(response.reason == "Unauthorized")
        #expect(response.headers.first(name: "WWW-Authenticate") == "Bearer realm=\"chat\"")
        #expect(response.body == "token expired\nsign in again")
        #expect("\(error!)".hasSuffix(": token expired"))
    }

    @Test func onlyTheFirst4KiBOfARefusalsBodyAreKept() async throws {
        let body = String(repeating: "x", count: 10_000)
        let server = try await FakeServer.start(
            response: "HTTP/1.1 503 Service Unavailable\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        defer { server.close(promise: nil) }
        let error = await failure(connecting: "ws://127.0.0.1:\(server.localAddress!.port!)/")
        guard case HandshakeError.unexpectedStatus(let response)? = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(response.status == 503)
        #expect(response.body == String(repeating: "x", count: HandshakeError.refusalBodyLimit))
    }

    @Test func aRedirectIsFollowedAndTheFinalURLIsOnTheConnection() async throws {
        try await ServerHarness.with(decide: { request in
            switch request.path {
            case "/old": try redirect(301, to: "/middle?from=old")
            case "/middle": try redirect(307, to: "new")  // relative to /middle: /new
            default: .accept { ws in try await ws.send(text: request.path + " " + (request.query ?? "-")) }
            }
        }) { _, port in
            let (url, first) = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/old") { ws in
                (ws.url, await ws.receive())
            }
            #expect(url == "ws://127.0.0.1:\(port)/new")
            #expect(first == .text("/new -"))
        }
    }

    @Test(arguments: [302, 303, 308])
    func everyRedirectStatusIsFollowed(status: Int) async throws {
        try await ServerHarness.with(decide: { request in
            request.path == "/a" ? try redirect(status, to: "/b") : .accept { ws in try await ws.send(text: request.path) }
        }) { _, port in
            let first = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/a") { ws in await ws.receive() }
            #expect(first == .text("/b"))
        }
    }

    @Test func credentialsAreKeptWithinTheOriginAndDroppedWhenItChanges() async throws {
        let seen = { @Sendable (request: UpgradeRequest) -> String in
            ["Authorization", "Cookie", "X-Other"].map { request.request.headers.first(name: $0) ?? "-" }.joined(separator: " ")
        }
        try await ServerHarness.with(decide: { request in .accept { ws in try await ws.send(text: seen(request)) } }) { _, target in
            try await ServerHarness.with(decide: { request in
                switch request.path {
                case "/same": try redirect(302, to: "/headers")
                case "/headers": .accept { ws in try await ws.send(text: seen(request)) }
                default: try redirect(302, to: "ws://127.0.0.1:\(target)/landing")
                }
            }) { _, port in
                var configuration = WebSocketClientConfiguration()
                configuration.headers = try HeaderFields([("Authorization", "Bearer t"), ("Cookie", "s=1"), ("X-Other", "o")])
                var other = configuration
                other.maxRedirects = 1
                let sameOrigin = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/same", configuration: configuration) { ws in
                    await ws.receive()
                }
                #expect(sameOrigin == .text("Bearer t s=1 o"))
                let otherOrigin = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/elsewhere", configuration: other) { ws in
                    await ws.receive()
                }
                #expect(otherOrigin == .text("- - o"))
            }
        }
    }

    @Test func redirectsStopAtTheLimitAndCanBeTurnedOff() async throws {
        try await ServerHarness.with(decide: { _ in try redirect(302, to: "/loop") }) { _, port in
            var configuration = WebSocketClientConfiguration()
            configuration.maxRedirects = 3
            let tooMany = await failure(connecting: "ws://127.0.0.1:\(port)/start", configuration)
            #expect(tooMany as? WebSocketError == .tooManyRedirects("ws://127.0.0.1:\(port)/loop"))
            configuration.maxRedirects = 0
            let notFollowed = await failure(connecting: "ws://127.0.0.1:\(port)/start", configuration)
            guard case HandshakeError.unexpectedStatus(let response)? = notFollowed else {
                Issue.record("expected the redirect as a refusal, got \(String(describing: notFollowed))")
                return
            }
            #expect(response.status == 302)
            #expect(response.headers.first(name: "Location") == "/loop")
        }
    }

    @Test func aLocationThatIsNotAWebSocketURLFailsTheConnect() async throws {
        try await ServerHarness.with(decide: { _ in try redirect(302, to: "ftp://example.org/") }) { _, port in
            let error = await failure(connecting: "ws://127.0.0.1:\(port)/")
            #expect(error as? WebSocketError == .invalidURL("ftp://example.org/"))
        }
    }
}
