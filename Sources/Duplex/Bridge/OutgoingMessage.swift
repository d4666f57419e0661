import DuplexCore

/// A message an async sender handed over, with the compression it asked for, on its way to the
/// connection (``OffLoopSends``, and the handler's queue of sends waiting for their turn).
struct OutgoingMessage: Sendable {
    var message: WebSocketMessage
    var compression: MessageCompression

    /// The payload's size in bytes.
    var byteCount: Int { message.byteCount }
}
