@_spi(Core) import DuplexCore

/// Fuzzes the `Sec-WebSocket-Extensions` parser and permessage-deflate negotiation on its output.
///
/// Input layout: two bytes for the server's ``PerMessageDeflate/ServerPolicy`` and compression
/// settings, then the header text (lines are separate field values) up to a NUL byte, then bytes
/// from which test messages are made.
///
/// Asserts: parsed names and parameter names are tokens, and values too (§9.1); serializing and
/// parsing again gives the same elements; several fields parse as their concatenation; a server
/// declines valid offers only when its policy cannot limit the client's window; the 101 element
/// a server answers with is accepted by a client that made the same offers, after a trip through
/// the header syntax; and the two agreements then compress and decompress messages in both
/// directions, split across frames, to the original bytes (``DeflateRoundTrip``).
public enum ExtensionFuzzer {
    /// Runs one input.
    public static func run(_ data: UnsafePointer<UInt8>, _ size: Int) {
        var input = FuzzInput(data, count: size)
        let configuration = serverConfiguration(input.takeByte(), input.takeByte())
        let rest = input.remaining
        let headerEnd = rest.firstIndex(of: 0) ?? rest.endIndex
        let fieldValues = String(decoding: rest[..<headerEnd], as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let messageBytes = Array(rest[headerEnd...].dropFirst())

        let elements: [ExtensionHeaderElement]
        do {
            elements = try ExtensionHeader.parse(fieldValues: fieldValues)
        } catch {
            require(!error.description.isEmpty, "a parse error without a description")
            return
        }
        checkSyntax(elements, fieldValues: fieldValues)
        negotiate(elements, configuration: configuration, messageBytes: messageBytes)
    }

    private static func serverConfiguration(_ first: UInt8, _ second: UInt8) -> PerMessageDeflate.Configuration {
        var configuration = PerMessageDeflate.Configuration()
        configuration.serverPolicy.serverNoContextTakeover = first & 0x01 != 0
        configuration.serverPolicy.clientNoContextTakeover = first & 0x02 != 0
        configuration.serverPolicy.serverMaxWindowBits = 8 + Int(first >> 2 & 7)
        configuration.serverPolicy.clientMaxWindowBits = 8 + Int(first >> 5 & 7)
        configuration.compressionLevel = Int(second & 0x0F) % 10
        configuration.memoryLevel = 1 + Int(second >> 4 & 7) % 9
        configuration.threshold = second & 0x80 == 0 ? 0 : 16
        return configuration
    }

    private static func checkSyntax(_ elements: [ExtensionHeaderElement], fieldValues: [String]) {
        for element in elements {
            require(isToken(element.name), "extension name '\(element.name)' is not a token")
            for parameter in element.parameters {
                require(isToken(parameter.name), "parameter name '\(parameter.name)' is not a token")
                require(parameter.value.map(isToken) ?? true, "parameter value '\(parameter.value ?? "")' is not a token")
            }
        }
        let serialized = try? ExtensionHeader.serialize(elements)
        require(serialized.flatMap { try? ExtensionHeader.parse($0) } == elements, "'\(serialized ?? "-")' does not parse back to \(elements)")
        let separately = fieldValues.compactMap { try? ExtensionHeader.parse($0) }
        require(separately.count == fieldValues.count, "a field failed alone but not with the others")
        require(Array(separately.joined()) == elements, "the fields parse differently alone")
    }

    private static func negotiate(
        _ elements: [ExtensionHeaderElement], configuration: PerMessageDeflate.Configuration, messageBytes: [UInt8]
    ) {
        let offers = elements.filter { $0.name.lowercased() == PerMessageDeflate.extensionName }
        let valid = offers.filter { (try? PerMessageDeflateParameters(parsing: $0)) != nil }
        guard let server = try? PerMessageDeflate(configuration: configuration) else {
            require(false, "refused the in-range configuration \(configuration)")
            return
        }
        guard let serverAgreement = server.serverAccept(offers) else {
            require(
                valid.isEmpty || configuration.serverPolicy.clientMaxWindowBits < 15,
                "declined the valid offers \(valid) with policy \(configuration.serverPolicy)")
            return
        }
        require(!valid.isEmpty, "accepted when no offer was valid: \(offers)")
        let response = serverAgreement.responseElement
        require(response.name == PerMessageDeflate.extensionName, "answered with extension \(response.name)")

        let clientConfiguration = ServerHandshakeFuzzer.clientConfiguration(offering: offers)
        guard let responseAgain = try? ExtensionHeader.parse(try ExtensionHeader.serialize(response)), responseAgain.count == 1 else {
            require(false, "the response element \(response) does not survive the header syntax")
            return
        }
        do {
            let clientAgreement = try PerMessageDeflate(configuration: clientConfiguration).clientAccept(responseAgain[0])
            DeflateRoundTrip(server: serverAgreement, client: clientAgreement).run(messageBytes)
        } catch {
            require(false, "the client rejected the server's answer \(response) to its offers \(valid): \(error)")
        }
    }

    /// Whether `text` is an HTTP token: one or more of the `tchar` of RFC 9110 §5.6.2.
    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return true
            default:
                return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
