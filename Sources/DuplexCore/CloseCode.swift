/// A close status code (RFC 6455 §7.4).
///
/// Any `UInt16` can be held, but only codes that ``isValidOnWire`` may appear in a close frame:
/// 1000–1003, 1007–1014 and 3000–4999. The others either are reserved (1004, 1016–2999),
/// must never be sent (1005, 1006, 1015), or are out of range.
public struct CloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The numeric code.
    public var rawValue: UInt16

    /// Wraps a numeric code.
    @inlinable
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Wraps a numeric code.
    @inlinable
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection has been fulfilled.
    public static let normalClosure = CloseCode(1000)
    /// 1001: the endpoint is going away (server shutdown, page navigation, task cancelled).
    public static let goingAway = CloseCode(1001)
    /// 1002: the peer broke the protocol.
    public static let protocolError = CloseCode(1002)
    /// 1003: the endpoint received a kind of data it cannot accept.
    public static let unsupportedData = CloseCode(1003)
    /// 1005: reported locally when a close frame carried no code; never sent.
    public static let noStatusReceived = CloseCode(1005)
    /// 1006: reported locally when the connection ended without a close frame; never sent.
    public static let abnormalClosure = CloseCode(1006)
    /// 1007: a message's data was inconsistent with its type (for example invalid UTF-8 in text).
    public static let invalidPayloadData = CloseCode(1007)
    /// 1008: a message violated the endpoint's policy.
    public static let policyViolation = CloseCode(1008)
    /// 1009: a frame or message was larger than the configured limit.
    public static let messageTooBig = CloseCode(1009)
    /// 1010: the client expected the server to negotiate an extension it did not.
    public static let mandatoryExtension = CloseCode(1010)
    /// 1011: the server hit an unexpected condition.
    public static let internalError = CloseCode(1011)
    /// 1012: the service is restarting.
    public static let serviceRestart = CloseCode(1012)
    /// 1013: try again later (temporary overload).
    public static let tryAgainLater = CloseCode(1013)
    /// 1014: a gateway received an invalid response from upstream.
    public static let badGateway = CloseCode(1014)
    /// 1015: reported locally when the TLS handshake failed; never sent.
    public static let tlsHandshakeFailure = CloseCode(1015)

    /// Whether the code may be carried in a close frame: 1000–1003, 1007–1014 and 3000–4999.
    @inlinable
    public var isValidOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    /// The numeric code as text.
    public var description: String { String(rawValue) }
}
