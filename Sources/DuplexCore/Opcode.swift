/// A frame opcode (RFC 6455 §5.2). Reserved opcodes are not representable; the parser rejects them
/// with close code 1002.
public enum Opcode: UInt8, Sendable, Hashable {
    /// A continuation frame of a fragmented message.
    case continuation = 0x0
    /// The first frame of a text message.
    case text = 0x1
    /// The first frame of a binary message.
    case binary = 0x2
    /// A close frame.
    case close = 0x8
    /// A ping frame.
    case ping = 0x9
    /// A pong frame.
    case pong = 0xA

    /// Whether this is a control opcode (close, ping, pong), which may not be fragmented and
    /// carries at most 125 bytes.
    @inlinable
    public var isControl: Bool { rawValue & 0x8 != 0 }
}
