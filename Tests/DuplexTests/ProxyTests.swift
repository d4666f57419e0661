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
    /// A name only squid resolves (to 127.0.0.1): a connection to it works only through squid.
    static let nameOnlySquidResolves = url("DUPLEX_TEST_HTTP_PROXY_ONLY_HOST")
    /// The logs where the two dantes write each tunnel they open.
    static let socksLog = url("DUPLEX_TEST_SOCKS_PROXY_LOG")
    static let socksWithAuthenticationLog = url("DUPLEX_TEST_SOCKS_PROXY_AUTH_LOG")

    static var areRunning: Bool {
        [http, httpWithAuthentication, socks, socksWithAuthentication, nameOnlySquidResolves, socksLog, socksWithAuthenticationLog]
            .allSatisfy { $0 != nil }
    }

    /// Whether the dante logging to `log` opened a tunnel to 127.0.0.1:`port`: its log line
    /// (`… -> 127.0.0.1.CLIENTPORT 127.0.0.1.PORT`) appears within 5 s.
    static func danteTunnelled(to port: Int, log: String?) async throws -> Bool {
        let path = try #require(log)
        let deadline = ContinuousClock.now + .seconds(5) * testSlowdown
        repeat {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.split(separator: "\n").contains(where: { $0.hasSuffix(" 127.0.0.1.\(port)") }) { return true }
            try await Task.sleep(for: .milliseconds(20))
        } while ContinuousClock.now < deadline
        return false
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

    /// The server is reached by a name only squid resolves, so the echo proves the tunnel.
    @Test func wsThroughSquid() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.http))
        let name = try #require(RealProxies.nameOnlySquidResolves)
        try await withServer { port in
            let echoed = try await echo("ws://\(name):\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
        }
    }

    /// The certificate is valid for the server's name only, which this machine cannot even
    /// resolve, not for 127.0.0.1 where the proxy is: TLS through the tunnel checks the server's
    /// name (and sends it as SNI), never the proxy's.
    @Test func wssThroughSquidVerifiesTheServersName() async throws {
        let name = try #require(RealProxies.nameOnlySquidResolves)
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:\(name)")
        let proxy = try WebSocketProxy(url: try #require(RealProxies.http))
        try await withServer(tls: identity) { port in
            let echoed = try await echo("wss://\(name):\(port)/", through: proxy, trusting: identity)
            #expect(echoed == .text("through \(proxy)"))
            // The same server under an address its certificate does not cover is refused.
            await #expect(throws: NIOSSLExtraError.self) {
                try await echo("wss://127.0.0.1:\(port)/", through: proxy, trusting: identity)
            }
        }
    }

    @Test func squidWithBasicAuthentication() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.httpWithAuthentication))
        let name = try #require(RealProxies.nameOnlySquidResolves)
        try await withServer { port in
            let echoed = try await echo("ws://\(name):\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
            await #expect(throws: WebSocketProxyError.refused(status: 407)) {
                try await echo("ws://\(name):\(port)/", through: RealProxies.withWrongPassword(RealProxies.httpWithAuthentication))
            }
            await #expect(throws: WebSocketProxyError.refused(status: 407)) {
                try await echo("ws://\(name):\(port)/", through: RealProxies.withoutCredentials(RealProxies.httpWithAuthentication))
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
        let closedPort = try await ScriptedProxy.unusedPort()
        await #expect(throws: WebSocketProxyError.refused(status: 503)) {
            try await echo("ws://127.0.0.1:\(closedPort)/", through: proxy)
        }
    }

    @Test func theEnvironmentChoosesSquidForWSS() async throws {
        let name = try #require(RealProxies.nameOnlySquidResolves)
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:\(name)")
        try await withServer(tls: identity) { port in
            let url = "wss://\(name):\(port)/"
            let environment = ["HTTPS_PROXY": try #require(RealProxies.http), "no_proxy": "localhost,example.org"]
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
            #expect(try await RealProxies.danteTunnelled(to: port, log: RealProxies.socksLog))
        }
        try await withServer { port in
            // socks5:// resolves `localhost` here and sends the address.
            let echoed = try await echo("ws://localhost:\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
            #expect(try await RealProxies.danteTunnelled(to: port, log: RealProxies.socksLog))
        }
    }

    /// socks5h:// sends the name `localhost` for dante to resolve; TLS checks that name, which
    /// the certificate holds (and not 127.0.0.1, where the proxy is).
    @Test func wssThroughDanteWithTheNameResolvedByTheProxy() async throws {
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:localhost")
        let proxy = try RealProxies.with(scheme: "socks5h", RealProxies.socks)
        try await withServer(tls: identity) { port in
            let echoed = try await echo("wss://localhost:\(port)/", through: proxy, trusting: identity)
            #expect(echoed == .text("through \(proxy)"))
            #expect(try await RealProxies.danteTunnelled(to: port, log: RealProxies.socksLog))
        }
    }

    @Test func danteWithUsernameAndPassword() async throws {
        let log = RealProxies.socksWithAuthenticationLog
        let proxy = try WebSocketProxy(url: try #require(RealProxies.socksWithAuthentication))
        try await withServer { port in
            let echoed = try await echo("ws://127.0.0.1:\(port)/", through: proxy)
            #expect(echoed == .text("through \(proxy)"))
            #expect(try await RealProxies.danteTunnelled(to: port, log: log))
        }
        try await withServer { port in
            await #expect(throws: WebSocketProxyError.socksAuthenticationFailed(status: 1)) {
                try await echo("ws://127.0.0.1:\(port)/", through: RealProxies.withWrongPassword(RealProxies.socksWithAuthentication))
            }
            await #expect(throws: WebSocketProxyError.socksNoAcceptableMethod) {
                try await echo("ws://127.0.0.1:\(port)/", through: RealProxies.withoutCredentials(RealProxies.socksWithAuthentication))
            }
        }
        let identity = try SelfSignedCertificate(subjectAltName: "DNS:localhost")
        let remote = try RealProxies.with(scheme: "socks5h", RealProxies.socksWithAuthentication)
        try await withServer(tls: identity) { port in
            let echoed = try await echo("wss://localhost:\(port)/", through: remote, trusting: identity)
            #expect(echoed == .text("through \(remote)"))
            #expect(try await RealProxies.danteTunnelled(to: port, log: log))
        }
    }

    @Test func danteReportsAnUnreachableServerWithItsReplyCode() async throws {
        let proxy = try WebSocketProxy(url: try #require(RealProxies.socks))
        let closedPort = try await ScriptedProxy.unusedPort()
        await #expect(throws: WebSocketProxyError.socksRefused(reply: 5)) {
            try await echo("ws://127.0.0.1:\(closedPort)/", through: proxy)
        }
    }
}
