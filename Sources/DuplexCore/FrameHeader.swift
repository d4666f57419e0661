import NIOCore

/// The header of one frame (RFC 6455 §5.2): FIN, RSV bits, opcode, mask and payload length.
@_spi(Core) public struct FrameHeader: Sendable, Hashable {
    /// Whether this is the final frame of its message.
    public var isFinal: Bool
    /// The RSV1–RSV3 bits.
    public var reservedBits: ReservedBits
    /// The opcode.
    public var opcode: Opcode
    /// The masking key (its big-endian bytes are the key bytes on the wire), or `nil` if unmasked.
    public var maskingKey: UInt32?
    /// The number of payload bytes that follow the header.
    public var payloadLength: Int

    /// The largest header: 2 bytes, an 8-byte extended length and a 4-byte masking key.
    public static let maximumLength = 14

    /// Creates a header.
    @inlinable
    public init(
        isFinal: Bool = true, reservedBits: ReservedBits = [], opcode: Opcode, maskingKey: UInt32? = nil,
        payloadLength: Int
    ) {
        self.isFinal = isFinal
        self.reservedBits = reservedBits
        self.opcode = opcode
        self.maskingKey = maskingKey
        self.payloadLength = payloadLength
    }

    /// The number of bytes this header takes on the wire.
    @inlinable
    public var encodedLength: Int {
        let lengthBytes = payloadLength <= 125 ? 0 : (payloadLength <= 0xFFFF ? 2 : 8)
        return 2 + lengthBytes + (maskingKey == nil ? 0 : 4)
    }

    /// Appends the header's bytes to `buffer`, using the shortest length encoding.
    @inlinable
    public func write(to buffer: inout ByteBuffer) {
        let first = (isFinal ? 0x80 : 0) | reservedBits.rawValue | opcode.rawValue
        let mask: UInt8 = maskingKey == nil ? 0 : 0x80
        if payloadLength <= 125 {
            buffer.writeMultipleIntegers(first, mask | UInt8(payloadLength))
        } else if payloadLength <= 0xFFFF {
            buffer.writeMultipleIntegers(first, mask | 126, UInt16(payloadLength))
        } else {
            buffer.writeMultipleIntegers(first, mask | 127, UInt64(payloadLength))
        }
        if let maskingKey {
            buffer.writeInteger(maskingKey)
        }
    }

    /// Reads a header from the start of `buffer`'s readable bytes without consuming them.
    ///
    /// Returns the header and its length in bytes, or `nil` when more bytes are needed. Checks what
    /// the header alone breaks: a reserved opcode, a 64-bit length with its top bit set (checked
    /// before it is converted to `Int`), and a control frame that is fragmented or longer than 125
    /// bytes. The rules that depend on the connection (masking, RSV bits, size limits) are
    /// ``FrameParser``'s.
    @inlinable
    public static func parse(_ buffer: ByteBuffer) throws(ProtocolError) -> (header: FrameHeader, length: Int)? {
        guard let (first, second) = buffer.getMultipleIntegers(at: buffer.readerIndex, as: (UInt8, UInt8).self) else {
            return nil
        }
        guard let opcode = Opcode(rawValue: first & 0x0F) else {
            throw .reservedOpcode(first & 0x0F)
        }
        let isFinal = first & 0x80 != 0
        let shortLength = Int(second & 0x7F)
        if opcode.isControl {
            guard isFinal else { throw .fragmentedControlFrame }
            guard shortLength <= 125 else { throw .controlFrameTooLong }
        }
        var length = 2
        let payloadLength: Int
        switch shortLength {
        case 126:
            guard let extended = buffer.getInteger(at: buffer.readerIndex + length, as: UInt16.self) else { return nil }
            payloadLength = Int(extended)
            length += 2
        case 127:
            guard let extended = buffer.getInteger(at: buffer.readerIndex + length, as: UInt64.self) else { return nil }
            guard extended & (1 << 63) == 0, let value = Int(exactly: extended) else { throw .invalidPayloadLength }
            payloadLength = value
            length += 8
        default:
            payloadLength = shortLength
        }
        var maskingKey: UInt32? = nil
        if second & 0x80 != 0 {
            guard let key = buffer.getInteger(at: buffer.readerIndex + length, as: UInt32.self) else { return nil }
            maskingKey = key
            length += 4
        }
        let header = FrameHeader(
            isFinal: isFinal, reservedBits: ReservedBits(rawValue: first), opcode: opcode, maskingKey: maskingKey,
            payloadLength: payloadLength
        )
        return (header, length)
    }
}
