import NIOCore

/// An incremental frame parser for one side of a connection: bytes go in split anywhere, headers
/// and unmasked payloads come out.
///
/// It checks every rule a single frame can break (RFC 6455 §5): reserved opcodes, RSV bits that no
/// negotiated extension defines, masking by role, control frame rules, the 64-bit length's top bit,
/// and ``maxFrameSize`` — all from the header, before the payload is buffered. Payloads are unmasked
/// in place in the parser's own buffer and handed out as slices of it. Message-level rules
/// (fragmentation order, message size, UTF-8) are ``WebSocketConnection``'s.
///
/// Read a frame in two steps, ``nextHeader()`` then ``readPayload()``, or in one with
/// ``nextFrame()``. While a payload is awaited, ``unmaskArrivedPayload()`` shows the part received so
/// far, so that text can be validated before its frame is complete.
public struct FrameParser {
    /// The role of the side receiving these frames: a server requires masked frames, a client
    /// unmasked ones.
    public let role: Role
    /// The RSV bits that may be set: the union of the negotiated extensions' bits.
    public var allowedReservedBits: ReservedBits
    /// The largest payload accepted; a larger announced length throws
    /// ``ProtocolError/frameTooLarge(limit:)``.
    public var maxFrameSize: Int
    /// The header whose payload is being awaited, once ``nextHeader()`` returned it and until
    /// ``readPayload()`` does.
    public private(set) var pendingHeader: FrameHeader?

    /// Received bytes not yet handed out; starts with the pending payload when there is one.
    private var buffer = ByteBuffer()
    /// How many bytes of the pending payload have been unmasked in place.
    private var unmaskedCount = 0

    /// Creates a parser for the side playing `role`.
    public init(role: Role, allowedReservedBits: ReservedBits = [], maxFrameSize: Int = 16 << 20) {
        self.role = role
        self.allowedReservedBits = allowedReservedBits
        self.maxFrameSize = maxFrameSize
    }

    /// The number of received bytes not yet handed out.
    public var bufferedByteCount: Int { buffer.readableBytes }

    /// Adds received bytes. When nothing is buffered the buffer is taken as it is, without a copy.
    public mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            if buffer.readerIndex >= 4096 && buffer.readerIndex >= buffer.readableBytes {
                buffer.discardReadBytes()
            }
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// Parses and checks the next frame's header, or returns `nil` when more bytes are needed.
    /// Must not be called while ``pendingHeader`` is set.
    public mutating func nextHeader() throws(ProtocolError) -> FrameHeader? {
        precondition(pendingHeader == nil, "the previous frame's payload has not been read")
        guard let (header, length) = try FrameHeader.parse(buffer) else { return nil }
        guard allowedReservedBits.isSuperset(of: header.reservedBits) else { throw .reservedBitsSet }
        switch (role, header.maskingKey) {
        case (.server, nil): throw .unmaskedFrame
        case (.client, .some): throw .maskedFrame
        default: break
        }
        guard header.payloadLength <= maxFrameSize else { throw .frameTooLarge(limit: maxFrameSize) }
        buffer.moveReaderIndex(forwardBy: length)
        pendingHeader = header
        unmaskedCount = 0
        return header
    }

    /// Unmasks the pending payload's bytes received since the last call and returns them, without
    /// consuming them; `nil` when none arrived.
    public mutating func unmaskArrivedPayload() -> ByteBuffer? {
        guard let header = pendingHeader else { return nil }
        let arrived = min(buffer.readableBytes, header.payloadLength)
        guard arrived > unmaskedCount else { return nil }
        let start = unmaskedCount
        unmask(upTo: arrived, key: header.maskingKey)
        return buffer.getSlice(at: buffer.readerIndex + start, length: arrived - start)
    }

    /// Returns the pending frame's whole payload, unmasked, once it has arrived, and clears
    /// ``pendingHeader``; `nil` when more bytes are needed.
    public mutating func readPayload() -> ByteBuffer? {
        guard let header = pendingHeader, buffer.readableBytes >= header.payloadLength else { return nil }
        unmask(upTo: header.payloadLength, key: header.maskingKey)
        pendingHeader = nil
        return buffer.readSlice(length: header.payloadLength)
    }

    /// Returns the next whole frame, or `nil` when more bytes are needed.
    public mutating func nextFrame() throws(ProtocolError) -> Frame? {
        if pendingHeader == nil {
            guard try nextHeader() != nil else { return nil }
        }
        guard let header = pendingHeader, let payload = readPayload() else { return nil }
        return Frame(header: header, payload: payload)
    }

    /// Unmasks the pending payload in place from `unmaskedCount` up to `end`.
    private mutating func unmask(upTo end: Int, key: UInt32?) {
        guard end > unmaskedCount else { return }
        if let key {
            Masking.apply(
                key: key, to: &buffer, at: buffer.readerIndex + unmaskedCount, length: end - unmaskedCount,
                offset: unmaskedCount & 3
            )
        }
        unmaskedCount = end
    }
}
