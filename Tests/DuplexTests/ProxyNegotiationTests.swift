import Duplex
import NIOCore
import NIOPosix
import Testing

/// The client's side of proxy negotiation, against a scripted proxy: what it sends, and the error
/// each kind of answer gives. The tunnels themselves are tested against squid and dante
/// (ProxyTests, run by scripts/proxy-test).
@Suite("Proxy negotiation against a scripted proxy", .timeLimit(.minutes(1)))
struct ProxyNegotiationTests {
    private func connect(
        to url: String, through proxy: WebSocketProxy, handshakeTimeout: TimeAmount = .seconds(10)
    ) async throws {
        var configuration = WebSocketClientConfiguration()
        configuration.proxy = proxy
        configuration.handshakeTimeout = handshakeTimeout
        try await WebSocket.connect(to: url, configuration: configuration) { _ in }
    }

    private func received(_ proxy: ScriptedProxy) -> String {
        String(decoding: proxy.received, as: UTF8.self)
    }

    // MARK: HTTP CONNECT

    @Test func connectNamesTheServerAndCarriesBasicCredentials() async throws {
        let refusal = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\nContent-Length: 0\r\n\r\n"
        try await ScriptedProxy.with([.afterHTTPHead(answer: refusal)]) { proxy in
            let setting = try WebSocketProxy(
                .httpConnect, host: "127.0.0.1", port: proxy.port, username: "alice", password: "s3cret")
            await #expect(throws: WebSocketProxyError.refused(status: 407)) {
                try await connect(to: "wss://localhost:9/chat", through: setting)
            }
            let request = received(proxy)
            #expect(request.hasPrefix("CONNECT localhost:9 HTTP/1.1\r\n"))
            #expect(request.contains("\r\nHost: localhost:9\r\n"))
            #expect(request.contains("\r\nProxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n"))
            #expect(!request.contains("/chat"), "the WebSocket request only goes through the tunnel")
        }
    }

    @Test func anIPv6ServerIsBracketedAndNoCredentialsMeansNoHeader() async throws {
        try await ScriptedProxy.with([.afterHTTPHead(answer: "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")]) { proxy in
            await #expect(throws: WebSocketProxyError.refused(status: 403)) {
                try await connect(to: "ws://[::1]:8080/", through: WebSocketProxy(.httpConnect, host: "127.0.0.1", port: proxy.port))
            }
            let request = received(proxy)
            #expect(request.hasPrefix("CONNECT [::1]:8080 HTTP/1.1\r\n"))
            #expect(!request.lowercased().contains("proxy-authorization"))
        }
    }

    @Test(arguments: [502, 503, 504, 301])
    func aRefusalCarriesTheStatus(status: Int) async throws {
        let answer = "HTTP/1.1 \(status) No\r\nContent-Length: 5\r\n\r\nsorry"
        try await ScriptedProxy.with([.afterHTTPHead(answer: answer)]) { proxy in
            await #expect(throws: WebSocketProxyError.refused(status: status)) {
                try await connect(to: "ws://localhost:9/", through: WebSocketProxy(.httpConnect, host: "127.0.0.1", port: proxy.port))
            }
        }
    }

    @Test(arguments: [
        "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        "HTTP/1.1 200 Connection established\r\n\r\nunexpected bytes",
        "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody",
    ])
    func aMalformedAnswerIsReportedAsSuch(answer: String) async throws {
        try await ScriptedProxy.with([.afterHTTPHead(answer: answer)]) { proxy in
            await #expect {
                try await connect(to: "ws://localhost:9/", through: WebSocketProxy(.httpConnect, host: "127.0.0.1", port: proxy.port))
            } throws: { error in
                if case .malformedResponse = error as? WebSocketProxyError { return true }
                return false
            }
        }
    }

    @Test func aProxyThatClosesGivesConnectionClosedDuringHandshake() async throws {
        try await ScriptedProxy.with([.afterHTTPHead(answer: "", closes: true)]) { proxy in
            await #expect(throws: WebSocketError.connectionClosedDuringHandshake) {
                try await connect(to: "ws://localhost:9/", through: WebSocketProxy(.httpConnect, host: "127.0.0.1", port: proxy.port))
            }
        }
    }

    @Test(arguments: [WebSocketProxy.Kind.httpConnect, .socks5h])
    func aSilentProxyTimesOut(kind: WebSocketProxy.Kind) async throws {
        // Only the proxy's negotiation can time out here (nothing else is in the pipeline yet).
        try await ScriptedProxy.with([]) { proxy in
            await #expect(throws: WebSocketError.handshakeTimeout) {
                try await connect(
                    to: "ws://localhost:9/", through: WebSocketProxy(kind, host: "127.0.0.1", port: proxy.port),
                    handshakeTimeout: .milliseconds(300) * testSlowdown)
            }
        }
    }

    @Test func anUnreachableProxyGivesTheConnectError() async throws {
        let port = try await ScriptedProxy.unusedPort()
        await #expect(throws: NIOConnectionError.self) {
            try await connect(to: "ws://localhost:9/", through: WebSocketProxy(.socks5, host: "127.0.0.1", port: port))
        }
    }

    // MARK: SOCKS5

    /// A SOCKS5 reply with `code` and a zero IPv4 bound address.
    private static func reply(_ code: UInt8) -> [UInt8] { [5, code, 0, 1, 0, 0, 0, 0, 0, 0] }

    @Test func socks5SendsTheAddressAndReportsTheReplyCode() async throws {
        let steps: [ScriptedProxy.Step] = [.after(bytes: 3, answer: [5, 0]), .after(bytes: 13, answer: Self.reply(5))]
        try await ScriptedProxy.with(steps) { proxy in
            await #expect(throws: WebSocketProxyError.socksRefused(reply: 5)) {
                try await connect(to: "ws://127.0.0.1:9/", through: WebSocketProxy(.socks5, host: "127.0.0.1", port: proxy.port))
            }
            #expect(proxy.received == [5, 1, 0] + [5, 1, 0, 1, 127, 0, 0, 1, 0, 9])
        }
    }

    @Test func socks5hSendsTheName() async throws {
        let steps: [ScriptedProxy.Step] = [.after(bytes: 3, answer: [5, 0]), .after(bytes: 19, answer: Self.reply(4))]
        try await ScriptedProxy.with(steps) { proxy in
            await #expect(throws: WebSocketProxyError.socksRefused(reply: 4)) {
                try await connect(to: "wss://localhost:443/", through: WebSocketProxy(.socks5h, host: "127.0.0.1", port: proxy.port))
            }
            #expect(proxy.received == [5, 1, 0] + [5, 1, 0, 3, 9] + Array("localhost".utf8) + [1, 187])
        }
    }

    @Test func socks5OffersAndSendsTheUsernameAndPassword() async throws {
        let credentials: [UInt8] = [1, 5] + Array("alice".utf8) + [6] + Array("s3cret".utf8)
        let steps: [ScriptedProxy.Step] = [
            .after(bytes: 4, answer: [5, 2]),
            .after(bytes: 4 + credentials.count, answer: [1, 0]),
            .after(bytes: 4 + credentials.count + 10, answer: Self.reply(2)),
        ]
        try await ScriptedProxy.with(steps) { proxy in
            let setting = try WebSocketProxy(.socks5, host: "127.0.0.1", port: proxy.port, username: "alice", password: "s3cret")
            await #expect(throws: WebSocketProxyError.socksRefused(reply: 2)) {
                try await connect(to: "ws://127.0.0.1:9/", through: setting)
            }
            #expect(proxy.received == [5, 2, 0, 2] + credentials + [5, 1, 0, 1, 127, 0, 0, 1, 0, 9])
        }
    }

    @Test func rejectedCredentialsGiveTheStatus() async throws {
        let steps: [ScriptedProxy.Step] = [.after(bytes: 4, answer: [5, 2]), .after(bytes: 18, answer: [1, 7])]
        try await ScriptedProxy.with(steps) { proxy in
            let setting = try WebSocketProxy(.socks5, host: "127.0.0.1", port: proxy.port, username: "alice", password: "wrong!")
            await #expect(throws: WebSocketProxyError.socksAuthenticationFailed(status: 7)) {
                try await connect(to: "ws://127.0.0.1:9/", through: setting)
            }
        }
    }

    @Test func noAcceptableMethodIsReported() async throws {
        try await ScriptedProxy.with([.after(bytes: 3, answer: [5, 0xFF])]) { proxy in
            await #expect(throws: WebSocketProxyError.socksNoAcceptableMethod) {
                try await connect(to: "ws://127.0.0.1:9/", through: WebSocketProxy(.socks5h, host: "127.0.0.1", port: proxy.port))
            }
        }
    }

    @Test func aUnixSocketURLWithAProxyIsRefusedBeforeConnecting() async throws {
        try await ScriptedProxy.with([]) { proxy in
            await #expect {
                try await connect(to: "ws+unix:/tmp/duplex-none.sock", through: WebSocketProxy(.httpConnect, host: "127.0.0.1", port: proxy.port))
            } throws: { error in
                if case .invalid = error as? WebSocketProxyError { return true }
                return false
            }
            #expect(proxy.received.isEmpty)
        }
    }

    @Test func aNameTooLongForSOCKS5IsRefusedBeforeConnecting() async throws {
        try await ScriptedProxy.with([]) { proxy in
            let name = String(repeating: "a", count: 250) + ".example"
            await #expect(throws: WebSocketProxyError.self) {
                try await connect(to: "ws://\(name)/", through: WebSocketProxy(.socks5h, host: "127.0.0.1", port: proxy.port))
            }
            #expect(proxy.received.isEmpty)
        }
    }
}
