import Duplex
import Testing

@Suite("Proxy settings: URLs, credentials, the environment", .timeLimit(.minutes(1)))
struct ProxyConfigurationTests {
    // MARK: Proxy URLs

    @Test func readsAnHTTPProxyURLWithPercentEncodedCredentials() throws {
        let proxy = try WebSocketProxy(url: "http://alice:s%3Acr%40t@proxy.example:3128/")
        #expect(proxy.kind == .httpConnect)
        #expect(proxy.host == "proxy.example")
        #expect(proxy.port == 3128)
        #expect(proxy.username == "alice")
        #expect(proxy == (try WebSocketProxy(.httpConnect, host: "proxy.example", port: 3128, username: "alice", password: "s:cr@t")))
        #expect(proxy.description == "http://alice@proxy.example:3128", "the password is never shown")
    }

    @Test func aURLWithoutSchemeOrPortIsHTTPOnPort1080() throws {
        let proxy = try WebSocketProxy(url: "proxy.example")
        #expect(proxy.kind == .httpConnect)
        #expect(proxy.port == WebSocketProxy.defaultPort)
        #expect(WebSocketProxy.defaultPort == 1080)
    }

    @Test func readsSOCKS5URLs() throws {
        let local = try WebSocketProxy(url: "SOCKS5://127.0.0.1:1081")
        #expect(local.kind == .socks5)
        let remote = try WebSocketProxy(url: "socks5h://bob:pw@[::1]:1082")
        #expect(remote.kind == .socks5h)
        #expect(remote.host == "::1")
        #expect(remote.port == 1082)
        #expect(remote.username == "bob")
        #expect(remote.description == "socks5h://bob@[::1]:1082")
    }

