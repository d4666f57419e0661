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

    /// Compresses one frame of an outgoing message with the connection's stream, each frame with a
    /// sync flush so that it can leave at once (RFC 7692 §7.2.1: the trailing `00 00 ff ff` is
    /// removed from the final frame only), and sets RSV1 on the message's first frame.
    ///
    /// The first frame decides: it is compressed for ``MessageCompression/always``, not for
    /// ``MessageCompression/never``, and for ``MessageCompression/automatic`` when it begins a
    /// fragmented message or is a whole message of at least the threshold; a first frame zlib could
    /// not get memory for goes out uncompressed. The frames after it follow it; a later frame of a
    /// compressed message that zlib fails to compress returns `nil` (the message cannot continue).
    package func encodeFrame(
        _ payload: ByteBuffer, opcode: Opcode, messageBits: ReservedBits?, isFinal: Bool, compression: MessageCompression
    ) -> (payload: ByteBuffer, reservedBits: ReservedBits)? {
        guard let messageBits else {
            let compresses: Bool
            switch compression {
            case .always: compresses = true
            case .never: compresses = false
            case .automatic: compresses = !isFinal || payload.readableBytes >= threshold
            }
            guard compresses, let compressed = compress(payload, isFinal: isFinal) else { return (payload, []) }
            return (compressed, .rsv1)
        }
        guard messageBits.contains(.rsv1) else { return (payload, []) }
        return compress(payload, isFinal: isFinal).map { ($0, []) }
    }

    /// Compresses one frame, releasing the stream after a message's last frame without context takeover.
    private func compress(_ payload: ByteBuffer, isFinal: Bool) -> ByteBuffer? {
        let compressed = compressor.compress(payload, endsMessage: isFinal, allocator: Self.allocator)
        if isFinal && resetsCompressor { compressor.release() }
        return compressed
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
