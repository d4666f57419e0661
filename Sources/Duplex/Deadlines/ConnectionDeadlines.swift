import NIOCore

/// The deadlines of an open WebSocket connection. Only the earliest is armed in the loop's
/// ``DeadlineSweeper``; when it passes, the connection acts on every one that has passed.
struct ConnectionDeadlines {
    /// When TCP is closed although the close handshake has not finished.
    var close: NIODeadline?
    /// When the next keepalive ping goes out.
    var keepalive: NIODeadline?
    /// When the keepalive ping waiting for its pong fails the connection.
    var pong: NIODeadline?
    /// When to check whether the peer has been quiet for the idle timeout.
    var idle: NIODeadline?
    /// When a deferred protocol failure is acted on although the consumer has not caught up.
    var deferredFailure: NIODeadline?

    /// The earliest of the deadlines, if any is set (no array: this runs at every change).
    var earliest: NIODeadline? {
        Self.earlier(Self.earlier(close, keepalive), Self.earlier(Self.earlier(pong, idle), deferredFailure))
    }

    private static func earlier(_ first: NIODeadline?, _ second: NIODeadline?) -> NIODeadline? {
        guard let first, let second else { return first ?? second }
        return min(first, second)
    }
}
