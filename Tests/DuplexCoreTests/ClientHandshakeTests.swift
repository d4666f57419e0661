@_spi(Core) import DuplexCore
import NIOCore
import Testing

/// A stand-in extension for handshake tests: offers `x-test; level=1`, and accepts a response whose
/// only parameter is `level`.
struct TestNegotiator: ExtensionNegotiator {
    var name = "x-test"
    var offers = [ExtensionHeaderElement(name: "x-test", parameters: [.init(name: "level", value: "1")])]
    /// Whether the server side accepts an offer.
    var acceptsOffers = true

    func clientOffers() -> [ExtensionHeaderElement] { offers }

    func clientAccept(_ response: ExtensionHeaderElement) throws(HandshakeError) -> any NegotiatedExtension {
        guard response.parameters.allSatisfy({ $0.name == "level" }) else {
            throw .invalidExtensionResponse("x-test allows only 'level'")
        }
        return TestNegotiated(responseElement: response)
    }

    func serverAccept(_ offers: [ExtensionHeaderElement]) -> (any NegotiatedExtension)? {
        guard acceptsOffers, let offer = offers.first else { return nil }
        return TestNegotiated(responseElement: offer)
    }
}

/// What ``TestNegotiator`` agrees on.
struct TestNegotiated: NegotiatedExtension {
    var responseElement: ExtensionHeaderElement
    func makeExtension(role: Role) -> any WebSocketExtension { PassThroughExtension() }
}

/// An extension that leaves messages as they are.
final class PassThroughExtension: WebSocketExtension {
    var name: String { "x-test" }
    var reservedBits: ReservedBits { [] }
    func encodeFrame(
        _ payload: ByteBuffer, opcode: Opcode, messageBits: ReservedBits?, isFinal: Bool, compression: MessageCompression
    ) -> (payload: ByteBuffer, reservedBits: ReservedBits)? {
        (payload, [])
    }
    func decodeFrame(
        _ payload: ByteBuffer, messageBits: ReservedBits, isFinal: Bool, limit: Int
    ) throws(ProtocolError) -> ByteBuffer { payload }
}

