/// Limits and behaviour of the protocol on one connection (`SessionConfiguration.connection` in `Duplex`).
public struct ConnectionConfiguration: Sendable, Hashable {
    /// The largest frame payload accepted, checked from the header before the payload is buffered
    /// (close 1009 past it). Default 16 MiB.
    public var maxFrameSize: Int = 16 << 20
    /// The largest message accepted, after decompression, checked as it grows (close 1009 past it).
    /// Default 16 MiB.
    public var maxMessageSize: Int = 16 << 20
    /// Whether a received ping is answered with a pong automatically. Default `true`.
    public var automaticPong: Bool = true
    /// When set, outgoing messages longer than this are sent as several frames of at most this many
    /// payload bytes. Default `nil` (one frame per message).
    public var fragmentSize: Int? = nil

    /// Whether a data message is reported frame by frame as it is decoded
    /// (``ConnectionEvent/fragment(opcode:payload:isFinal:)``), so that it is never held whole,
    /// instead of once whole. Text is still validated as it arrives (a fragment may end inside a
    /// character; the message as a whole is valid UTF-8), ``maxMessageSize`` still bounds the whole
    /// message, and each fragment's payload is at most ``maxFrameSize`` bytes after decompression
    /// too (close 1009 past it). In `Duplex` this serves `WebSocket.receiveStreaming()`; a
    /// `WebSocketEventHandler` always gets whole messages. Default `false`.
    public var deliversFragments: Bool = false

    /// The defaults.
    public init() {}
}
