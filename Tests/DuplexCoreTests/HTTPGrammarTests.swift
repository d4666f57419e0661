@_spi(Core) import DuplexCore
import NIOCore
import Testing

@Suite("HTTP grammar of values written on the wire (RFC 9110, RFC 9112)", .timeLimit(.minutes(1)))
struct HTTPGrammarTests {
    /// Every byte that is a control character in a field value: 0x00–0x1F except tab, and DEL.
    static let controlBytes: [UInt8] = Array(0x00...0x08) + Array(0x0A...0x1F) + [0x7F]
    static let tokenCharacters = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

    @Test("a token is one or more tchar; every other ASCII byte and any non-ASCII is refused")
    func token() {
        #expect(HTTPGrammar.checkToken(Self.tokenCharacters) == nil)
        #expect(HTTPGrammar.checkToken("a") == nil)
        #expect(HTTPGrammar.checkToken("") == .notAToken)
        for byte in UInt8(0)...0x7F where !Self.tokenCharacters.utf8.contains(byte) {
            #expect(HTTPGrammar.checkToken("a" + String(decoding: [byte], as: UTF8.self)) == .notAToken, "byte \(byte)")
        }
        #expect(HTTPGrammar.checkToken("é") == .notAToken)
    }

    @Test("a field value: visible characters, obs-text and inner spaces and tabs; no control byte, no outer whitespace")
    func fieldValue() {
        for valid in ["", "a", "a b", "a\tb", "é", "\u{7E}!\"(),/:;<=>?@[\\]{}", "text/plain; charset=utf-8"] {
            #expect(HTTPGrammar.checkFieldValue(valid) == nil, "\(valid.debugDescription)")
        }
        for byte in Self.controlBytes {
            let value = "a" + String(decoding: [byte], as: UTF8.self) + "b"
            #expect(HTTPGrammar.checkFieldValue(value) == .controlCharacter, "byte \(byte)")
        }
        for value in [" a", "a ", "\ta", "a\t", " "] {
            #expect(HTTPGrammar.checkFieldValue(value) == .surroundingWhitespace, "\(value.debugDescription)")
        }
    }

    @Test("a reason phrase allows spaces anywhere but no control byte")
    func reasonPhrase() {
        for valid in ["", "OK", " Switching  Protocols ", "\tx", "Ça va"] {
            #expect(HTTPGrammar.checkText(valid) == nil, "\(valid.debugDescription)")
        }
        for byte in Self.controlBytes {
            #expect(HTTPGrammar.checkText("OK" + String(decoding: [byte], as: UTF8.self)) == .controlCharacter, "byte \(byte)")
        }
    }

    @Test("a request target is origin-form: '/' first, visible ASCII, no '#'")
    func requestTarget() {
        for valid in ["/", "/chat?room=1&name=a%20b", "/?", "//x", "/a:b@c!$&'()*+,;=-._~"] {
            #expect(HTTPGrammar.checkRequestTarget(valid) == nil, "\(valid)")
        }
        for value in ["", "chat", "*", "http://example.org/", " /"] {
            #expect(HTTPGrammar.checkRequestTarget(value) == .notOriginForm, "\(value.debugDescription)")
        }
        var refused = Self.controlBytes + [0x20, UInt8(ascii: "#")]
        refused += [0xC3, 0xA9]  // é as UTF-8
        for byte in refused {
            let target = "/a" + String(decoding: [byte], as: UTF8.self)
            #expect(HTTPGrammar.checkRequestTarget(target) == .targetCharacter, "byte \(byte)")
        }
        #expect(HTTPGrammar.checkRequestTarget("/a\r\nX-Injected: yes") == .targetCharacter)
    }