@Suite("Client opening handshake (RFC 6455 §4.1)", .timeLimit(.minutes(1)))
struct ClientHandshakeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    func makeHandshake(subprotocols: [String] = [], extensions: [any ExtensionNegotiator] = []) throws -> ClientHandshake {
        try ClientHandshake(host: "example.org", target: "/chat", subprotocols: subprotocols, extensions: extensions, key: Self.key)
    }

    /// A valid 101 for ``key``, with `extra` headers appended.
    func response(_ extra: HeaderFields = HeaderFields(), accept: String = Self.accept) throws -> HandshakeResponse {
        var headers = fields(["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept])
        for field in extra { try headers.add(name: field.name, value: field.value) }
        return try HandshakeResponse(status: 101, reason: "Switching Protocols", headers: headers)
    }

    @Test("the request carries exactly the handshake headers, in order")
    func requestHeaders() throws {
        let handshake = try ClientHandshake(
            host: "example.org:8080",
            target: "/chat?room=1",
            origin: "https://app.example",
            subprotocols: ["chat", "superchat"],
            extensions: [TestNegotiator()],
            additionalHeaders: fields(["Authorization": "Bearer t"]),
            key: Self.key
        )
        #expect(handshake.key == Self.key)
        #expect(handshake.request.method == "GET")
        #expect(handshake.request.target == "/chat?room=1")
        #expect(handshake.request.version == .http1_1)
        #expect(
            handshake.request.headers == fields([
                "Host": "example.org:8080",
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Key": Self.key,
                "Sec-WebSocket-Version": "13",
                "Origin": "https://app.example",
                "Sec-WebSocket-Protocol": "chat, superchat",
                "Sec-WebSocket-Extensions": "x-test; level=1",
                "Authorization": "Bearer t",
            ])
        )
    }

    @Test("optional headers are left out when there is nothing to send")
    func minimalRequest() throws {
        let handshake = try makeHandshake(extensions: [TestNegotiator(offers: [])])
        #expect(
            handshake.request.headers == fields([
                "Host": "example.org", "Upgrade": "websocket", "Connection": "Upgrade",
                "Sec-WebSocket-Key": Self.key, "Sec-WebSocket-Version": "13",
            ])
        )
    }

    @Test("every negotiator's offers are sent, in order")
    func offersInOrder() throws {
        let second = TestNegotiator(name: "x-other", offers: [.init(name: "x-other"), .init(name: "x-other", parameters: [.init(name: "a")])])
        let handshake = try makeHandshake(extensions: [TestNegotiator(), second])
        #expect(handshake.request.headers["Sec-WebSocket-Extensions"] == ["x-test; level=1, x-other, x-other; a"])
    }

    @Test("each handshake gets a fresh, valid key")
    func freshKeys() throws {
        let first = try ClientHandshake(host: "h", target: "/")
        let second = try ClientHandshake(host: "h", target: "/")
        #expect(first.key != second.key)
        #expect(HandshakeKey.isValid(first.key))
        #expect(first.request.headers.first(name: "Sec-WebSocket-Key") == first.key)
    }

    @Test("a valid 101 is accepted with the chosen subprotocol and extensions")
    func acceptsValidResponse() throws {
        let result = try makeHandshake(subprotocols: ["chat", "superchat"], extensions: [TestNegotiator()])
            .validate(response(fields(["Sec-WebSocket-Protocol": "superchat", "Sec-WebSocket-Extensions": "x-test; level=2"])))
        #expect(result.subprotocol == "superchat")
        #expect(result.extensions.map(\.responseElement) == [.init(name: "x-test", parameters: [.init(name: "level", value: "2")])])
        #expect(result.headers.first(name: "Sec-WebSocket-Accept") == Self.accept)
    }

    @Test("header names and the Upgrade and Connection tokens are matched without case")
    func tolerantVariations() throws {
        let headers = fields([
            "upgrade": "WebSocket", "CONNECTION": "keep-alive, upgrade", "sec-websocket-accept": Self.accept,
        ])
        let result = try makeHandshake().validate(HandshakeResponse(status: 101, reason: "", headers: headers))
        #expect(result.subprotocol == nil)
        #expect(result.extensions.isEmpty)
    }

    @Test("a status other than 101 is refused")
    func wrongStatus() throws {
        let refusal = try HandshakeResponse(status: 403, reason: "Forbidden", body: "no")
        #expect(throws: HandshakeError.unexpectedStatus(refusal)) {
            try makeHandshake().validate(refusal)
        }
        let ok = try HandshakeResponse(status: 200, reason: "OK", headers: try response().headers)
        #expect(throws: HandshakeError.unexpectedStatus(ok)) { try makeHandshake().validate(ok) }
    }

    @Test("Upgrade must name websocket")
    func missingUpgrade() throws {
        let missing = try HandshakeResponse(status: 101, reason: "", headers: fields(["Connection": "Upgrade", "Sec-WebSocket-Accept": Self.accept]))
        #expect(throws: HandshakeError.missingUpgradeHeader) { try makeHandshake().validate(missing) }
        let other = try HandshakeResponse(
            status: 101, reason: "", headers: fields(["Upgrade": "h2c", "Connection": "Upgrade", "Sec-WebSocket-Accept": Self.accept])
        )
        #expect(throws: HandshakeError.missingUpgradeHeader) { try makeHandshake().validate(other) }
    }

    @Test("Connection must list the upgrade token")
    func missingConnectionUpgrade() throws {
        let response = try HandshakeResponse(
            status: 101, reason: "", headers: fields(["Upgrade": "websocket", "Connection": "keep-alive", "Sec-WebSocket-Accept": Self.accept])
        )
        #expect(throws: HandshakeError.missingConnectionHeader) { try makeHandshake().validate(response) }
    }

    @Test("Sec-WebSocket-Accept must be present")
    func missingAccept() throws {
        let response = try HandshakeResponse(status: 101, reason: "", headers: fields(["Upgrade": "websocket", "Connection": "Upgrade"]))
        #expect(throws: HandshakeError.missingAcceptHeader) { try makeHandshake().validate(response) }
    }

    @Test("an accept value computed for another key (a replayed response) is refused")
    func replayedAccept() {
        let otherAccept = HandshakeKey.acceptValue(for: "AAECAwQFBgcICQoLDA0ODw==")
        #expect(throws: HandshakeError.acceptMismatch(expected: Self.accept, received: otherAccept)) {
            try makeHandshake().validate(response(accept: otherAccept))
        }
        // The key itself, echoed back, is not the accept value either.
        #expect(throws: HandshakeError.acceptMismatch(expected: Self.accept, received: Self.key)) {
            try makeHandshake().validate(response(accept: Self.key))
        }
    }

    @Test("two Sec-WebSocket-Accept fields are refused even if one matches")
    func duplicateAccept() {
        #expect(throws: HandshakeError.acceptMismatch(expected: Self.accept, received: "\(Self.accept), \(Self.accept)")) {
            try makeHandshake().validate(response(fields(["Sec-WebSocket-Accept": Self.accept])))
        }
    }

    @Test("a subprotocol is refused when none was offered")
    func subprotocolNotOffered() {
        #expect(throws: HandshakeError.unexpectedSubprotocol("chat")) {
            try makeHandshake().validate(response(fields(["Sec-WebSocket-Protocol": "chat"])))
        }
    }

    @Test("a subprotocol is refused unless it is exactly one of those offered")
    func subprotocolNotAmongOffers() throws {
        let handshake = try makeHandshake(subprotocols: ["chat", "superchat"])
        #expect(throws: HandshakeError.unexpectedSubprotocol("mqtt")) {
            try handshake.validate(response(fields(["Sec-WebSocket-Protocol": "mqtt"])))
        }
        #expect(throws: HandshakeError.unexpectedSubprotocol("chat, superchat")) {
            try handshake.validate(response(fields(["Sec-WebSocket-Protocol": "chat, superchat"])))
        }
        #expect(throws: HandshakeError.unexpectedSubprotocol("chat, chat")) {
            try handshake.validate(response(fields(["Sec-WebSocket-Protocol": "chat", "Sec-WebSocket-Protocol": "chat"])))
        }
    }

    @Test("an extension is refused when it was not offered")
    func extensionNotOffered() {
        #expect(throws: HandshakeError.unexpectedExtension("permessage-deflate")) {
            try makeHandshake(extensions: [TestNegotiator()]).validate(response(fields(["Sec-WebSocket-Extensions": "permessage-deflate"])))
        }
        // A negotiator that offered nothing does not make its extension acceptable.
        #expect(throws: HandshakeError.unexpectedExtension("x-test")) {
            try makeHandshake(extensions: [TestNegotiator(offers: [])]).validate(response(fields(["Sec-WebSocket-Extensions": "x-test"])))
        }
    }

    @Test("the same extension twice is refused")
    func duplicateExtension() {
        #expect(throws: HandshakeError.duplicateExtension("x-test")) {
            try makeHandshake(extensions: [TestNegotiator()])
                .validate(response(fields(["Sec-WebSocket-Extensions": "x-test", "sec-websocket-extensions": "x-test; level=1"])))
        }
    }

    @Test("parameters the negotiator does not allow are refused")
    func invalidExtensionParameters() {
        #expect(throws: HandshakeError.invalidExtensionResponse("x-test allows only 'level'")) {
            try makeHandshake(extensions: [TestNegotiator()]).validate(response(fields(["Sec-WebSocket-Extensions": "x-test; speed=9"])))
        }
    }

    @Test("a malformed Sec-WebSocket-Extensions header is refused")
    func malformedExtensions() {
        let error = #expect(throws: HandshakeError.self) {
            try makeHandshake(extensions: [TestNegotiator()]).validate(response(fields(["Sec-WebSocket-Extensions": "x-test; level=\"1"])))
        }
        guard case .malformedExtensionHeader(let detail) = error else {
            Issue.record("expected malformedExtensionHeader, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("unterminated quoted string"))
    }

    @Test("every error explains itself")
    func descriptions() {
        #expect(String(describing: HandshakeError.duplicateExtension("x")) == "server enabled extension 'x' more than once")
        #expect(String(describing: HandshakeError.missingAcceptHeader).contains("Sec-WebSocket-Accept"))
    }
}
