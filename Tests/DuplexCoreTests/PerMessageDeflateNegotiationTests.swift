import DuplexCore
import Testing

/// RFC 7692 §5 and §7.1: what a server accepts and answers, and what a client accepts.
@Suite(.timeLimit(.minutes(1))) struct PerMessageDeflateNegotiationTests {
    private func element(_ parameters: [(String, String?)]) -> ExtensionHeaderElement {
        ExtensionHeaderElement(
            name: "permessage-deflate",
            parameters: parameters.map { ExtensionHeaderElement.Parameter(name: $0.0, value: $0.1) }
        )
    }

    /// The server policy with 15-bit windows both ways, which the tables below assume.
    private static var fullWindows: PerMessageDeflate.ServerPolicy {
        var policy = PerMessageDeflate.ServerPolicy()
        policy.serverMaxWindowBits = 15
        return policy
    }

    private func serverAgreement(
        _ offers: [ExtensionHeaderElement], policy: PerMessageDeflate.ServerPolicy = fullWindows
    ) throws -> NegotiatedPerMessageDeflate? {
        var configuration = PerMessageDeflate.Configuration()
        configuration.serverPolicy = policy
        return try PerMessageDeflate(configuration: configuration).serverAccept(offers) as? NegotiatedPerMessageDeflate
    }

    private func clientAgreement(
        offers: [PerMessageDeflateParameters], response: ExtensionHeaderElement
    ) throws -> NegotiatedPerMessageDeflate? {
        var configuration = PerMessageDeflate.Configuration()
        configuration.offers = offers
        return try PerMessageDeflate(configuration: configuration).clientAccept(response) as? NegotiatedPerMessageDeflate
    }

    // MARK: Client offers

    @Test func defaultClientOffersClientMaxWindowBits() {
        #expect(PerMessageDeflate().clientOffers() == [element([("client_max_window_bits", nil)])])
        #expect(PerMessageDeflate().name == "permessage-deflate")
    }

    @Test func clientOffersSeveralInOrder() throws {
        var configuration = PerMessageDeflate.Configuration()
        configuration.offers = [
            .init(clientNoContextTakeover: true, clientMaxWindowBits: .bits(9)),
            .init(serverMaxWindowBits: 10),
        ]
        #expect(try PerMessageDeflate(configuration: configuration).clientOffers() == [
            element([("client_no_context_takeover", nil), ("client_max_window_bits", "9")]),
            element([("server_max_window_bits", "10")]),
        ])
    }

    // MARK: Server acceptance table

    /// Offer parameters → the server's response parameters (policy with 15-bit windows).
    @Test(arguments: [
        ([], []),
        ([("client_max_window_bits", nil)], []),
        ([("client_max_window_bits", "10")], [("client_max_window_bits", "10")]),
        ([("client_max_window_bits", "15")], []),
        ([("server_no_context_takeover", nil)], [("server_no_context_takeover", nil)]),
        ([("client_no_context_takeover", nil)], [("client_no_context_takeover", nil)]),
        ([("server_max_window_bits", "8")], [("server_max_window_bits", "8")]),
        ([("server_max_window_bits", "15")], [("server_max_window_bits", "15")]),
        (
            [("server_no_context_takeover", nil), ("client_no_context_takeover", nil),
             ("server_max_window_bits", "12"), ("client_max_window_bits", "9")],
            [("server_no_context_takeover", nil), ("client_no_context_takeover", nil),
             ("server_max_window_bits", "12"), ("client_max_window_bits", "9")]
        ),
    ] as [([(String, String?)], [(String, String?)])])
    func serverAnswersValidOffer(offer: [(String, String?)], response: [(String, String?)]) throws {
        let agreement = try #require(try serverAgreement([element(offer)]))
        #expect(agreement.responseElement == element(response))
    }

    @Test(arguments: [
        [("unknown_parameter", nil)],
        [("server_max_window_bits", "10"), ("server_max_window_bits", "10")],
        [("server_max_window_bits", "7")],
        [("server_max_window_bits", "16")],
        [("client_max_window_bits", "abc")],
        [("server_no_context_takeover", "yes")],
        [("server_max_window_bits", nil)],
    ] as [[(String, String?)]])
    func serverDeclinesMalformedOffer(_ offer: [(String, String?)]) throws {
        #expect(try serverAgreement([element(offer)]) == nil)
    }

    @Test func serverAcceptsFirstSatisfiableOffer() throws {
        let agreement = try #require(try serverAgreement([
            element([("server_max_window_bits", "16")]),
            element([("client_max_window_bits", "11")]),
            element([]),
        ]))
        #expect(agreement.responseElement == element([("client_max_window_bits", "11")]))
        #expect(agreement.clientMaxWindowBits == 11)
    }

    @Test func serverDeclinesWhenNoOfferIsAcceptable() throws {
        #expect(try serverAgreement([element([("x", nil)]), element([("client_max_window_bits", "1")])]) == nil)
        #expect(try serverAgreement([]) == nil)
    }

    @Test func defaultServerPolicyCompressesWithTwelveBitsAndLetsTheClientChoose() throws {
        let agreement = try #require(try serverAgreement([element([("client_max_window_bits", nil)])], policy: .init()))
        #expect(agreement.responseElement == element([("server_max_window_bits", "12")]))
        #expect(agreement.serverMaxWindowBits == 12 && agreement.clientMaxWindowBits == 15)
        #expect(agreement.memoryLevel == 5)
        let plain = try #require(try serverAgreement([element([])], policy: .init()))
        #expect(plain.responseElement == element([("server_max_window_bits", "12")]))
        let asked = try #require(try serverAgreement([element([("server_max_window_bits", "10")])], policy: .init()))
        #expect(asked.serverMaxWindowBits == 10)
    }

    @Test func serverPolicyAddsItsOwnLimits() throws {
        var policy = PerMessageDeflate.ServerPolicy()
        policy.serverNoContextTakeover = true
        policy.clientNoContextTakeover = true
        policy.serverMaxWindowBits = 10
        policy.clientMaxWindowBits = 12
        let agreement = try #require(try serverAgreement([element([("client_max_window_bits", nil)])], policy: policy))
        #expect(agreement.responseElement == element([
            ("server_no_context_takeover", nil), ("client_no_context_takeover", nil),
            ("server_max_window_bits", "10"), ("client_max_window_bits", "12"),
        ]))
        #expect(agreement.serverMaxWindowBits == 10 && agreement.clientMaxWindowBits == 12)
        #expect(agreement.serverNoContextTakeover && agreement.clientNoContextTakeover)
    }

    @Test func serverHonoursSmallerRequestedWindowThanPolicy() throws {
        var policy = PerMessageDeflate.ServerPolicy()
        policy.serverMaxWindowBits = 12
        let agreement = try #require(try serverAgreement([element([("server_max_window_bits", "9")])], policy: policy))
        #expect(agreement.responseElement == element([("server_max_window_bits", "9")]))
    }

    @Test func serverLimitingClientWindowDeclinesOfferWithoutClientMaxWindowBits() throws {
        var policy = Self.fullWindows
        policy.clientMaxWindowBits = 10
        #expect(try serverAgreement([element([])], policy: policy) == nil)
        let agreement = try #require(try serverAgreement([element([]), element([("client_max_window_bits", "9")])], policy: policy))
        #expect(agreement.responseElement == element([("client_max_window_bits", "9")]))
    }

    // MARK: Client validation

    @Test func clientAcceptsPlainResponse() throws {
        let agreement = try #require(try clientAgreement(offers: [.init(clientMaxWindowBits: .supported)], response: element([])))
        #expect(agreement.serverMaxWindowBits == 15 && agreement.clientMaxWindowBits == 15)
        #expect(!agreement.serverNoContextTakeover && !agreement.clientNoContextTakeover)
        #expect(agreement.responseElement == element([]))
    }

    @Test func clientAppliesServerChoices() throws {
        let agreement = try #require(try clientAgreement(
            offers: [.init(clientMaxWindowBits: .supported)],
            response: element([
                ("server_no_context_takeover", nil), ("client_no_context_takeover", nil),
                ("server_max_window_bits", "11"), ("client_max_window_bits", "10"),
            ])))
        #expect(agreement.serverNoContextTakeover && agreement.clientNoContextTakeover)
        #expect(agreement.serverMaxWindowBits == 11 && agreement.clientMaxWindowBits == 10)
    }

    @Test func clientKeepsItsOwnNoContextTakeoverHintAndWindow() throws {
        let agreement = try #require(try clientAgreement(
            offers: [.init(clientNoContextTakeover: true, clientMaxWindowBits: .bits(9))], response: element([])))
        #expect(agreement.clientNoContextTakeover)
        #expect(agreement.clientMaxWindowBits == 9)
    }

    @Test func clientMatchesResponseToSecondOffer() throws {
        let agreement = try #require(try clientAgreement(
            offers: [.init(serverNoContextTakeover: true), .init(clientMaxWindowBits: .supported)],
            response: element([("client_max_window_bits", "12")])))
        #expect(agreement.clientMaxWindowBits == 12 && !agreement.serverNoContextTakeover)
    }

    @Test(arguments: [
        ([.init()], [("client_max_window_bits", "10")], "client_max_window_bits was not offered"),
        ([.init(clientMaxWindowBits: .supported)], [("client_max_window_bits", nil)], "client_max_window_bits without a value"),
        ([.init(clientMaxWindowBits: .bits(9))], [("client_max_window_bits", "10")], "larger than the 9 offered"),
        ([.init(serverMaxWindowBits: 10)], [("server_max_window_bits", "12")], "larger than the 10 requested"),
        ([.init(serverMaxWindowBits: 10)], [], "server_max_window_bits=10 was requested but not confirmed"),
        ([.init(serverNoContextTakeover: true)], [], "server_no_context_takeover was requested"),
        ([.init()], [("mystery", nil)], "unknown parameter mystery"),
        ([.init()], [("server_no_context_takeover", nil), ("server_no_context_takeover", nil)], "duplicate parameter"),
        ([.init()], [("server_max_window_bits", "16")], "not a window size"),
        ([.init()], [("server_no_context_takeover", "x")], "must not have a value"),
        ([.init(serverNoContextTakeover: true), .init(serverMaxWindowBits: 9)], [], "matches none of the offers"),
    ] as [([PerMessageDeflateParameters], [(String, String?)], String)])
    func clientRejectsInvalidResponse(offers: [PerMessageDeflateParameters], response: [(String, String?)], detail: String) {
        do {
            _ = try clientAgreement(offers: offers, response: element(response))
            Issue.record("accepted an invalid response")
        } catch {
            guard case .invalidExtensionResponse(let message) = error as? HandshakeError else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(message.contains(detail), "\(message)")
        }
    }

    @Test func serverResponseIsAcceptedByTheClientThatOffered() throws {
        let offers: [PerMessageDeflateParameters] = [
            .init(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9, clientMaxWindowBits: .bits(8)),
        ]
        var configuration = PerMessageDeflate.Configuration()
        configuration.offers = offers
        let client = try PerMessageDeflate(configuration: configuration)
        let server = try #require(PerMessageDeflate().serverAccept(client.clientOffers()) as? NegotiatedPerMessageDeflate)
        let agreed = try #require(try client.clientAccept(server.responseElement) as? NegotiatedPerMessageDeflate)
        #expect(agreed.serverMaxWindowBits == server.serverMaxWindowBits)
        #expect(agreed.clientMaxWindowBits == server.clientMaxWindowBits)
        #expect(agreed.serverNoContextTakeover == server.serverNoContextTakeover)
        #expect(agreed.clientNoContextTakeover == server.clientNoContextTakeover)
    }
}