    @Test("a status code is 100 to 999")
    func statusCode() {
        for valid in [100, 101, 599, 999] { #expect(HTTPGrammar.checkStatusCode(valid) == nil) }
        for invalid in [Int.min, -1, 0, 99, 1000, Int.max] { #expect(HTTPGrammar.checkStatusCode(invalid) == .statusCodeOutOfRange) }
    }

    @Test("requests refuse a method that is not a token and a target not in origin-form, naming the field")
    func requestValidation() {
        let method = #expect(throws: HTTPFieldError.self) {
            try HandshakeRequest(method: "GET /evil HTTP/1.1\r\n", target: "/", headers: HeaderFields())
        }
        #expect(method == HTTPFieldError(field: "method", rule: .notAToken))
        expectNoBytes(of: "evil", in: method)
        let target = #expect(throws: HTTPFieldError.self) {
            try HandshakeRequest(target: "/a\r\nX-Injected: yes", headers: HeaderFields())
        }
        #expect(target == HTTPFieldError(field: "request target", rule: .targetCharacter))
        expectNoBytes(of: "X-Injected", in: target)
    }

    @Test("responses refuse a status outside 100...999 and a reason phrase with CR LF, naming the field")
    func responseValidation() {
        #expect(throws: HTTPFieldError(field: "status code", rule: .statusCodeOutOfRange)) {
            try HandshakeResponse(status: 1000, reason: "Big")
        }
        let reason = #expect(throws: HTTPFieldError.self) {
            try HandshakeResponse(status: 200, reason: "OK\r\nSet-Cookie: evil=1")
        }
        #expect(reason == HTTPFieldError(field: "reason phrase", rule: .controlCharacter))
        expectNoBytes(of: "evil", in: reason)
        #expect(throws: HTTPFieldError(field: "status code", rule: .statusCodeOutOfRange)) {
            try HandshakeRejection(status: 42, body: "x")
        }
    }

    @Test("the client handshake refuses an invalid host, origin, subprotocol or target before building a request")
    func clientHandshakeValidation() {
        #expect(throws: HTTPFieldError(field: "header Host", rule: .controlCharacter)) {
            try ClientHandshake(host: "h\r\nX: 1", target: "/")
        }
        #expect(throws: HTTPFieldError(field: "header Origin", rule: .controlCharacter)) {
            try ClientHandshake(host: "h", target: "/", origin: "https://a\r\nX: 1")
        }
        #expect(throws: HTTPFieldError(field: "subprotocol 2", rule: .notAToken)) {
            try ClientHandshake(host: "h", target: "/", subprotocols: ["chat", "a\r\nX: 1"])
        }
        #expect(throws: HTTPFieldError(field: "request target", rule: .notOriginForm)) {
            try ClientHandshake(host: "h", target: "chat")
        }
    }

    @Test("requests and responses are written as exact bytes")
    func exactBytes() throws {
        let request = try HandshakeRequest(
            target: "/chat?room=1", headers: try HeaderFields([("Host", "h"), ("X-Empty", ""), ("X-UTF8", "é")]))
        var buffer = ByteBuffer()
        request.write(to: &buffer)
        #expect(String(buffer: buffer) == "GET /chat?room=1 HTTP/1.1\r\nHost: h\r\nX-Empty: \r\nX-UTF8: é\r\n\r\n")
        let response = try HandshakeResponse(
            status: 403, reason: "Forbidden", headers: try HeaderFields([("Content-Length", "2")]), body: "no")
        buffer.clear()
        response.write(to: &buffer)
        #expect(String(buffer: buffer) == "HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno")
    }

    @Test("an error's description names the field and the rule only")
    func errorDescription() {
        #expect(
            HTTPFieldError(field: "header X-A", rule: .controlCharacter).description
                == "header X-A contains a control character (CR, LF, NUL, DEL or another below 0x20 except tab)")
    }

    @Test("offered subprotocols that are not tokens are left out, so they cannot be chosen")
    func nonTokenOffersDropped() throws {
        let request = try HandshakeRequest(
            target: "/",
            headers: try HeaderFields([
                ("Host", "h"), ("Upgrade", "websocket"), ("Connection", "Upgrade"),
                ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
                ("Sec-WebSocket-Protocol", "chat, a b, x/y, v2"),
            ]))
        #expect(try ServerHandshake.validate(request).get().subprotocols == ["chat", "v2"])
    }
}
