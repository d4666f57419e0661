@_spi(Core) import DuplexCore
import NIOCore
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RequestHeadParserTests {
    /// The opening handshake of RFC 6455 §1.3, with bytes of the first frame behind it.
    static let rfcRequest =
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\n"
        + "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Version: 13\r\n\r\n"

    private func parse(_ pieces: [String], limit: Int = 16 << 10) throws(RequestHeadError) -> (head: RequestHeadParser.Head, rest: ByteBuffer)? {
        var parser = RequestHeadParser(limit: limit)
        for (index, piece) in pieces.enumerated() {
            let result = try parser.receive(ByteBuffer(string: piece))
            if let result {
                #expect(index == pieces.count - 1, "the head ended before its last piece")
                return result
            }
        }
        return nil
    }

    private func error(_ text: String, limit: Int = 16 << 10) -> RequestHeadError? {
        do {
            _ = try parse([text], limit: limit)
            return nil
        } catch {
            return error
        }
    }

    @Test func readsTheRFCRequestAndKeepsTheBytesAfterIt() throws {
        let (head, rest) = try #require(try parse([Self.rfcRequest + "\u{81}\u{05}"]))
        #expect(head.request.method == "GET")
        #expect(head.request.target == "/chat")
        #expect(head.request.version == .http1_1)
        #expect(head.request.headers.first(name: "sec-websocket-key") == "dGhlIHNhbXBsZSBub25jZQ==")
        #expect(head.request.headers["Sec-WebSocket-Protocol"] == ["chat, superchat"])
        #expect(Array(head.request.headers).count == 7)
        #expect(head.bodyLength == 0)
        #expect(Array(rest.readableBytesView) == [0xC2, 0x81, 0x05])
    }

    @Test func sameHeadWhateverTheSplit() throws {
        let whole = try #require(try parse([Self.rfcRequest]))
        let bytes = Array(Self.rfcRequest.utf8)
        for split in [1, 2, 3, 7, 16, 17, bytes.count - 3, bytes.count - 2, bytes.count - 1] {
            var parser = RequestHeadParser(limit: 16 << 10)
            #expect(try parser.receive(ByteBuffer(bytes: bytes[..<split])) == nil)
            let result = try #require(try parser.receive(ByteBuffer(bytes: bytes[split...])))
            #expect(result.head == whole.head)
            #expect(result.rest.readableBytes == 0)
        }
        var parser = RequestHeadParser(limit: 16 << 10)
        var result: (head: RequestHeadParser.Head, rest: ByteBuffer)?
        for byte in bytes {
            #expect(result == nil)
            result = try parser.receive(ByteBuffer(bytes: [byte]))
        }
        #expect(result?.head == whole.head)
    }

    @Test func fieldValuesLoseTheirSurroundingWhitespace() throws {
        let (head, _) = try #require(try parse(["GET / HTTP/1.1\r\nHost:\t example.com  \r\nX-Empty:\r\n\r\n"]))
        #expect(head.request.headers.first(name: "Host") == "example.com")
        #expect(head.request.headers.first(name: "X-Empty") == "")
    }

    @Test func emptyLinesBeforeTheRequestLineAreSkipped() throws {
        let (head, _) = try #require(try parse(["\r\n\r\nGET /a HTTP/1.0\r\n\r\n"]))
        #expect(head.request.target == "/a")
        #expect(head.request.version == .http1_0)
        #expect(Array(head.request.headers).isEmpty)
    }

    @Test func theLimitCountsEveryByteUpToTheEmptyLine() throws {
        let head = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(try parse([head], limit: head.utf8.count) != nil)
        #expect(error(head, limit: head.utf8.count - 1) == .tooLarge(limit: head.utf8.count - 1))
        // Fails as soon as the limit is passed, without waiting for the end of the head.
        var parser = RequestHeadParser(limit: 64)
        #expect(throws: RequestHeadError.tooLarge(limit: 64)) {
            try parser.receive(ByteBuffer(string: "GET /" + String(repeating: "a", count: 100)))
        }
    }

    @Test func lineEndsOtherThanCRLFAreRefusedAtOnce() {
        #expect(error("GET / HTTP/1.1\nHost: a\n\n") == .lineEnding)
        #expect(error("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n") == .lineEnding)
        // A bare LF is refused before the head is complete.
        #expect(error("GET / HTTP/1.1\r\nHost: a\n") == .lineEnding)
    }

    @Test func malformedRequestLines() {
        for line in [
            "GET /", "GET  / HTTP/1.1", "GET / HTTP/1.1 ", " GET / HTTP/1.1", "GET / HTTP/11", "GET / http/1.1",
            "GET / HTTP/1.x", "GET / HTTP/1.10", "GET /\tHTTP/1.1",
        ] {
            #expect(error(line + "\r\nHost: a\r\n\r\n") == .malformedRequestLine, "\(line)")
        }
    }

    @Test func methodTargetAndFieldsAreValidated() {
        #expect(error("G(T / HTTP/1.1\r\n\r\n") == .invalidField(HTTPFieldError(field: "method", rule: .notAToken)))
        #expect(error("GET chat HTTP/1.1\r\n\r\n") == .invalidField(HTTPFieldError(field: "request target", rule: .notOriginForm)))
        #expect(error("GET /a#b HTTP/1.1\r\n\r\n") == .invalidField(HTTPFieldError(field: "request target", rule: .targetCharacter)))
        #expect(error("GET /\u{e9} HTTP/1.1\r\n\r\n") == .invalidField(HTTPFieldError(field: "request target", rule: .targetCharacter)))
        guard case .invalidField(let nameError) = error("GET / HTTP/1.1\r\nHost : a\r\n\r\n") else {
            Issue.record("whitespace before the colon was accepted")
            return
        }
        #expect(nameError.rule == .notAToken)
        guard case .invalidField(let valueError) = error("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n") else {
            Issue.record("a NUL in a value was accepted")
            return
        }
        #expect(valueError.rule == .controlCharacter)
    }

    @Test func fieldLinesNeedAColonAndNoFolding() {
        #expect(error("GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n") == .malformedFieldLine(position: 2))
        #expect(error("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n") == .lineFolding(position: 2))
        #expect(error("GET / HTTP/1.1\r\n\tX: a\r\n\r\n") == .lineFolding(position: 1))
    }

    @Test func contentLength() throws {
        let twice = try #require(try parse(["POST /f HTTP/1.1\r\nContent-Length: 12\r\ncontent-length: 12\r\n\r\nbody"]))
        #expect(twice.head.bodyLength == 12)
        #expect(Array(twice.rest.readableBytesView) == Array("body".utf8))
        for value in ["-1", "1,1", "0x10", "", "1 2", "9999999999999999999"] {
            #expect(error("POST / HTTP/1.1\r\nContent-Length: \(value)\r\n\r\n") == .invalidContentLength, "\(value)")
        }
        #expect(error("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == .invalidContentLength)
        #expect(error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == .transferEncoding)
    }

    @Test func whatIsReadWritesBackTheSame() throws {
        let (head, _) = try #require(try parse([Self.rfcRequest]))
        var written = ByteBuffer()
        head.request.write(to: &written)
        #expect(written == ByteBuffer(string: Self.rfcRequest))
    }

    @Test func descriptionsNameTheRuleNotTheBytes() {
        let errors: [RequestHeadError] = [
            .tooLarge(limit: 10), .lineEnding, .malformedRequestLine, .malformedFieldLine(position: 2),
            .lineFolding(position: 3), .invalidContentLength, .transferEncoding,
        ]
        #expect(Set(errors.map(\.description)).count == errors.count)
        #expect(RequestHeadError.malformedFieldLine(position: 2).description.contains("2"))
    }
}
