@_spi(Core) import DuplexCore
import Testing

@Suite("Server opening handshake (RFC 6455 §4.2)", .timeLimit(.minutes(1)))
struct ServerHandshakeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static let accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

    /// A valid handshake request whose headers are changed by `edit`.
    static func request(
        method: String = "GET",
        target: String = "/chat",
        version: HTTPVersionNumber = .http1_1,
        _ edit: (inout HeaderFields) -> Void = { _ in }
    ) throws -> HandshakeRequest {
        var headers = fields([
            "Host": "example.org",
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": key,
            "Sec-WebSocket-Version": "13",
        ])
        edit(&headers)
        return try HandshakeRequest(method: method, target: target, version: version, headers: headers)
    }

    static func upgrade(_ request: HandshakeRequest) throws -> UpgradeRequest {
        try ServerHandshake.validate(request).get()
    }

    static func rejection(_ request: HandshakeRequest) -> HandshakeResponse? {
        guard case .failure(let rejection) = ServerHandshake.validate(request) else { return nil }
        return rejection.response
    }

    @Test("a valid request exposes its parts")
    func exposesRequest() throws {
        let request = try Self.request(target: "/chat?room=1&x=2") { headers in
            headers.add(uncheckedName: "Origin", value: "https://app.example")
            headers.add(uncheckedName: "Sec-WebSocket-Protocol", value: "chat, superchat")
            headers.add(uncheckedName: "Sec-WebSocket-Protocol", value: "v2")
            headers.add(uncheckedName: "Sec-WebSocket-Extensions", value: "x-test; level=1, permessage-deflate")
        }
        let upgrade = try Self.upgrade(request)
        #expect(upgrade.request == request)
        #expect(upgrade.path == "/chat")
        #expect(upgrade.query == "room=1&x=2")
        #expect(upgrade.host == "example.org")
        #expect(upgrade.origin == "https://app.example")
        #expect(upgrade.subprotocols == ["chat", "superchat", "v2"])
        #expect(
            upgrade.extensionOffers == [
                .init(name: "x-test", parameters: [.init(name: "level", value: "1")]), .init(name: "permessage-deflate"),
            ]
        )
        #expect(upgrade.key == Self.key)
    }

    @Test("a minimal request has no query, origin, subprotocols or offers")
    func minimalRequest() throws {
        let upgrade = try Self.upgrade(Self.request(target: "/"))
        #expect(upgrade.path == "/")
        #expect(upgrade.query == nil)
        #expect(upgrade.origin == nil)
        #expect(upgrade.subprotocols.isEmpty)
        #expect(upgrade.extensionOffers.isEmpty)
    }

    @Test("tolerated variations: token lists, case, a later HTTP version")
    func validVariations() throws {
        let request = try Self.request(version: HTTPVersionNumber(major: 2, minor: 0)) { headers in
            headers.replaceOrAdd(uncheckedName: "connection", value: "keep-alive, Upgrade")
            headers.replaceOrAdd(uncheckedName: "upgrade", value: "WebSocket")
            headers.replaceOrAdd(uncheckedName: "sec-websocket-key", value: Self.key)
            headers.replaceOrAdd(uncheckedName: "sec-websocket-version", value: "13")
        }
        let upgrade = try Self.upgrade(request)
        #expect(upgrade.key == Self.key)
        #expect(try upgrade.accept().response.headers.first(name: "Sec-WebSocket-Accept") == Self.accept)
    }

    @Test("a malformed Sec-WebSocket-Extensions header drops the offers but not the handshake")
    func malformedExtensionsIgnored() throws {
        let upgrade = try Self.upgrade(Self.request { $0.add(uncheckedName: "Sec-WebSocket-Extensions", value: "x-test; level=\"1") })
        #expect(upgrade.extensionOffers.isEmpty)
    }

    struct RejectionCase: Sendable, CustomTestStringConvertible {
        var label: String
        var request: HandshakeRequest
        var status: Int
        var headers: HeaderFields = HeaderFields()
        var testDescription: String { label }
    }

    static func rejectionCases() throws -> [RejectionCase] { [
        RejectionCase(label: "POST", request: try request(method: "POST"), status: 405, headers: fields(["Allow": "GET"])),
        RejectionCase(label: "HTTP/1.0", request: try request(version: .http1_0), status: 505),
        RejectionCase(label: "no Host", request: try request { $0.remove(name: "Host") }, status: 400),
        RejectionCase(label: "two Hosts", request: try request { $0.add(uncheckedName: "Host", value: "other.org") }, status: 400),
        RejectionCase(
            label: "plain HTTP request",
            request: try request {
                $0.remove(name: "Upgrade")
                $0.remove(name: "Connection")
            },
            status: 426,
            headers: fields(["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"])
        ),
        RejectionCase(label: "Upgrade without Connection", request: try request { $0.remove(name: "Connection") }, status: 400),
        RejectionCase(
            label: "Connection without upgrade token",
            request: try request { $0.replaceOrAdd(uncheckedName: "Connection", value: "keep-alive") },
            status: 400
        ),
        RejectionCase(label: "Connection without Upgrade", request: try request { $0.remove(name: "Upgrade") }, status: 400),
        RejectionCase(
            label: "Upgrade to another protocol",
            request: try request { $0.replaceOrAdd(uncheckedName: "Upgrade", value: "h2c") },
            status: 400
        ),
        RejectionCase(
            label: "version 8",
            request: try request { $0.replaceOrAdd(uncheckedName: "Sec-WebSocket-Version", value: "8") },
            status: 426,
            headers: fields(["Sec-WebSocket-Version": "13"])
        ),
        RejectionCase(
            label: "no version",
            request: try request { $0.remove(name: "Sec-WebSocket-Version") },
            status: 426,
            headers: fields(["Sec-WebSocket-Version": "13"])
        ),
        RejectionCase(
            label: "two versions",
            request: try request { $0.add(uncheckedName: "Sec-WebSocket-Version", value: "13") },
            status: 426,
            headers: fields(["Sec-WebSocket-Version": "13"])
        ),
        RejectionCase(label: "no key", request: try request { $0.remove(name: "Sec-WebSocket-Key") }, status: 400),
        RejectionCase(
            label: "two keys",
            request: try request { $0.add(uncheckedName: "Sec-WebSocket-Key", value: "AAECAwQFBgcICQoLDA0ODw==") },
            status: 400
        ),
        RejectionCase(
            label: "key of 15 bytes",
            request: try request { $0.replaceOrAdd(uncheckedName: "Sec-WebSocket-Key", value: "AAECAwQFBgcICQoLDA0O") },
            status: 400
        ),
        RejectionCase(
            label: "key not base64",
            request: try request { $0.replaceOrAdd(uncheckedName: "Sec-WebSocket-Key", value: "not a websocket key!!!!!") },
            status: 400
        ),
    ] }

    @Test("invalid requests are refused with the right status, headers and a text body", arguments: try rejectionCases())
    func rejects(_ testCase: RejectionCase) throws {
        let response = try #require(Self.rejection(testCase.request))
        #expect(response.status == testCase.status)
        for field in testCase.headers {
            #expect(response.headers[field.name] == [field.value], "header \(field.name)")
        }
        #expect(response.headers.first(name: "Content-Type") == "text/plain; charset=utf-8")
        #expect(!response.body.isEmpty)
        #expect(!response.reason.isEmpty)
    }

    @Test("the version is checked before the key, so a client of another version learns to use 13")
    func versionBeforeKey() throws {
        let request = try Self.request {
            $0.replaceOrAdd(uncheckedName: "Sec-WebSocket-Version", value: "14")
            $0.remove(name: "Sec-WebSocket-Key")
        }
        #expect(Self.rejection(request)?.status == 426)
    }

    @Test("the 101 carries exactly the upgrade headers and the accept value")
    func acceptResponse() throws {
        let result = try Self.upgrade(Self.request()).accept()
        #expect(result.response.status == 101)
        #expect(result.response.reason == "Switching Protocols")
        #expect(result.response.headers == fields(["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": Self.accept]))
        #expect(result.response.body.isEmpty)
        #expect(result.subprotocol == nil)
        #expect(result.extensions.isEmpty)
    }

    @Test("the 101 names the chosen subprotocol and accepted extensions, then the extra headers")
    func acceptWithAgreements() throws {
        let upgrade = try Self.upgrade(
            try Self.request {
                $0.add(uncheckedName: "Sec-WebSocket-Protocol", value: "chat, superchat")
                $0.add(uncheckedName: "Sec-WebSocket-Extensions", value: "permessage-deflate, x-test; level=3, x-test")
            }
        )
        let result = try upgrade.accept(subprotocol: "superchat", extensions: [TestNegotiator()], headers: fields(["Set-Cookie": "a=b"]))
        #expect(
            result.response.headers == fields([
                "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": Self.accept,
                "Sec-WebSocket-Protocol": "superchat", "Sec-WebSocket-Extensions": "x-test; level=3", "Set-Cookie": "a=b",
            ])
        )
        #expect(result.subprotocol == "superchat")
        #expect(result.extensions.map(\.responseElement) == [.init(name: "x-test", parameters: [.init(name: "level", value: "3")])])
    }

    @Test("no extension header when nothing was offered, or every negotiator declined")
    func noExtensions() throws {
        let unoffered = try Self.upgrade(Self.request()).accept(extensions: [TestNegotiator()])
        #expect(!unoffered.response.headers.contains(name: "Sec-WebSocket-Extensions"))
        #expect(unoffered.extensions.isEmpty)
        let declined = try Self.upgrade(Self.request { $0.add(uncheckedName: "Sec-WebSocket-Extensions", value: "x-test") })
            .accept(extensions: [TestNegotiator(acceptsOffers: false)])
        #expect(!declined.response.headers.contains(name: "Sec-WebSocket-Extensions"))
    }

    @Test("a second negotiator for an already accepted extension is skipped")
    func oneNegotiatorPerExtension() throws {
        let result = try Self.upgrade(Self.request { $0.add(uncheckedName: "Sec-WebSocket-Extensions", value: "x-test") })
            .accept(extensions: [TestNegotiator(), TestNegotiator()])
        #expect(result.response.headers["Sec-WebSocket-Extensions"] == ["x-test"])
        #expect(result.extensions.count == 1)
    }

    @Test("choosing a subprotocol the client did not offer throws instead of building a 101")
    func unofferedSubprotocolThrows() throws {
        let upgrade = try ServerHandshake.validate(ServerHandshakeTests.request()).get()
        #expect(throws: HTTPFieldError(field: "subprotocol", rule: .notOffered)) { try upgrade.accept(subprotocol: "chat") }
    }

    static func conveniences() throws -> [(HandshakeRejection, Int, String)] { [
        (.badRequest(), 400, "Bad Request"),
        (.forbidden("Bad origin.\n"), 403, "Forbidden"),
        (.notFound(), 404, "Not Found"),
        (.methodNotAllowed(), 405, "Method Not Allowed"),
        (.upgradeRequired(), 426, "Upgrade Required"),
        (.serviceUnavailable(), 503, "Service Unavailable"),
        (.httpVersionNotSupported(), 505, "HTTP Version Not Supported"),
        (try HandshakeRejection(status: 429, body: "slow down\n", headers: fields(["Retry-After": "5"])), 429, "Too Many Requests"),
    ] }

    @Test("applications refuse with a status, its reason phrase and a text body", arguments: try conveniences())
    func convenienceRejections(_ expected: (HandshakeRejection, Int, String)) {
        let (rejection, status, reason) = expected
        #expect(rejection.response.status == status)
        #expect(rejection.response.reason == reason)
        #expect(!rejection.response.body.isEmpty)
        #expect(rejection.response.headers.first(name: "Content-Type") == "text/plain; charset=utf-8")
    }

    @Test("the client accepts what the server answers, end to end")
    func roundTrip() throws {
        let client = try ClientHandshake(
            host: "127.0.0.1:9001", target: "/echo?x=1", origin: "http://127.0.0.1", subprotocols: ["a", "b"],
            extensions: [TestNegotiator()]
        )
        let upgrade = try ServerHandshake.validate(client.request).get()
        #expect(upgrade.key == client.key)
        #expect(upgrade.host == "127.0.0.1:9001")
        let server = try upgrade.accept(subprotocol: upgrade.subprotocols.last, extensions: [TestNegotiator()])
        let result = try client.validate(server.response)
        #expect(result.subprotocol == "b")
        #expect(result.extensions.map(\.responseElement) == server.extensions.map(\.responseElement))
        #expect(result.extensions.map(\.responseElement.name) == ["x-test"])
    }
}
