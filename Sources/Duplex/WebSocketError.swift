/// A failure of the transport around the WebSocket protocol: connecting, the opening handshake's
/// timing, or using a connection that is gone. Handshake answers the client rejects are
/// `HandshakeError`s; protocol violations by the peer end the connection with a close status.
public enum WebSocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The URL is not a valid `ws://` or `wss://` URL.
    case invalidURL(String)
    /// The opening handshake did not complete within the configured handshake timeout.
    case handshakeTimeout
    /// The TCP connection closed before the opening handshake completed.
    case connectionClosedDuringHandshake
    /// The connection is closed; nothing more can be sent.
    case connectionClosed

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .invalidURL(let url): return "not a valid ws:// or wss:// URL: \(url)"
        case .handshakeTimeout: return "the opening handshake timed out"
        case .connectionClosedDuringHandshake: return "the connection closed during the opening handshake"
        case .connectionClosed: return "the connection is closed"
        }
    }
}
