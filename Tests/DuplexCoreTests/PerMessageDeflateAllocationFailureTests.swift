import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

/// zlib returns `Z_MEM_ERROR` when it cannot get memory: an outgoing message then goes out
/// uncompressed, an incoming compressed one fails the connection with 1011; nothing traps.
@Suite(.timeLimit(.minutes(1)))
struct PerMessageDeflateAllocationFailureTests {
    private static let message = ByteBuffer(string: String(repeating: "permessage-deflate ", count: 50))

    /// An extension whose compressor and decompressor get memory from `compressor` and `decompressor`.
    private func deflate(compressor: ZlibMemory = .system, decompressor: ZlibMemory = .system) -> PerMessageDeflateExtension {
        PerMessageDeflateExtension(
            compressor: DeflateCompressor(level: 6, windowBits: 15, memoryLevel: 8, memory: compressor),
            decompressor: DeflateDecompressor(windowBits: 15, memory: decompressor),
            resetsCompressor: false, resetsDecompressor: false, threshold: 0
        )
    }

    @Test func compressorWithoutMemorySendsTheMessageUncompressed() throws {
        let ext = deflate(compressor: .limited(allocations: 2))
        let (payload, bits) = ext.encodeMessage(Self.message, opcode: .text)
        #expect(bits.isEmpty)
        #expect(payload == Self.message)
        #expect(ext.holdsStreams == (false, false))
        // The peer reads it as any uncompressed message.
        let peer = deflate()
        #expect(try peer.decodeFrame(payload, messageBits: bits, isFinal: true, limit: 1 << 20) == Self.message)
    }

    @Test(arguments: [0, 1])
    func decompressorWithoutMemoryFailsTheMessageWith1011(allocations: Int) throws {
        // 0: inflateInit2 fails; 1: it succeeds and the window zlib allocates at the first output fails.
        let (payload, bits) = deflate().encodeMessage(Self.message, opcode: .text)
        let ext = deflate(decompressor: .limited(allocations: allocations))
        #expect(throws: ProtocolError.decompressionUnavailable) {
            try ext.decodeFrame(payload, messageBits: bits, isFinal: true, limit: 1 << 20)
        }
        #expect(ext.holdsStreams == (false, false))
        #expect(ProtocolError.decompressionUnavailable.closeCode == .internalError)
    }

    @Test func connectionClosesWith1011WhenItCannotInflate() throws {
        let (payload, bits) = deflate().encodeMessage(Self.message, opcode: .binary)
        var harness = ConnectionHarness(extensions: [deflate(decompressor: .limited(allocations: 0))])
        let events = harness.feed(harness.frame(.binary, payload, reservedBits: bits))
        #expect(events == [.protocolError(.decompressionUnavailable)])
        #expect(harness.connection.closeStatus?.code == .internalError)
    }
}
