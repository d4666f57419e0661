import NIOCore
import Testing

@testable import DuplexCore

/// zlib counts input and output in 32-bit fields, so the codecs feed it at most
/// ``ZlibStream/maxChunk`` bytes per call. A message over 4 GiB is too big for a test: the same
/// code runs here with chunks of a few bytes, which must give the same results.
@Suite(.timeLimit(.minutes(1)))
struct PerMessageDeflateChunkingTests {
    /// JSON-like text of about `size` bytes.
    private static func text(_ size: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        var record = 0
        while buffer.readableBytes < size {
            buffer.writeString(#"{"id":\#(record),"name":"n\#(record % 13)","v":\#(record * 31 % 997)},"#)
            record += 1
        }
        return buffer
    }

    private func inflate(_ payload: ByteBuffer, with decompressor: inout DeflateDecompressor) throws -> ByteBuffer {
        try decompressor.decompress(payload, isFinal: true, limit: 1 << 20, allocator: ByteBufferAllocator())
    }

    @Test(arguments: [1, 7, 4096])
    func smallInputChunksCompressToTheSameBytes(chunkSize: Int) throws {
        var chunked = DeflateCompressor(level: 6, windowBits: 15, memoryLevel: 8, chunkSize: chunkSize)
        var whole = DeflateCompressor(level: 6, windowBits: 15, memoryLevel: 8)
        for size in [0, 1, 100, 20_000] {
            let message = Self.text(size)
            let compressed = whole.compress(message, allocator: ByteBufferAllocator())
            let expected = try #require(compressed)
            #expect(chunked.compress(message, allocator: ByteBufferAllocator()) == expected)
        }
    }

    @Test(arguments: [1, 5, 4096])
    func smallInputChunksInflateTheSameMessages(chunkSize: Int) throws {
        var compressor = DeflateCompressor(level: 6, windowBits: 15, memoryLevel: 8)
        var chunked = DeflateDecompressor(windowBits: 15, chunkSize: chunkSize)
        for size in [0, 1, 100, 20_000, 300] {
            let message = Self.text(size)
            let compressed = compressor.compress(message, allocator: ByteBufferAllocator())
            let payload = try #require(compressed)
            #expect(try inflate(payload, with: &chunked) == message)
        }
    }

    @Test func chunkedInflateStillStopsAtTheLimit() throws {
        var compressor = DeflateCompressor(level: 6, windowBits: 15, memoryLevel: 8)
        let compressed = compressor.compress(ByteBuffer(repeating: 0x61, count: 100_000), allocator: ByteBufferAllocator())
        let payload = try #require(compressed)
        var decompressor = DeflateDecompressor(windowBits: 15, chunkSize: 3)
        #expect(throws: ProtocolError.messageTooLarge(limit: 1000)) {
            try decompressor.decompress(payload, isFinal: true, limit: 1000, allocator: ByteBufferAllocator())
        }
    }
}
