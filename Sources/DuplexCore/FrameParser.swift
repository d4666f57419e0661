import NIOCore

/// An incremental frame parser for one side of a connection: bytes go in split anywhere, headers
/// and unmasked payloads come out.
///
/// It checks every rule a single frame can break (RFC 6455 §5): reserved opcodes, RSV bits that no
/// negotiated extension defines, masking by role, control frame rules, the 64-bit length's top bit,
/// and ``maxFrameSize`` — all from the header, before the payload is buffered. Message-level rules
/// (fragmentation order, message size, UTF-8) are ``WebSocketConnection``'s.
///
/// Payloads are unmasked in place in the parser's own buffer and handed out as slices of it (a
/// server copies what it receives into that buffer first; a client, which has nothing to unmask,
/// takes the bytes received as they are). Before
/// a slice is handed out, every payload byte already received behind it is unmasked too, so that
/// later frames of the same read never write to storage an earlier slice shares (which would copy
/// the whole buffer).
///
/// Read a frame in two steps, ``nextHeader()`` then ``readPayload()``, or in one with
/// ``nextFrame()``. While a payload is awaited, ``unmaskArrivedPayload()`` shows the part received so
/// far, so that text can be validated before its frame is complete.
package struct FrameParser {
    /// The role of the side receiving these frames: a server requires masked frames, a client
    /// unmasked ones.
    package let role: Role
    /// The RSV bits that may be set: the union of the negotiated extensions' bits.
    package var allowedReservedBits: ReservedBits
    /// The largest payload accepted; a larger announced length throws
    /// ``ProtocolError/frameTooLarge(limit:)``.
    package var maxFrameSize: Int
    /// The header whose payload is being awaited, once ``nextHeader()`` returned it and until
    /// ``readPayload()`` does.
    package private(set) var pendingHeader: FrameHeader?

    /// Received bytes not yet handed out; starts with the pending payload when there is one.
    private var buffer = ByteBuffer()
    /// How far unmasking has gone through the received bytes.
    private var scan = Scan()
    /// How many bytes of the pending payload were handed out by ``unmaskArrivedPayload()``.
    private var shownCount = 0

    /// Creates a parser for the side playing `role`.
    package init(role: Role, allowedReservedBits: ReservedBits = [], maxFrameSize: Int = 16 << 20) {
        self.role = role
        self.allowedReservedBits = allowedReservedBits
        self.maxFrameSize = maxFrameSize
    }

    /// The number of received bytes not yet handed out.
    package var bufferedByteCount: Int { buffer.readableBytes }

    /// Adds received bytes. When nothing is buffered the buffer is taken as it is, without a copy.
    package mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 && role == .server {
            // Masked bytes are unmasked in place. The transport still holds its read buffer (to
            // reuse it), so writing there would copy it into a new allocation; copy into storage of
            // our own instead, recycled once the slices handed out from it are gone.
            scan.rebase(by: -buffer.readerIndex)
            buffer.clear()
            buffer.writeImmutableBuffer(bytes)
        } else if buffer.readableBytes == 0 {
            scan.rebase(by: bytes.readerIndex - buffer.readerIndex)
            buffer = bytes
        } else {
            if buffer.readerIndex >= 4096 && buffer.readerIndex >= buffer.readableBytes {
                scan.rebase(by: -buffer.readerIndex)
                buffer.discardReadBytes()
            }
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// Parses and checks the next frame's header, or returns `nil` when more bytes are needed.
    /// While ``pendingHeader`` is set (its payload not yet read) it returns that header again.
    package mutating func nextHeader() throws(ProtocolError) -> FrameHeader? {
        if let pendingHeader { return pendingHeader }
        guard let (header, length) = try FrameHeader.parse(buffer) else { return nil }
        guard allowedReservedBits.isSuperset(of: header.reservedBits) else { throw .reservedBitsSet }
        switch (role, header.maskingKey) {
        case (.server, nil): throw .unmaskedFrame
        case (.client, .some): throw .maskedFrame
        default: break
        }
        guard header.payloadLength <= maxFrameSize else { throw .frameTooLarge(limit: maxFrameSize) }
        buffer.moveReaderIndex(forwardBy: length)
        if buffer.readerIndex > scan.index {
            scan.begin(key: header.maskingKey, at: buffer.readerIndex, length: header.payloadLength)
        }
        pendingHeader = header
        shownCount = 0
        return header
    }

    /// Unmasks the pending payload's bytes received since the last call and returns them, without
    /// consuming them; `nil` when none arrived.
    package mutating func unmaskArrivedPayload() -> ByteBuffer? {
        guard let header = pendingHeader else { return nil }
        let arrived = min(buffer.readableBytes, header.payloadLength)
        guard arrived > shownCount else { return nil }
        scan.unmaskPayload(in: &buffer, upTo: buffer.readerIndex + arrived)
        defer { shownCount = arrived }
        return buffer.getSlice(at: buffer.readerIndex + shownCount, length: arrived - shownCount)
    }

    /// Returns the pending frame's whole payload, unmasked, once it has arrived, and clears
    /// ``pendingHeader``; `nil` when more bytes are needed.
    package mutating func readPayload() -> ByteBuffer? {
        guard let header = pendingHeader, buffer.readableBytes >= header.payloadLength else { return nil }
        if role == .server {  // a client's frames are never masked: nothing to unmask ahead
            scan.unmaskAll(in: &buffer)
        }
        pendingHeader = nil
        let payload = buffer.readSlice(length: header.payloadLength)
        releaseIfDrained()
        return payload
    }

    /// Lets go of a drained buffer that is the transport's (a client's, see ``append(_:)``), so that
    /// the transport can reuse it for its next read, or that is larger than ``reusedStorageCapacity``.
    private mutating func releaseIfDrained() {
        guard buffer.readableBytes == 0, role == .client || buffer.capacity > reusedStorageCapacity else { return }
        scan.rebase(by: -buffer.readerIndex)
        buffer = ByteBuffer()
    }

    /// Returns the next whole frame, or `nil` when more bytes are needed.
    package mutating func nextFrame() throws(ProtocolError) -> Frame? {
        if pendingHeader == nil {
            guard try nextHeader() != nil else { return nil }
        }
        guard let header = pendingHeader, let payload = readPayload() else { return nil }
        return Frame(header: header, payload: payload)
    }
}

/// How far unmasking has gone through a parser's buffer, in absolute buffer indices: every byte
/// before ``index`` is either a header or an unmasked payload byte.
private struct Scan {
    /// The first byte not yet processed.
    var index = 0
    /// When ``index`` is inside a payload: where that payload starts and ends, and its key.
    var payloadStart = 0
    var payloadEnd = 0
    var key: UInt32?

    /// Moves every position by `delta`, after the buffer's indices moved.
    mutating func rebase(by delta: Int) {
        index += delta
        payloadStart += delta
        payloadEnd += delta
    }

    /// Starts a payload whose header ends at `start` (and at ``index``).
    mutating func begin(key: UInt32?, at start: Int, length: Int) {
        index = start
        payloadStart = start
        payloadEnd = start + length
        self.key = key
    }

    /// Unmasks the current payload up to `end` (at most its own end) and moves ``index`` there.
    mutating func unmaskPayload(in buffer: inout ByteBuffer, upTo end: Int) {
        let stop = min(end, payloadEnd)
        guard stop > index else { return }
        if let key {
            Masking.apply(key: key, to: &buffer, at: index, length: stop - index, offset: (index - payloadStart) & 3)
        }
        index = stop
    }

    /// Unmasks every payload byte received: the rest of the current payload and the frames after it,
    /// so that no later unmasking writes to storage shared with a slice handed out before it.
    mutating func unmaskAll(in buffer: inout ByteBuffer) {
        while true {
            unmaskPayload(in: &buffer, upTo: buffer.writerIndex)
            guard index == payloadEnd, index < buffer.writerIndex else { return }
            let rest = buffer.getSlice(at: index, length: buffer.writerIndex - index)!
            // A header that is incomplete or invalid stops the scan; the parser reports it later.
            guard let (header, length) = try? FrameHeader.parse(rest) else { return }
            begin(key: header.maskingKey, at: index + length, length: header.payloadLength)
        }
    }
}
