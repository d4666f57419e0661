import Duplex
import Foundation
import NIOSSL
import Testing

/// The proxies scripts/proxy-test starts (squid for HTTP CONNECT, dante for SOCKS5), each as a
/// proxy URL in an environment variable; the suite is skipped when they are not set.
private enum RealProxies {
    /// squid, no authentication: `http://127.0.0.1:PORT`.
    static let http = url("DUPLEX_TEST_HTTP_PROXY")
    /// squid with Basic authentication: `http://USER:PASSWORD@127.0.0.1:PORT`.
    static let httpWithAuthentication = url("DUPLEX_TEST_HTTP_PROXY_AUTH")
    /// dante, no authentication: `socks5://127.0.0.1:PORT`.
    static let socks = url("DUPLEX_TEST_SOCKS_PROXY")
    /// dante with the username method: `socks5://USER:PASSWORD@127.0.0.1:PORT`.
    static let socksWithAuthentication = url("DUPLEX_TEST_SOCKS_PROXY_AUTH")

    static var areRunning: Bool {
        [http, httpWithAuthentication, socks, socksWithAuthentication].allSatisfy { $0 != nil }
    }

    private static func url(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `url` (a `scheme://user:password@host:port` proxy URL) with its scheme replaced.
    static func with(scheme: String, _ url: String?) throws -> WebSocketProxy {
        let url = try #require(url)
        let rest = try #require(url.range(of: "://")).upperBound
        return try WebSocketProxy(url: scheme + "://" + url[rest...])
    }

    /// `url` with its password replaced by a wrong one.
    static func withWrongPassword(_ url: String?) throws -> WebSocketProxy {
        let proxy = try WebSocketProxy(url: try #require(url))
        return try WebSocketProxy(
            proxy.kind, host: proxy.host, port: proxy.port, username: proxy.username, password: "not-the-password")
    }

    /// `url` without its credentials.
    static func withoutCredentials(_ url: String?) throws -> WebSocketProxy {
        let proxy = try WebSocketProxy(url: try #require(url))
        return try WebSocketProxy(proxy.kind, host: proxy.host, port: proxy.port)
    }
}

@Suite(
    "Client through real proxies (squid, dante: scripts/proxy-test)", .timeLimit(.minutes(1)),
    .enabled(if: RealProxies.areRunning, "scripts/proxy-test starts squid and dante and sets DUPLEX_TEST_*_PROXY*"))
struct ProxyTests {
    /// Sends a message through `proxy` to the echo server at `url` and returns the echo.
    private func echo(
        _ url: String, through proxy: WebSocketProxy, trusting identity: SelfSignedCertificate? = nil
    ) async throws -> WebSocketMessage? {
        var configuration = WebSocketClientConfiguration()
        configuration.proxy = proxy
        if let identity { configuration.tls.trustRoots = .certificates([identity.certificate]) }
        return try await WebSocket.connect(to: url, configuration: configuration) { ws in
            try await ws.send(text: "through \(proxy)")
            var iterator = ws.messages.makeAsyncIterator()
            return await iterator.next()
        }
    }

    /// Runs `body` with the port of an echo server on 127.0.0.1 (TLS with `identity` if given).
    private func withServer<T>(
        tls identity: SelfSignedCertificate? = nil, _ body: (Int) async throws -> T
    ) async throws -> T {
        try await ServerHarness.with(configure: { configuration in
            if let identity { configuration.tls = identity.serverConfiguration }
        }) { _, port in try await body(port) }
    }

    // MARK: squid (HTTP CONNECT)

    @Test func wsThroughSquid() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.http))
        try await withServer { port in
            let echoed = try await echo("ws://127.0.0.1:\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
        }
    }

    /// The certificate is valid for `localhost` only, not for 127.0.0.1 where the proxy is: TLS
    /// through the tunnel checks the server's name (and sends it as SNI), never the proxy's.
    @Test func wssThroughSquidVerifiesTheServersName() async throws {
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:localhost")
        let proxy = try WebSocketProxy(url: try #require(RealProxies.http))
        try await withServer(tls: identity) { port in
            let echoed = try await echo("wss://localhost:\(port)/", through: proxy, trusting: identity)
            #expect(echoed == .text("through \(proxy)"))
            // The same server under a name its certificate does not cover is refused.
            await #expect(throws: NIOSSLError.self) {
                try await echo("wss://127.0.0.1:\(port)/", through: proxy, trusting: identity)
            }
        }
    }

    @Test func squidWithBasicAuthentication() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.httpWithAuthentication))
        try await withServer { port in
            let echoed = try await echo("ws://127.0.0.1:\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
            await #expect(throws: WebSocketProxyError.refused(status: 407)) {
                try await echo("ws://127.0.0.1:\(port)/", through: RealProxies.withWrongPassword(RealProxies.httpWithAuthentication))
            }
            await #expect(throws: WebSocketProxyError.refused(status: 407)) {
                try await echo("ws://127.0.0.1:\(port)/", through: RealProxies.withoutCredentials(RealProxies.httpWithAuthentication))
            }
        }
    }

    /// squid's rules forbid `*.refused.invalid` (403, without resolving the name); a loopback port
    /// nobody listens on gives 503.
    @Test func squidsRefusalsCarryTheirStatus() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.http))
        await #expect(throws: WebSocketProxyError.refused(status: 403)) {
            try await echo("ws://server.refused.invalid/", through: proxy)
        }
        let closedPort = try await ServerHarness.with { _, port in port }
        await #expect(throws: WebSocketProxyError.refused(status: 503)) {
            try await echo("ws://127.0.0.1:\(closedPort)/", through: proxy)
        }
    }

    @Test func theEnvironmentChoosesSquidForWSS() async throws {
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:localhost")
        try await withServer(tls: identity) { port in
            let url = "wss://localhost:\(port)/"
            let environment = ["https_proxy": try #require(RealProxies.http), "no_proxy": "example.org"]
            let proxy = try #require(try WebSocketProxy.fromEnvironment(for: url, environment: environment))
            let echoed = try await echo(url, through: proxy, trusting: identity)
            #expect(echoed == .text("through \(proxy)"))
        }
    }

    // MARK: dante (SOCKS5)

    @Test func wsThroughDante() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.socks))
        try await withServer { port in
            let echoed = try await echo("ws://127.0.0.1:\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
            // socks5:// resolves `localhost` here and sends the address.
            let echoedByName = try await echo("ws://localhost:\(port)/", through: proxy)
            #expect(echoedByName == .text("through \(proxy)"))
        }
    }

    /// socks5h:// sends the name `localhost` for dante to resolve; TLS checks that name.
    @Test func wssThroughDanteWithTheNameResolvedByTheProxy() async throws {
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:localhost")
        let proxy = try RealProxies.with(scheme: "socks5h", RealProxies.socks)
        try await withServer(tls: identity) { port in
            let echoed = try await echo("wss://localhost:\(port)/", through: proxy, trusting: identity)
            #expect(echoed == .text("through \(proxy)"))
        }
    }

    @Test func danteWithUsernameAndPassword() async throws {
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:localhost")
        let proxy = try WebSocketProxy(url: try #require(RealProxies.socksWithAuthentication))
        let remote = try RealProxies.with(scheme: "socks5h", RealProxies.socksWithAuthentication)
        try await withServer { port in
            let echoed = try await echo("ws://127.0.0.1:\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
            await #expect(throws: WebSocketProxyError.socksAuthenticationFailed(status: 1)) {
                try await echo("ws://127.0.0.1:\(port)/", through: RealProxies.withWrongPassword(RealProxies.socksWithAuthentication))
            }
            await #expect(throws: WebSocketProxyError.socksNoAcceptableMethod) {
                try await echo("ws://127.0.0.1:\(port)/", through: RealProxies.withoutCredentials(RealProxies.socksWithAuthentication))
            }
        }
        try await withServer(tls: identity) { port in
            let echoed = try await echo("wss://localhost:\(port)/", through: remote, trusting: identity)
            #expect(echoed == .text("through \(remote)"))
        }
    }

    @Test func danteReportsAnUnreachableServerWithItsReplyCode() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.socks))
        let closedPort = try await ServerHarness.with { _, port in port }
        await #expect(throws: WebSocketProxyError.socksRefused(reply: 5)) {
            try await echo("ws://127.0.0.1:\(closedPort)/", through: proxy)
        }
    }
}
