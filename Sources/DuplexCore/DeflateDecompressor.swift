import CZlib
import NIOCore

/// A raw DEFLATE decompressor for RFC 7692 message payloads, fed one frame at a time, whose output
/// is bounded while it inflates: it never holds more than the caller's limit.
///
/// The zlib stream (about 7 KiB, plus the `2^windowBits` window zlib adds at the first output) is
/// opened by the first compressed frame, not before, and is dropped by ``release()``, which a side
/// whose peer has no context takeover calls after each message.
///
/// It inflates with at least a 512-byte window (9 bits) even when 8 was negotiated, because zlib
/// compressors use 9 for 8; a larger window than the compressor's is always safe.
///
/// A value type, stored inline in its ``PerMessageDeflateExtension``: an idle connection pays for
/// no separate object.
struct DeflateDecompressor {
    private let windowBits: Int8
    private let memory: ZlibMemory
    /// The most input handed to zlib per call (``ZlibStream/maxChunk``; smaller in tests).
    private let chunkSize: Int
    /// The open stream: from the first compressed frame until ``release()``.
    private var stream: ZlibStream?
    /// Set when the current message's DEFLATE stream ended with a BFINAL block: the message's
    /// remaining bytes, tail included, are padding to skip.
    private var streamEnded = false

    /// The bytes RFC 7692 §7.2.2 appends to a message's payload before inflating its end.
    private static let messageTail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]
    /// The first output buffer size; it doubles (up to the limit) as output grows.
    private static let initialCapacity = 1024

    /// A decompressor for a peer compressing with `windowBits` (8–15, as negotiated). Allocates
    /// nothing until the first compressed frame.
    init(windowBits: Int, memory: ZlibMemory = .system, chunkSize: Int = ZlibStream.maxChunk) {
        // Cannot trap: the window was checked against 8...15.
        self.windowBits = Int8(max(windowBits, 9))
        self.memory = memory
        self.chunkSize = min(max(chunkSize, 1), ZlibStream.maxChunk)
    }

    /// Whether a zlib stream is open (memory is held) now.
    var isAllocated: Bool { stream != nil }

    /// Inflates one frame's payload of a compressed message; `isFinal` appends the message tail.
    /// Throws ``ProtocolError/messageTooLarge(limit:)`` as soon as the output would exceed `limit`
    /// bytes, ``ProtocolError/invalidCompressedData`` when the stream is not valid DEFLATE, and
    /// ``ProtocolError/decompressionUnavailable`` when zlib could not get memory.
    mutating func decompress(
        _ payload: ByteBuffer, isFinal: Bool, limit: Int, allocator: ByteBufferAllocator
    ) throws(ProtocolError) -> ByteBuffer {
        var output = allocator.buffer(capacity: min(limit, Self.initialCapacity))
        defer { if isFinal { streamEnded = false } }
        guard !streamEnded else { return output }
        guard let stream = stream ?? open() else { throw .decompressionUnavailable }
        self.stream = stream
        defer { stream.detachBuffers() }
        let result = payload.withUnsafeReadableBytes { input in
            inflate(input, with: stream, into: &output, limit: limit)
        }
        try result.get()
        if isFinal && !streamEnded {
            try Self.messageTail.withUnsafeBytes { tail in
                inflate(tail, with: stream, into: &output, limit: limit)
            }.get()
        }
        return output
    }

    /// Drops the stream and its memory, for a peer that resets its compressor after each message:
    /// the next compressed frame opens a new one with no context.
    mutating func release() {
        stream = nil
    }

    private func open() -> ZlibStream? {
        let windowBits = Int32(windowBits)
        return ZlibStream.open(memory: memory, with: { duplex_inflate_init_raw($0, windowBits) }, end: { inflateEnd($0) })
    }

    /// Inflates all of `input` into `output`, growing it up to `limit` bytes, feeding zlib at most
    /// `chunkSize` bytes at a time.
    private mutating func inflate(
        _ input: UnsafeRawBufferPointer, with stream: ZlibStream, into output: inout ByteBuffer, limit: Int
    ) -> Result<Void, ProtocolError> {
        var offset = 0
        repeat {
            let count = min(chunkSize, input.count - offset)
            stream.setInput(input.baseAddress.map { $0 + offset }, count: count)
            offset += count
            switch inflateChunk(with: stream, into: &output, limit: limit) {
            case .failure(let error): return .failure(error)
            case .success(let ended): if ended { return .success(()) }
            }
        } while offset < input.count
        return .success(())
    }

    /// Inflates the stream's current input into `output`; succeeds with whether the DEFLATE stream
    /// ended (a BFINAL block), after which the rest of the input is padding.
    private mutating func inflateChunk(
        with stream: ZlibStream, into output: inout ByteBuffer, limit: Int
    ) -> Result<Bool, ProtocolError> {
        while true {
            let room = limit - output.readableBytes
            let status: Int32
            if room == 0 {
                // At the limit: one more byte of output means the message is too large.
                var spare: UInt8 = 0
                status = withUnsafeMutablePointer(to: &spare) { run(stream, into: $0, count: 1) }
                if stream.pointer.pointee.avail_out == 0 { return .failure(.messageTooLarge(limit: limit)) }
            } else {
                if output.writableBytes == 0 {
                    output.reserveCapacity(min(limit, max(output.capacity * 2, Self.initialCapacity)))
                }
                var outcome: Int32 = Z_OK
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 0) { space in
                    // Capacity was reserved above, so the space is not empty and has an address.
                    guard let base = space.baseAddress else { return 0 }
                    let usable = min(space.count, room, ZlibStream.maxChunk)
                    outcome = run(stream, into: base, count: usable)
                    // Cannot trap: avail_out is at most `usable`, an Int.
                    return usable - Int(stream.pointer.pointee.avail_out)
                }
                status = outcome
            }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                // Done once the input is used up and inflate stopped with output space to spare.
                let state = stream.pointer.pointee
                if state.avail_in == 0 && state.avail_out > 0 { return .success(false) }
            case Z_STREAM_END:
                // The peer ended the DEFLATE stream with a BFINAL block (RFC 7692 §7.2.3.3): the
                // rest of the message (at least the appended tail) is padding, and its next message
                // starts a new stream.
                inflateReset(stream.pointer)
                streamEnded = true
                return .success(true)
            case Z_MEM_ERROR:
                // zlib allocates the window at the first output; without memory the stream is lost.
                release()
                return .failure(.decompressionUnavailable)
            default:
                return .failure(.invalidCompressedData)
            }
        }
    }

    /// Runs inflate with `count` bytes of output space at `start`.
    private func run(_ stream: ZlibStream, into start: UnsafeMutableRawPointer, count: Int) -> Int32 {
        stream.setOutput(start, count: count)
        return CZlib.inflate(stream.pointer, Z_SYNC_FLUSH)
    }
}
