@_spi(Core) import DuplexCore
import Testing

/// RFC 7692 §7.1: parsing and rendering of permessage-deflate parameters.
@Suite(.timeLimit(.minutes(1))) struct PerMessageDeflateParametersTests {
    private func element(_ parameters: [(String, String?)]) -> ExtensionHeaderElement {
        ExtensionHeaderElement(
            name: "permessage-deflate",
            parameters: parameters.map { ExtensionHeaderElement.Parameter(name: $0.0, value: $0.1) }
        )
    }

    @Test func parsesEveryParameter() throws {
        let parsed = try PerMessageDeflateParameters(parsing: element([
            ("server_no_context_takeover", nil), ("client_no_context_takeover", nil),
            ("server_max_window_bits", "10"), ("client_max_window_bits", "12"),
        ]))
        #expect(parsed == PerMessageDeflateParameters(
            serverNoContextTakeover: true, clientNoContextTakeover: true,
            serverMaxWindowBits: 10, clientMaxWindowBits: .bits(12)))
    }

    @Test func clientMaxWindowBitsWithoutValueIsSupported() throws {
        let parsed = try PerMessageDeflateParameters(parsing: element([("client_max_window_bits", nil)]))
        #expect(parsed.clientMaxWindowBits == .supported)
    }

    @Test(arguments: [
        [("x_unknown", nil)],
        [("server_no_context_takeover", nil), ("server_no_context_takeover", nil)],
        [("client_max_window_bits", nil), ("client_max_window_bits", "9")],
        [("server_no_context_takeover", "1")],
        [("client_no_context_takeover", "")],
        [("server_max_window_bits", nil)],
        [("server_max_window_bits", "7")],
        [("server_max_window_bits", "16")],
        [("server_max_window_bits", "abc")],
        [("server_max_window_bits", "09")],
        [("server_max_window_bits", "+9")],
        [("client_max_window_bits", "")],
        [("client_max_window_bits", "8.0")],
    ] as [[(String, String?)]])
    func rejectsMalformedParameters(_ parameters: [(String, String?)]) {
        #expect(throws: PerMessageDeflateParameterError.self) {
            try PerMessageDeflateParameters(parsing: element(parameters))
        }
    }

    @Test func errorNamesTheParameter() {
        #expect(throws: PerMessageDeflateParameterError("duplicate parameter client_no_context_takeover")) {
            try PerMessageDeflateParameters(parsing: element([
                ("client_no_context_takeover", nil), ("client_no_context_takeover", nil),
            ]))
        }
    }

    @Test func rendersInRFCOrder() {
        let parameters = PerMessageDeflateParameters(
            serverNoContextTakeover: true, clientNoContextTakeover: true,
            serverMaxWindowBits: 9, clientMaxWindowBits: .supported)
        #expect(parameters.headerElement == element([
            ("server_no_context_takeover", nil), ("client_no_context_takeover", nil),
            ("server_max_window_bits", "9"), ("client_max_window_bits", nil),
        ]))
    }

    @Test func renderingRoundTrips() throws {
        let parameters = PerMessageDeflateParameters(serverMaxWindowBits: 15, clientMaxWindowBits: .bits(8))
        #expect(try PerMessageDeflateParameters(parsing: parameters.headerElement) == parameters)
    }
}
