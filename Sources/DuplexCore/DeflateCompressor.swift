import CZlib
import NIOCore

/// A raw DEFLATE compressor producing one RFC 7692 message payload per call: the message is
/// compressed with a sync flush and the trailing `00 00 ff ff` is removed (§7.2.1).
///
/// The zlib stream (about `2^(windowBits+2) + 2^(memoryLevel+9)` bytes: 256 KiB at 15/8, 32 KiB at
/// 12/5) is opened by the first message, not before, and is dropped by ``release()``, which a
/// side without context takeover calls after each message.
///
/// zlib cannot compress raw DEFLATE with a 256-byte window, so a negotiated window of 8 bits is
/// compressed with 9 bits, as other implementations do; decompressors built on zlib accept it.
///
/// A value type, stored inline in its ``PerMessageDeflateExtension``: an idle connection pays for
/// no separate object.
struct DeflateCompressor {
    private let level: Int8
    private let windowBits: Int8
    private let memoryLevel: Int8
    private let memory: ZlibMemory
    /// The most input handed to zlib per call (``ZlibStream/maxChunk``; smaller in tests).
    private let chunkSize: Int
    /// The open stream: from the first message until ``release()`` (or a zlib failure).
    private var stream: ZlibStream?

    /// A compressor for the negotiated window `windowBits` (8–15), with a level (0–9) and memory
    /// level (1–9) that ``PerMessageDeflate`` validated. Allocates nothing until the first message.
    init(level: Int, windowBits: Int, memoryLevel: Int, memory: ZlibMemory = .system, chunkSize: Int = ZlibStream.maxChunk) {
        // Cannot trap: the three values were checked against 0...9, 8...15 and 1...9.
        self.level = Int8(level)
        self.windowBits = Int8(max(windowBits, 9))
        self.memoryLevel = Int8(memoryLevel)
        self.memory = memory
        self.chunkSize = min(max(chunkSize, 1), ZlibStream.maxChunk)
    }

    /// Whether a zlib stream is open (memory is held) now.
    var isAllocated: Bool { stream != nil }

    /// Compresses one whole message, or with `endsMessage` false one frame of a message sent in
    /// fragments (its output keeps the sync flush's `00 00 ff ff`, which only the message's last
    /// frame drops), keeping the context for the next one. Returns `nil` when zlib could not get
    /// memory (or failed): the stream is dropped, so the caller sends this message uncompressed
    /// (unless it is in the middle of one) and the next one starts a fresh stream that refers to
    /// nothing before it, which every decompressor accepts whatever the context takeover.
    mutating func compress(_ message: ByteBuffer, endsMessage: Bool = true, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let stream = stream ?? open() else { return nil }
        self.stream = stream
        let inputCount = message.readableBytes
        // readableBytes is never negative, so UInt(_) cannot trap; the bound is clamped into Int.
        let bound = Int(clamping: deflateBound(stream.pointer, UInt(inputCount)))
        var output = allocator.buffer(capacity: min(bound, Int.max - 16) + 16)
        let succeeded = message.withUnsafeReadableBytes { input in
            var offset = 0
            repeat {
                let count = min(chunkSize, input.count - offset)
                stream.setInput(input.baseAddress.map { $0 + offset }, count: count)
                offset += count
                guard Self.deflate(stream, flush: offset == input.count ? Z_SYNC_FLUSH : Z_NO_FLUSH, into: &output) else {
                    return false
                }
            } while offset < input.count
            return true
        }
        stream.detachBuffers()
        guard succeeded else {
            release()
            return nil
        }
        guard endsMessage else { return output }
        // With nothing new to flush (an empty message right after another) zlib writes nothing at
        // all; a lone empty stored-block header byte is then the message (RFC 7692 §7.2.3.6).
        guard output.readableBytes >= 4 else { return ByteBuffer(bytes: [0x00]) }
        output.moveWriterIndex(to: output.writerIndex - 4)
        return output
    }

    /// Drops the stream and its memory; the next message opens a new one with no context.
    mutating func release() {
        stream = nil
    }

    private func open() -> ZlibStream? {
        let (level, windowBits, memoryLevel) = (Int32(level), Int32(windowBits), Int32(memoryLevel))
        return ZlibStream.open(
            memory: memory,
            with: { duplex_deflate_init_raw($0, level, windowBits, memoryLevel) },
            end: { deflateEnd($0) }
        )
    }

    /// Runs deflate on the stream's current input until it is all consumed and, for a sync flush,
    /// until the flush is complete (deflate returned with output space left over). Returns whether
    /// zlib succeeded.
    private static func deflate(_ stream: ZlibStream, flush: Int32, into output: inout ByteBuffer) -> Bool {
        var status = Z_OK
        var finished = false
        while !finished {
            output.writeWithUnsafeMutableBytes(minimumWritableBytes: 64) { space in
                // writeWithUnsafeMutableBytes gives at least 64 bytes, so there is a base address.
                guard let base = space.baseAddress else { return 0 }
                stream.setOutput(base, count: space.count)
                status = CZlib.deflate(stream.pointer, flush)
                // Cannot trap: avail_out is at most the space offered, an Int.
                let left = Int(stream.pointer.pointee.avail_out)
                finished = stream.pointer.pointee.avail_in == 0 && (flush == Z_NO_FLUSH || left > 0)
                return min(space.count, ZlibStream.maxChunk) - left
            }
            guard status == Z_OK || status == Z_BUF_ERROR else { return false }
        }
        return true
    }
}
