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
    /// The connection is closing or closed (whichever side started it); nothing more can be sent.
    case connectionClosed
    /// ``WebSocketServer/run(_:)`` was called while another call was serving: a server runs once.
    case serverAlreadyRunning
    /// The server was shut down; it cannot bind or run again (make a new one).
    case serverShutDown
    /// A method that must run on the channel's event loop was called from elsewhere.
    case notOnEventLoop
    /// The server redirected more times than ``WebSocketClientConfiguration/maxRedirects``
    /// allows; the URL is where the last redirect pointed.
    case tooManyRedirects(String)
    /// A `wss://` server redirected to a `ws://` URL (which would send the request unencrypted);
    /// the URL is the insecure one.
    case insecureRedirect(String)
    /// ``WebSocket/ping(_:)`` was given the payload of a ping that still waits for its pong.
    case pingPayloadInUse
    /// The rest of a message received chunk by chunk (``WebSocketMessageStream``) was skipped:
    /// the next message was read before its last chunk.
    case messageStreamAbandoned
    /// The chunks of a text message sent with ``WebSocket/send(_:chunks:compression:)`` are not
    /// valid UTF-8; the connection was failed with 1011, since the message could not be finished.
    case invalidUTF8InTextChunks

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .invalidURL(let url): return "not a valid ws:// or wss:// URL: \(url)"
        case .handshakeTimeout: return "the opening handshake timed out"
        case .connectionClosedDuringHandshake: return "the connection closed during the opening handshake"
        case .connectionClosed: return "the connection is closing or closed"
        case .serverAlreadyRunning: return "the server is already running: run(_:) may be called once"
        case .serverShutDown: return "the server was shut down"
        case .notOnEventLoop: return "called off the channel's event loop"
        case .tooManyRedirects(let url): return "too many redirects (the last to \(url))"
        case .insecureRedirect(let url): return "refused to follow a redirect from wss:// to \(url)"
        case .pingPayloadInUse: return "a ping with the same payload is still waiting for its pong"
        case .messageStreamAbandoned: return "the rest of a streamed message was skipped: the next message was read first"
        case .invalidUTF8InTextChunks: return "the chunks of a streamed text message are not valid UTF-8"
        }
    }
}
