/// The parameters of one permessage-deflate offer or response (RFC 7692 §7.1), parsed and checked.
///
/// The same type describes what a client offers (``PerMessageDeflate/Configuration/offers``) and
/// what a server answered. Parsing rejects unknown and duplicated parameters, values on the
/// `*_no_context_takeover` flags, and window sizes outside 8–15 (RFC 7692 §7.1).
public struct PerMessageDeflateParameters: Sendable, Hashable {
    /// The `client_max_window_bits` parameter, which may appear without a value in an offer.
    public enum ClientWindowBits: Sendable, Hashable {
        /// No value: the client supports the parameter and lets the server choose (offers only).
        case supported
        /// A window of `2^bits` bytes, 8–15.
        case bits(Int)
    }

    /// `server_no_context_takeover`: the server resets its compression context after each message.
    public var serverNoContextTakeover: Bool
    /// `client_no_context_takeover`: the client resets its compression context after each message.
    public var clientNoContextTakeover: Bool
    /// `server_max_window_bits`: the largest LZ77 window (as a power of two, 8–15) the server
    /// compresses with, or `nil` when absent.
    public var serverMaxWindowBits: Int?
    /// `client_max_window_bits`, or `nil` when absent.
    public var clientMaxWindowBits: ClientWindowBits?

    /// The window sizes RFC 7692 allows, as powers of two.
    public static let windowBitsRange: ClosedRange<Int> = 8...15

    /// Creates parameters; window sizes must lie in ``windowBitsRange``.
    public init(
        serverNoContextTakeover: Bool = false,
        clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int? = nil,
        clientMaxWindowBits: ClientWindowBits? = nil
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }

    /// Parses the parameters of a `permessage-deflate` header element. Throws a sentence naming
    /// the offending parameter when one is unknown, repeated, or has an invalid value.
    @_spi(Core) public init(parsing element: ExtensionHeaderElement) throws(PerMessageDeflateParameterError) {
        self.init()
        var seen: Set<String> = []
        for parameter in element.parameters {
            guard seen.insert(parameter.name).inserted else {
                throw PerMessageDeflateParameterError("duplicate parameter \(parameter.name)")
            }
            switch parameter.name {
            case "server_no_context_takeover":
                try Self.requireNoValue(parameter)
                serverNoContextTakeover = true
            case "client_no_context_takeover":
                try Self.requireNoValue(parameter)
                clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let value = parameter.value else {
                    throw PerMessageDeflateParameterError("server_max_window_bits without a value")
                }
                serverMaxWindowBits = try Self.windowBits(value, of: parameter.name)
            case "client_max_window_bits":
                if let value = parameter.value {
                    clientMaxWindowBits = .bits(try Self.windowBits(value, of: parameter.name))
                } else {
                    clientMaxWindowBits = .supported
                }
            default:
                throw PerMessageDeflateParameterError("unknown parameter \(parameter.name)")
            }
        }
    }

    /// These parameters as a `permessage-deflate` header element, in the order RFC 7692 lists them.
    package var headerElement: ExtensionHeaderElement {
        var parameters: [ExtensionHeaderElement.Parameter] = []
        if serverNoContextTakeover { parameters.append(.init(name: "server_no_context_takeover")) }
        if clientNoContextTakeover { parameters.append(.init(name: "client_no_context_takeover")) }
        if let bits = serverMaxWindowBits {
            parameters.append(.init(name: "server_max_window_bits", value: String(bits)))
        }
        switch clientMaxWindowBits {
        case .none: break
        case .supported: parameters.append(.init(name: "client_max_window_bits"))
        case .bits(let bits): parameters.append(.init(name: "client_max_window_bits", value: String(bits)))
        }
        return ExtensionHeaderElement(name: PerMessageDeflate.extensionName, parameters: parameters)
    }

    private static func requireNoValue(_ parameter: ExtensionHeaderElement.Parameter) throws(PerMessageDeflateParameterError) {
        if parameter.value != nil {
            throw PerMessageDeflateParameterError("\(parameter.name) must not have a value")
        }
    }

    /// Parses a window size: 1–2 decimal digits without a leading zero, in 8–15.
    private static func windowBits(_ text: String, of name: String) throws(PerMessageDeflateParameterError) -> Int {
        guard text.utf8.count <= 2, text.utf8.first != UInt8(ascii: "0"),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let bits = Int(text), windowBitsRange.contains(bits)
        else {
            throw PerMessageDeflateParameterError("\(name)=\(text) is not a window size in 8...15")
        }
        return bits
    }
}

/// Why a permessage-deflate header element's parameters were rejected.
@_spi(Core) public struct PerMessageDeflateParameterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong, for a person, e.g. `duplicate parameter server_max_window_bits`.
    public var description: String

    /// Creates an error with a description.
    public init(_ description: String) { self.description = description }
}