    @Test(arguments: [
        "https://proxy.example:443", "socks4://proxy.example:1080", "http://proxy.example:0",
        "http://proxy.example:65536", "http://proxy.example:port", "http://proxy.example/path",
        "http://proxy.example?query", "http://", "http://:3128", "http://[::1:3128", "http://[::1]x",
        "http://a%zz@proxy.example", "http://a%ff@proxy.example", "http://proxy example:1", "http://pr\u{0}xy:1",
    ])
    func refusesAnUnusableURL(_ url: String) {
        #expect {
            _ = try WebSocketProxy(url: url)
        } throws: { error in
            guard case .invalid(let reason) = error as? WebSocketProxyError else { return false }
            return !reason.contains("zz") && !reason.contains("example")
        }
    }

    @Test func refusesCredentialsWithCRLFBeforeConnecting() {
        #expect(throws: WebSocketProxyError.invalidCredentials("the password holds a control character")) {
            _ = try WebSocketProxy(url: "http://alice:x%0D%0AInjected:%20yes@proxy.example:3128")
        }
        #expect(throws: WebSocketProxyError.invalidCredentials("the user name holds a control character")) {
            _ = try WebSocketProxy(.socks5, host: "proxy.example", port: 1080, username: "al\nice", password: "pw")
        }
    }

    @Test func refusesCredentialsTheProtocolCannotCarry() {
        #expect(throws: WebSocketProxyError.self) {
            _ = try WebSocketProxy(.httpConnect, host: "proxy.example", port: 3128, username: "a:b", password: "pw")
        }
        #expect(throws: WebSocketProxyError.self) {
            _ = try WebSocketProxy(
                .socks5h, host: "proxy.example", port: 1080, username: "alice", password: String(repeating: "p", count: 256))
        }
        #expect(throws: WebSocketProxyError.self) {
            _ = try WebSocketProxy(.socks5, host: "proxy.example", port: 1080, username: "", password: "pw")
        }
        #expect(throws: WebSocketProxyError.self) {
            _ = try WebSocketProxy(.socks5, host: "proxy.example", port: 1080, password: "pw")
        }
        // Basic authentication may carry a long or empty password.
        #expect(throws: Never.self) {
            _ = try WebSocketProxy(
                .httpConnect, host: "proxy.example", port: 3128, username: "alice", password: String(repeating: "p", count: 300))
        }
    }

    @Test func refusesAnUnusableHostOrPort() {
        #expect(throws: WebSocketProxyError.self) { _ = try WebSocketProxy(.httpConnect, host: "", port: 3128) }
        #expect(throws: WebSocketProxyError.self) { _ = try WebSocketProxy(.httpConnect, host: "a\r\nb", port: 3128) }
        #expect(throws: WebSocketProxyError.self) { _ = try WebSocketProxy(.socks5, host: "proxy", port: 70000) }
        #expect((try? WebSocketProxy(.socks5, host: "[::1]", port: 1080))?.host == "::1")
    }

    // MARK: The environment

    @Test func wssUsesHTTPSProxyLowerCaseFirst() throws {
        let both = ["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:2", "all_proxy": "http://all:3"]
        #expect(try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: both)?.host == "lower")
        let upper = ["HTTPS_PROXY": "http://upper:2", "all_proxy": "http://all:3"]
        #expect(try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: upper)?.host == "upper")
    }

    @Test func wsUsesOnlyLowerCaseHTTPProxy() throws {
        let lower = ["http_proxy": "http://lower:1", "https_proxy": "http://secure:2"]
        #expect(try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: lower)?.host == "lower")
        // curl ignores HTTP_PROXY (a CGI program gets it from a request's Proxy: header).
        #expect(try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: ["HTTP_PROXY": "http://upper:2"]) == nil)
        #expect(try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: ["https_proxy": "http://secure:2"]) == nil)
    }

    @Test func allProxyIsTheFallbackLowerCaseFirst() throws {
        let both = ["all_proxy": "socks5h://lower:1", "ALL_PROXY": "socks5://upper:2"]
        let proxy = try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: both)
        #expect(proxy?.host == "lower")
        #expect(proxy?.kind == .socks5h)
        #expect(try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: ["ALL_PROXY": "upper:2"])?.host == "upper")
        // The scheme's own variable comes before all_proxy.
        let mixed = ["all_proxy": "http://all:1", "HTTPS_PROXY": "http://secure:2"]
        #expect(try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: mixed)?.host == "secure")
    }

    @Test func anEmptyVariableCountsAsUnset() throws {
        let environment = ["https_proxy": "", "HTTPS_PROXY": "http://upper:2", "no_proxy": ""]
        #expect(try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: environment)?.host == "upper")
        #expect(try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: [:]) == nil)
    }

    @Test(arguments: [
        ("example.org", "example.org", true), ("example.org", "api.example.org", true),
        (".example.org", "example.org", true), (".example.org", "a.b.example.org", true),
        ("example.org", "myexample.org", false), ("example.org", "example.org.evil", false),
        ("EXAMPLE.org", "Api.Example.ORG", true), ("other.net, example.org", "example.org", true),
        (" other.net ,  example.org ", "x.example.org", true), ("*", "anything.example", true),
        ("*.example.org", "api.example.org", false), ("127.0.0.1", "127.0.0.1", true),
        ("127.0.0.1", "127.0.0.10", false), ("0.0.1", "127.0.0.1", false), ("[::1]", "[::1]", true),
        ("::1", "[::1]", true), ("1", "[::1]", false), ("example.org", "example.org.", true),
    ])
    func noProxyMatchesHostsAndDomainSuffixes(entry: String, host: String, exempt: Bool) throws {
        let environment = ["all_proxy": "http://proxy:1", "no_proxy": entry]
        let proxy = try WebSocketProxy.fromEnvironment(for: "ws://\(host):8080/", environment: environment)
        #expect((proxy == nil) == exempt)
    }

    @Test func noProxyLowerCaseWinsOverUpperCase() throws {
        let environment = ["all_proxy": "http://proxy:1", "no_proxy": "other.net", "NO_PROXY": "example.org"]
        #expect(try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: environment) != nil)
        let upper = ["all_proxy": "http://proxy:1", "NO_PROXY": "example.org"]
        #expect(try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: upper) == nil)
    }

    @Test func anInvalidVariableIsNamedInTheError() {
        #expect(throws: WebSocketProxyError.invalid("https_proxy: scheme ftp is not supported (http, socks5, socks5h)")) {
            _ = try WebSocketProxy.fromEnvironment(for: "wss://example.org/", environment: ["https_proxy": "ftp://p:1"])
        }
        #expect(throws: WebSocketProxyError.invalidCredentials("all_proxy: the password holds a control character")) {
            _ = try WebSocketProxy.fromEnvironment(for: "ws://example.org/", environment: ["all_proxy": "http://a:%0A@p:1"])
        }
    }

    @Test func aUnixSocketURLNeverUsesTheEnvironmentsProxy() throws {
        let environment = ["http_proxy": "http://proxy:1", "all_proxy": "http://proxy:2"]
        #expect(try WebSocketProxy.fromEnvironment(for: "ws+unix:/run/app.sock:/chat", environment: environment) == nil)
    }

    @Test func theURLMustBeAWebSocketURL() {
        #expect(throws: WebSocketError.invalidURL("http://example.org/")) {
            _ = try WebSocketProxy.fromEnvironment(for: "http://example.org/", environment: [:])
        }
    }
}
