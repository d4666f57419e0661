/// Why a client rejected the server's answer to its opening handshake (RFC 6455 §4.1).
///
/// Each case's ``description`` says, for a person, what the server did wrong.
public enum HandshakeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with a status other than 101: its status line, headers (a 302's
    /// `Location`, a 401's `WWW-Authenticate`, a 503's `Retry-After`) and, when the connection
    /// read it, the start of its body (at most ``refusalBodyLimit`` bytes, decoded as UTF-8 with
    /// invalid bytes replaced), which often says why.
    case unexpectedStatus(HandshakeResponse)
    /// The response had no `Upgrade: websocket` header.
    case missingUpgradeHeader
    /// The response's `Connection` header did not contain the `upgrade` token.
    case missingConnectionHeader
    /// The response had no `Sec-WebSocket-Accept` header.
    case missingAcceptHeader
    /// `Sec-WebSocket-Accept` did not match the key that was sent.
    case acceptMismatch(expected: String, received: String)
    /// The server chose a subprotocol although none was offered, or one that was not offered.
    case unexpectedSubprotocol(String)
    /// The server answered with an extension that was not offered.
    case unexpectedExtension(String)
    /// The server answered with extension parameters the offer did not allow.
    case invalidExtensionResponse(String)
    /// The server listed the same extension twice.
    case duplicateExtension(String)
    /// The response's `Sec-WebSocket-Extensions` header did not follow the RFC 6455 §9.1 grammar.
    case malformedExtensionHeader(String)
    /// The response was not well-formed HTTP.
    case malformedResponse(String)

    /// How much of a refusal's body ``unexpectedStatus(_:)`` keeps: 4 KiB.
    public static let refusalBodyLimit = 4096

    /// What went wrong, for a person.
    public var description: String {
        switch self {
        case .unexpectedStatus(let response):
            var text = "server answered \(response.status) \(response.reason) instead of 101 Switching Protocols: not a WebSocket endpoint, or it refused the handshake"
            if let location = response.headers["Location"].first { text += " (Location: \(location))" }
            // The body's first line, without control characters (it goes to logs and terminals).
            let firstLine = response.body.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" }.prefix(200)
            let excerpt = String(String.UnicodeScalarView(firstLine.filter { $0.value >= 0x20 && $0.value != 0x7F }))
            if !excerpt.isEmpty { text += ": \(excerpt)" }
            return text
        case .missingUpgradeHeader:
            return "server answered 101 without 'Upgrade: websocket'"
        case .missingConnectionHeader:
            return "server answered 101 without 'Connection: Upgrade'"
        case .missingAcceptHeader:
            return "server answered 101 without Sec-WebSocket-Accept: not a WebSocket server"
        case .acceptMismatch(let expected, let received):
            return "server answered 101 but Sec-WebSocket-Accept does not match the key (expected \(expected), got \(received)): not a WebSocket server, or a proxy replaying an old response"
        case .unexpectedSubprotocol(let name):
            return "server chose subprotocol '\(name)', which the client did not offer"
        case .unexpectedExtension(let name):
            return "server enabled extension '\(name)', which the client did not offer"
        case .invalidExtensionResponse(let detail):
            return "server answered with invalid extension parameters: \(detail)"
        case .duplicateExtension(let name):
            return "server enabled extension '\(name)' more than once"
        case .malformedExtensionHeader(let detail):
            return "server sent a malformed Sec-WebSocket-Extensions header: \(detail)"
        case .malformedResponse(let detail):
            return "server sent a malformed handshake response: \(detail)"
        }
    }
}
