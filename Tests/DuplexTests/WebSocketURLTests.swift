@testable import Duplex
import Testing

@Suite("WebSocketURL", .timeLimit(.minutes(3)))
struct WebSocketURLTests {
    @Test("spaces, control and non-ASCII characters anywhere are refused", .timeLimit(.minutes(1)))
    func refusesCharactersThatCannotBeWritten() {
        for url in [
            "ws://127.0.0.1:9/a\r\nX-Injected: yes", "ws://127.0.0.1:9/a b", "ws://127.0.0.1:9/é",
            "ws://exa\r\nmple.org/", "ws://example.org/\u{7F}", "ws://example.org/\t",
        ] {
            #expect(WebSocketURL(url) == nil, "\(url.debugDescription)")
        }
        #expect(WebSocketURL("ws://127.0.0.1:9/a%0D%0Ab?x=%C3%A9")?.target == "/a%0D%0Ab?x=%C3%A9")
    }

    @Test func plainURLWithDefaults() throws {
        let url = try #require(WebSocketURL("ws://example.org"))
        #expect(!url.isSecure)
        #expect(url.host == "example.org")
        #expect(url.port == 80)
        #expect(url.target == "/")
        #expect(url.hostHeader == "example.org")
    }

    @Test func secureURLWithPortPathAndQuery() throws {
        let url = try #require(WebSocketURL("wss://example.org:8443/chat?room=1"))
        #expect(url.isSecure)
        #expect(url.port == 8443)
        #expect(url.target == "/chat?room=1")
        #expect(url.hostHeader == "example.org:8443")
    }

    @Test func defaultSecurePortIsLeftOutOfHost() throws {
        let url = try #require(WebSocketURL("WSS://Example.org:443/x"))
        #expect(url.port == 443)
        #expect(url.hostHeader == "Example.org")
    }

    @Test func ipv6Literal() throws {
        let url = try #require(WebSocketURL("ws://[::1]:8080/x"))
        #expect(url.host == "::1")
        #expect(url.port == 8080)
        #expect(url.hostHeader == "[::1]:8080")
        #expect(url.description == "ws://[::1]:8080/x")
    }

    @Test func queryWithoutPath() throws {
        #expect(WebSocketURL("ws://h?a=b")?.target == "/?a=b")
    }

    @Test(arguments: [
        "http://example.org", "ws://", "ws://:80/", "ws://h:0/", "ws://h:70000/", "ws://h:x/",
        "ws://h/#frag", "ws://user@h/", "ws://[::1/", "ws://[::1]x/",
    ])
    func rejects(_ text: String) {
        #expect(WebSocketURL(text) == nil)
    }

    @Test(arguments: [
        ("ws+unix:/run/app.sock", "/run/app.sock", "/"),
        ("ws+unix:///run/app.sock:/chat?room=1", "/run/app.sock", "/chat?room=1"),
        ("ws+unix:/tmp/s:?q", "/tmp/s", "/?q"),
    ])
    func unixSocketURL(text: String, socket: String, target: String) throws {
        let url = try #require(WebSocketURL(text))
        #expect(url.unixSocketPath == socket)
        #expect(url.target == target)
        #expect(url.hostHeader == "localhost")
        #expect(url.description == "ws+unix:\(socket):\(target)")
    }

    @Test(arguments: ["ws+unix:", "ws+unix:relative.sock", "ws+unix:/s:chat", "ws+unix:/:/chat"])
    func rejectsUnixURL(_ text: String) {
        #expect(WebSocketURL(text) == nil)
    }

    @Test(arguments: [
        ("/b", "ws://h:81/b"), ("c?x=1", "ws://h:81/a/c?x=1"), ("?y", "ws://h:81/a/b?y"),
        ("../../../up", "ws://h:81/up"), ("./d/./e/../f", "ws://h:81/a/d/f"), ("//other/p", "ws://other/p"),
        ("https://secure.example/x", "wss://secure.example/x"), ("http://plain:8080/", "ws://plain:8080/"),
        ("WSS://h/z#fragment", "wss://h/z"), ("/a/b#f", "ws://h:81/a/b"),
    ])
    func resolvesALocation(location: String, expected: String) throws {
        let base = try #require(WebSocketURL("ws://h:81/a/b?q=1"))
        #expect(try base.resolving(location: location).description == expected)
    }

    @Test func aLocationWithAnotherSchemeOrAnInvalidCharacterIsRefused() throws {
        let base = try #require(WebSocketURL("ws://h/"))
        #expect(throws: WebSocketError.invalidURL("mailto:x@y")) { try base.resolving(location: "mailto:x@y") }
        #expect(throws: HTTPFieldError.self) { try base.resolving(location: "/a\r\nX: y") }
    }

    @Test func originIsSchemeHostAndPort() throws {
        let url = try #require(WebSocketURL("ws://Example.org/a"))
        #expect(url.isSameOrigin(as: try #require(WebSocketURL("ws://example.org:80/b"))))
        #expect(!url.isSameOrigin(as: try #require(WebSocketURL("wss://example.org/a"))))
        #expect(!url.isSameOrigin(as: try #require(WebSocketURL("ws://example.org:81/a"))))
        #expect(!url.isSameOrigin(as: try #require(WebSocketURL("ws://other.org/a"))))
    }
}
