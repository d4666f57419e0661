import Duplex
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
}
