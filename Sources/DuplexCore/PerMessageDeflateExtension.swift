import NIOCore

/// permessage-deflate on one connection (RFC 7692 §6–7): compresses outgoing data messages and
/// inflates incoming ones frame by frame, within the caller's size limit.
///
/// A message whose first frame has RSV1 is compressed; one without it passes through unchanged.
/// A corrupt compressed stream fails the connection with ``ProtocolError/invalidCompressedData``,
/// close code 1002: the peer broke the extension's framing, which is a protocol error rather than
/// bad text (1007).
public final class PerMessageDeflateExtension: WebSocketExtension {
    private let compressor: DeflateCompressor
    private let decompressor: DeflateDecompressor
    private let resetsCompressor: Bool
    private let resetsDecompressor: Bool
    private let threshold: Int
    private let allocator = ByteBufferAllocator()

    init(
        compressor: DeflateCompressor,
        decompressor: DeflateDecompressor,
        resetsCompressor: Bool,
        resetsDecompressor: Bool,
        threshold: Int
    ) {
        self.compressor = compressor
        self.decompressor = decompressor
        self.resetsCompressor = resetsCompressor
        self.resetsDecompressor = resetsDecompressor
        self.threshold = threshold
    }

    /// `permessage-deflate`.
    public var name: String { PerMessageDeflate.extensionName }

    /// RSV1, which marks a compressed message.
    public var reservedBits: ReservedBits { .rsv1 }

    /// Compresses `payload` and returns it with RSV1, or returns it unchanged with no bits when it
    /// is shorter than the negotiated threshold.
    public func encodeMessage(_ payload: ByteBuffer, opcode: Opcode) -> (payload: ByteBuffer, reservedBits: ReservedBits) {
        guard payload.readableBytes >= threshold else { return (payload, []) }
        let compressed = compressor.compress(payload, allocator: allocator)
        if resetsCompressor { compressor.reset() }
        return (compressed, .rsv1)
    }

    /// Inflates one frame of a compressed message (RSV1 in `messageBits`), or returns the frame of
    /// an uncompressed message unchanged. Either way more than `limit` bytes of output throws
    /// ``ProtocolError/messageTooLarge(limit:)``; inflating stops as soon as the limit is passed.
    public func decodeFrame(
        _ payload: ByteBuffer, messageBits: ReservedBits, isFinal: Bool, limit: Int
    ) throws(ProtocolError) -> ByteBuffer {
        guard messageBits.contains(.rsv1) else {
            guard payload.readableBytes <= limit else { throw .messageTooLarge(limit: limit) }
            return payload
        }
        let output = try decompressor.decompress(payload, isFinal: isFinal, limit: limit, allocator: allocator)
        if isFinal && resetsDecompressor { decompressor.reset() }
        return output
    }
}
