import NIOCore

/// permessage-deflate on one connection (RFC 7692 §6–7): compresses outgoing data messages and
/// inflates incoming ones frame by frame, within the caller's size limit.
///
/// A message whose first frame has RSV1 is compressed; one without it passes through unchanged.
/// A corrupt compressed stream fails the connection with ``ProtocolError/invalidCompressedData``,
/// close code 1002: the peer broke the extension's framing, which is a protocol error rather than
/// bad text (1007).
///
/// Each direction's zlib stream is opened by its first compressed message and, in a direction
/// without context takeover, dropped again after each message: an idle connection holds no zlib
/// memory. If zlib cannot get memory, an outgoing message is sent uncompressed (RFC 7692 allows any
/// message to be) and an incoming compressed one fails the connection with
/// ``ProtocolError/decompressionUnavailable``, close code 1011.
package final class PerMessageDeflateExtension: WebSocketExtension {
    private var compressor: DeflateCompressor
    private var decompressor: DeflateDecompressor
    private let resetsCompressor: Bool
    private let resetsDecompressor: Bool
    private let threshold: Int
    /// Shared by every connection rather than stored in each.
    private static let allocator = ByteBufferAllocator()

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
    package var name: String { PerMessageDeflate.extensionName }

    /// RSV1, which marks a compressed message.
    package var reservedBits: ReservedBits { .rsv1 }

    /// Whether each direction's zlib stream is open now (for tests of the memory it holds).
    var holdsStreams: (compressor: Bool, decompressor: Bool) {
        (compressor.isAllocated, decompressor.isAllocated)
    }

    /// Compresses `payload` and returns it with RSV1, or returns it unchanged with no bits when it
    /// is shorter than the negotiated threshold or zlib could not get memory to compress it.
    package func encodeMessage(_ payload: ByteBuffer, opcode: Opcode) -> (payload: ByteBuffer, reservedBits: ReservedBits) {
        guard payload.readableBytes >= threshold,
            let compressed = compressor.compress(payload, allocator: Self.allocator)
        else { return (payload, []) }
        if resetsCompressor { compressor.release() }
        return (compressed, .rsv1)
    }

    /// Inflates one frame of a compressed message (RSV1 in `messageBits`), or returns the frame of
    /// an uncompressed message unchanged. Either way more than `limit` bytes of output throws
    /// ``ProtocolError/messageTooLarge(limit:)``; inflating stops as soon as the limit is passed.
    /// Throws ``ProtocolError/invalidCompressedData`` for a corrupt stream and
    /// ``ProtocolError/decompressionUnavailable`` when zlib could not get memory.
    package func decodeFrame(
        _ payload: ByteBuffer, messageBits: ReservedBits, isFinal: Bool, limit: Int
    ) throws(ProtocolError) -> ByteBuffer {
        guard messageBits.contains(.rsv1) else {
            guard payload.readableBytes <= limit else { throw .messageTooLarge(limit: limit) }
            return payload
        }
        let output = try decompressor.decompress(payload, isFinal: isFinal, limit: limit, allocator: Self.allocator)
        if isFinal && resetsDecompressor { decompressor.release() }
        return output
    }
}
