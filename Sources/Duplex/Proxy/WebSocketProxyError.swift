/// Why a proxy could not be used: a setting refused before connecting (``invalid(_:)``,
/// ``invalidCredentials(_:)``), or the proxy's answer when asked for a tunnel.
///
/// Failures around it keep their own types: a proxy that cannot be reached throws the connect
/// error (e.g. NIO's `NIOConnectionError`), one that closes the connection before answering
/// ``WebSocketError/connectionClosedDuringHandshake``, and one that does not answer within the
/// handshake timeout ``WebSocketError/handshakeTimeout``. Reasons never hold a password.
public enum WebSocketProxyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The proxy setting cannot be used: the reason names what is wrong (an unsupported scheme, an
    /// empty host, a port outside 1...65535, a server name too long for SOCKS5, …).
    case invalid(String)
    /// The credentials cannot be sent (a control character such as CR or LF, a `:` in an HTTP
    /// user name, more than 255 bytes for SOCKS5); the reason says which rule, not the value.
    case invalidCredentials(String)
    /// The HTTP proxy answered `CONNECT` with this status instead of 2xx: 407 when it wants
    /// (other) credentials, 403 when its rules forbid the destination, 502 or 503 when it could
    /// not reach the server.
    case refused(status: Int)
    /// The SOCKS5 proxy refused the connection with this reply code (RFC 1928 §6): 1 general
    /// failure, 2 not allowed by its rules, 3 network unreachable, 4 host unreachable, 5
    /// connection refused, 6 TTL expired, 7 command not supported, 8 address type not supported.
    case socksRefused(reply: UInt8)
    /// The SOCKS5 proxy accepts none of the authentication methods offered: it wants a user name
    /// and password and none was configured, or only methods Duplex does not speak (GSSAPI).
    case socksNoAcceptableMethod
    /// The SOCKS5 proxy rejected the user name and password with this status (RFC 1929 §2).
    case socksAuthenticationFailed(status: UInt8)
    /// The proxy's answer is not valid HTTP or SOCKS5; the reason says what was wrong.
    case malformedResponse(String)

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .invalid(let reason): "invalid proxy: \(reason)"
        case .invalidCredentials(let reason): "invalid proxy credentials: \(reason)"
        case .refused(let status): "the proxy refused the tunnel with HTTP status \(status)"
        case .socksRefused(let reply): "the SOCKS5 proxy refused the connection with reply \(reply)"
        case .socksNoAcceptableMethod: "the SOCKS5 proxy accepts none of the offered authentication methods"
        case .socksAuthenticationFailed(let status):
            "the SOCKS5 proxy rejected the user name and password (status \(status))"
        case .malformedResponse(let reason): "the proxy's answer is malformed: \(reason)"
        }
    }
}
