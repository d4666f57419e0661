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

    /// The defaults.
    public init() {}
}
