import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

/// RFC 6455 §5.7 example frames, byte for byte.
@Suite(.timeLimit(.minutes(1))) struct FrameWriterTests {
    static let hello = ByteBuffer(string: "Hello")

    static func encode(_ opcode: Opcode, _ payload: ByteBuffer, isFinal: Bool = true, key: UInt32? = nil) -> [UInt8] {
        var out = ByteBuffer()
        FrameWriter.encode(opcode, payload: payload, isFinal: isFinal, maskingKey: key, into: &out)
        return Array(out.readableBytesView)
    }

    @Test func singleFrameUnmaskedText() {
        #expect(Self.encode(.text, Self.hello) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    @Test func singleFrameMaskedTextFromAClient() {
        let writer = FrameWriter(role: .client, maskingKeys: .fixed(0x37FA_213D))
        var out = ByteBuffer()
        writer.write(.text, payload: Self.hello, into: &out)
        #expect(Array(out.readableBytesView) == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    @Test func serverNeverMasks() {
        let writer = FrameWriter(role: .server, maskingKeys: .fixed(0x37FA_213D))
        var out = ByteBuffer()
        writer.write(.text, payload: Self.hello, into: &out)
        #expect(Array(out.readableBytesView) == [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    @Test func fragmentedUnmaskedText() {
        #expect(Self.encode(.text, ByteBuffer(string: "Hel"), isFinal: false) == [0x01, 0x03, 0x48, 0x65, 0x6C])
        #expect(Self.encode(.continuation, ByteBuffer(string: "lo")) == [0x80, 0x02, 0x6C, 0x6F])
    }

    @Test func pingAndMaskedPong() {
        #expect(Self.encode(.ping, Self.hello) == [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        #expect(
            Self.encode(.pong, Self.hello, key: 0x37FA_213D)
                == [0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        )
    }

    @Test func binaryLengthEncodings() {
        let small = Self.encode(.binary, ByteBuffer(repeating: 7, count: 256))
        #expect(Array(small.prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(small.count == 4 + 256)
        let large = Self.encode(.binary, ByteBuffer(repeating: 7, count: 65536))
        #expect(Array(large.prefix(10)) == [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        #expect(large.count == 10 + 65536)
        #expect(Array(Self.encode(.binary, ByteBuffer(repeating: 7, count: 125)).prefix(2)) == [0x82, 0x7D])
        #expect(Array(Self.encode(.binary, ByteBuffer(repeating: 7, count: 65535)).prefix(4)) == [0x82, 0x7E, 0xFF, 0xFF])
    }

    @Test func reservedBitsAreWritten() {
        var out = ByteBuffer()
        FrameWriter.encode(.text, payload: ByteBuffer(), reservedBits: .rsv1, into: &out)
        #expect(Array(out.readableBytesView) == [0xC1, 0x00])
    }

    @Test func headerEncodedLengthMatchesWhatIsWritten() {
        for length in [0, 125, 126, 65535, 65536] {
            for key: UInt32? in [nil, 1] {
                let header = FrameHeader(opcode: .binary, maskingKey: key, payloadLength: length)
                var out = ByteBuffer()
                header.write(to: &out)
                #expect(out.readableBytes == header.encodedLength)
            }
        }
    }
}
