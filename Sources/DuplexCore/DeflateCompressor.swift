import CZlib
import NIOCore

/// A raw DEFLATE compressor producing one RFC 7692 message payload per call: the message is
/// compressed with a sync flush and the trailing `00 00 ff ff` is removed (§7.2.1).
///
/// zlib cannot compress raw DEFLATE with a 256-byte window, so a negotiated window of 8 bits is
/// compressed with 9 bits, as other implementations do; decompressors built on zlib accept it.
final class DeflateCompressor {
    /// The zlib stream, heap-allocated because zlib keeps a pointer back to it.
    private let stream: UnsafeMutablePointer<z_stream>

    /// Opens a compressor; `windowBits` is the negotiated window (8–15).
    init(level: Int, windowBits: Int, memoryLevel: Int) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = duplex_deflate_init_raw(stream, Int32(level), Int32(max(windowBits, 9)), Int32(memoryLevel))
        precondition(status == Z_OK, "deflateInit2 failed with \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Compresses one whole message, keeping the context for the next one.
    func compress(_ message: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        let inputCount = message.readableBytes
        var output = allocator.buffer(capacity: Int(deflateBound(stream, UInt(inputCount))) + 16)
        message.withUnsafeReadableBytes { input in
            stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            stream.pointee.avail_in = UInt32(inputCount)
            // A sync flush is complete once deflate returns with output space left over.
            var finished = false
            while !finished {
                output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64) { space in
                    stream.pointee.next_out = space.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = UInt32(clamping: space.count)
                    let status = deflate(stream, Z_SYNC_FLUSH)
                    precondition(status == Z_OK || status == Z_BUF_ERROR, "deflate failed with \(status)")
                    finished = stream.pointee.avail_out > 0
                    return space.count - Int(stream.pointee.avail_out)
                }
            }
            stream.pointee.next_in = nil
            stream.pointee.next_out = nil
        }
        // With nothing new to flush (an empty message right after another) zlib writes nothing at
        // all; a lone empty stored-block header byte is then the message (RFC 7692 §7.2.3.6).
        guard output.readableBytes >= 4 else { return ByteBuffer(bytes: [0x00]) }
        output.moveWriterIndex(to: output.writerIndex - 4)
        return output
    }

    /// Forgets the context, so the next message refers to no earlier one.
    func reset() {
        deflateReset(stream)
    }
}
