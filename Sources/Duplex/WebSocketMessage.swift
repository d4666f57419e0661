import NIOCore

/// A whole WebSocket data message, as received from or sent to the peer.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message (valid UTF-8 on the wire).
    case text(String)
    /// A binary message.
    case binary(ByteBuffer)
}
