import CZlib
import NIOCore

/// A raw DEFLATE decompressor for RFC 7692 message payloads, fed one frame at a time, whose output
/// is bounded while it inflates: it never holds more than the caller's limit.
///
/// It inflates with at least a 512-byte window (9 bits) even when 8 was negotiated, because zlib
/// compressors use 9 for 8; a larger window than the compressor's is always safe.
final class DeflateDecompressor {
    /// The zlib stream, heap-allocated because zlib keeps a pointer back to it.
    private let stream: UnsafeMutablePointer<z_stream>
    /// Set when the current message's DEFLATE stream ended with a BFINAL block: the message's
    /// remaining bytes, tail included, are padding to skip.
    private var streamEnded = false

    /// The bytes RFC 7692 §7.2.2 appends to a message's payload before inflating its end.
    private static let messageTail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]
    /// The first output buffer size; it doubles (up to the limit) as output grows.
    private static let initialCapacity = 1024

    /// Opens a decompressor for a peer compressing with `windowBits` (8–15).
    init(windowBits: Int) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = duplex_inflate_init_raw(stream, Int32(max(windowBits, 9)))
        precondition(status == Z_OK, "inflateInit2 failed with \(status)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates one frame's payload of a compressed message; `isFinal` appends the message tail.
    /// Throws ``ProtocolError/messageTooLarge(limit:)`` as soon as the output would exceed `limit`
    /// bytes, and ``ProtocolError/invalidCompressedData`` when the stream is not valid DEFLATE.
    func decompress(
        _ payload: ByteBuffer, isFinal: Bool, limit: Int, allocator: ByteBufferAllocator
    ) throws(ProtocolError) -> ByteBuffer {
        var output = allocator.buffer(capacity: min(limit, Self.initialCapacity))
        defer { if isFinal { streamEnded = false } }
        guard !streamEnded else { return output }
        let result = payload.withUnsafeReadableBytes { input in
            inflate(input, into: &output, limit: limit)
        }
        try result.get()
        if isFinal && !streamEnded {
            try Self.messageTail.withUnsafeBytes { tail in
                inflate(tail, into: &output, limit: limit)
            }.get()
        }
        return output
    }

    /// Forgets the context, for a peer that resets its compressor after each message.
    func reset() {
        inflateReset(stream)
    }

    /// Inflates all of `input` into `output`, growing it up to `limit` bytes.
    private func inflate(
        _ input: UnsafeRawBufferPointer, into output: inout ByteBuffer, limit: Int
    ) -> Result<Void, ProtocolError> {
        stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
        stream.pointee.avail_in = UInt32(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        while true {
            let room = limit - output.readableBytes
            let status: Int32
            if room == 0 {
                // At the limit: one more byte of output means the message is too large.
                var spare: UInt8 = 0
                status = withUnsafeMutablePointer(to: &spare) { run(into: $0, count: 1) }
                if stream.pointee.avail_out == 0 { return .failure(.messageTooLarge(limit: limit)) }
            } else {
                if output.writableBytes == 0 {
                    output.reserveCapacity(min(limit, max(output.capacity * 2, Self.initialCapacity)))
                }
                var outcome: Int32 = Z_OK
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space in
                    let usable = min(space.count, room)
                    outcome = run(into: space.baseAddress!.assumingMemoryBound(to: Bytef.self), count: usable)
                    return usable - Int(stream.pointee.avail_out)
                }
                status = outcome
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                // Done once the input is used up and inflate stopped with output space to spare.
                if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return .success(()) }
            case Z_STREAM_END:
                // The peer ended the DEFLATE stream with a BFINAL block (RFC 7692 §7.2.3.3): the
                // rest of the message (at least the appended tail) is padding, and its next message
                // starts a new stream.
                inflateReset(stream)
                streamEnded = true
                return .success(())
            default:
                return .failure(.invalidCompressedData)
            }
        }
    }

    /// Runs inflate with `count` bytes of output space at `pointer`.
    private func run(into pointer: UnsafeMutablePointer<Bytef>, count: Int) -> Int32 {
        stream.pointee.next_out = pointer
        stream.pointee.avail_out = UInt32(clamping: count)
        return CZlib.inflate(stream, Z_SYNC_FLUSH)
    }
}
