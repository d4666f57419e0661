import DuplexCore
import NIOCore

/// What the channel handler hands the async consumer through the ``InboundQueue``: a whole
/// message, or one fragment of a message delivered in fragments
/// (``ConnectionConfiguration/deliversFragments``).
enum InboundItem: Sendable {
    /// A whole message.
    case message(WebSocketMessage)
    /// One frame's payload: `kind` is set on a message's first fragment, `nil` on the ones after
    /// it; `isFinal` ends the message.
    case fragment(kind: WebSocketMessage.Kind?, payload: ByteBuffer, isFinal: Bool)

    /// Whether the item ends a message: a whole message, or a message's final fragment.
    var endsMessage: Bool {
        if case .fragment(_, _, isFinal: false) = self { return false }
        return true
    }

    /// The payload's size in bytes, as counted against ``SessionConfiguration/maxBufferedInboundBytes``.
    var byteCount: Int {
        switch self {
        case .message(let message): message.byteCount
        case .fragment(_, let payload, _): payload.readableBytes
        }
    }
}

/// Where the async consumer stands in the messages it takes in fragments: each message whose first
/// fragment it takes gets the next number, and its stream reads on only while it is the current one.
struct FragmentCursor {
    /// The number of the message whose first fragment was taken last.
    var message: UInt64 = 0
    /// Whether fragments of that message are still to come.
    var inMessage = false
}
