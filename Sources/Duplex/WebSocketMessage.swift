import NIOCore

/// A whole WebSocket data message, as received from or sent to the peer.
public enum WebSocketMessage: Sendable, Hashable {
    /// A text message (valid UTF-8 on the wire).
    case text(String)
    /// A binary message.
    case binary(ByteBuffer)

    /// The payload's size in bytes (UTF-8 bytes for text), as counted against
    /// ``SessionConfiguration/maxBufferedInboundBytes``.
    var byteCount: Int {
        switch self {
        case .text(let text): return text.utf8.count
        case .binary(let bytes): return bytes.readableBytes
        }
    }
}

extension WebSocketMessage {
    /// What a data message holds: text (UTF-8) or binary.
    public enum Kind: Sendable, Hashable {
        /// A text message.
        case text
        /// A binary message.
        case binary
    }
}
