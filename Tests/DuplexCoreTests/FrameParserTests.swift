import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite(.timeLimit(.minutes(1))) struct FrameParserTests {
    static func parse(_ bytes: [UInt8], role: Role = .client, allowed: ReservedBits = [], maxFrameSize: Int = 1 << 20)
        throws(ProtocolError) -> Frame?
    {
        var parser = FrameParser(role: role, allowedReservedBits: allowed, maxFrameSize: maxFrameSize)
        parser.append(ByteBuffer(bytes: bytes))
        return try parser.nextFrame()
    }

    static func error(_ bytes: [UInt8], role: Role = .client, allowed: ReservedBits = [], maxFrameSize: Int = 1 << 20)
        -> ProtocolError?
    {
        do {
            _ = try parse(bytes, role: role, allowed: allowed, maxFrameSize: maxFrameSize)
            return nil
        } catch {
            return error
        }
    }

    @Test func rfcExamplesParse() throws {
        let unmasked = try #require(try Self.parse([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]))
        #expect(unmasked.header == FrameHeader(opcode: .text, payloadLength: 5))
        #expect(unmasked.payload == ByteBuffer(string: "Hello"))

        let masked = try #require(
            try Self.parse([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58], role: .server)
        )
        #expect(masked.header == FrameHeader(opcode: .text, maskingKey: 0x37FA_213D, payloadLength: 5))
        #expect(masked.payload == ByteBuffer(string: "Hello"))

        let first = try #require(try Self.parse([0x01, 0x03, 0x48, 0x65, 0x6C]))
        #expect(!first.header.isFinal && first.header.opcode == .text && first.payload == ByteBuffer(string: "Hel"))
        let ping = try #require(try Self.parse([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F]))
        #expect(ping.header.opcode == .ping && ping.payload == ByteBuffer(string: "Hello"))

        var long: [UInt8] = [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
        long += [UInt8](repeating: 9, count: 65536)
        #expect(try Self.parse(long)?.payload.readableBytes == 65536)
        #expect(try Self.parse([0x82, 0x7E, 0x01, 0x00] + [UInt8](repeating: 9, count: 256))?.payload.readableBytes == 256)
    }

    @Test func bytesFedOneAtATime() throws {
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58, 0x89, 0x80, 1, 2, 3, 4]
        var parser = FrameParser(role: .server)
        var frames: [Frame] = []
        for byte in bytes {
            parser.append(ByteBuffer(bytes: [byte]))
            while let frame = try parser.nextFrame() { frames.append(frame) }
        }
        #expect(frames.map(\.header.opcode) == [.text, .ping])
        #expect(frames.first?.payload == ByteBuffer(string: "Hello"))
        #expect(frames.last?.payload.readableBytes == 0)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func reservedOpcodesAreRejected() {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            #expect(Self.error([0x80 | opcode, 0x00]) == .reservedOpcode(opcode))
        }
        #expect(ProtocolError.reservedOpcode(3).closeCode == .protocolError)
    }

    @Test func reservedBitsNeedAnExtension() throws {
        for bits: UInt8 in [0x40, 0x20, 0x10] {
            #expect(Self.error([0x81 | bits, 0x00]) == .reservedBitsSet)
        }
        #expect(Self.error([0xA1, 0x00], allowed: .rsv1) == .reservedBitsSet)
        let frame = try #require(try Self.parse([0xC1, 0x00], allowed: .rsv1))
        #expect(frame.header.reservedBits == .rsv1)
    }

    @Test func maskingDependsOnTheRole() {
        #expect(Self.error([0x81, 0x00], role: .server) == .unmaskedFrame)
        #expect(Self.error([0x81, 0x80, 1, 2, 3, 4], role: .client) == .maskedFrame)
        #expect(ProtocolError.unmaskedFrame.closeCode == .protocolError)
    }

    @Test func controlFrameRules() {
        #expect(Self.error([0x89, 0x7E, 0x00, 0x7E]) == .controlFrameTooLong)
        #expect(Self.error([0x88, 0x7E]) == .controlFrameTooLong)  // fails before the extended length arrives
        #expect(Self.error([0x09, 0x00]) == .fragmentedControlFrame)
        #expect(Self.error([0x8A, 0x7D] + [UInt8](repeating: 0, count: 125)) == nil)
    }

    @Test func sixtyFourBitLengthWithTopBitSetIsRejectedBeforeConversion() {
        #expect(Self.error([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0]) == .invalidPayloadLength)
        #expect(Self.error([0x82, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .invalidPayloadLength)
        #expect(ProtocolError.invalidPayloadLength.closeCode == .protocolError)
    }

    @Test func frameLargerThanTheLimitFailsFromItsHeader() {
        #expect(Self.error([0x82, 0x7E, 0x01, 0x00], maxFrameSize: 255) == .frameTooLarge(limit: 255))
        #expect(Self.error([0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) == .frameTooLarge(limit: 1 << 20))
        #expect(ProtocolError.frameTooLarge(limit: 1).closeCode == .messageTooBig)
    }

    @Test func partialPayloadIsUnmaskedAsItArrives() throws {
        var parser = FrameParser(role: .server)
        parser.append(ByteBuffer(bytes: [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F]))
        #expect(try parser.nextHeader()?.payloadLength == 5)
        // Asking again before the payload is read gives the same header (it used to trap).
        #expect(try parser.nextHeader() == parser.pendingHeader)
        #expect(parser.unmaskArrivedPayload() == ByteBuffer(string: "He"))
        #expect(parser.unmaskArrivedPayload() == nil)
        #expect(parser.readPayload() == nil)
        parser.append(ByteBuffer(bytes: [0x4D, 0x51, 0x58]))
        #expect(parser.unmaskArrivedPayload() == ByteBuffer(string: "llo"))
        #expect(parser.readPayload() == ByteBuffer(string: "Hello"))
        #expect(parser.pendingHeader == nil)
    }

    @Test func wholeFrameInAnEmptyParserIsNotCopied() throws {
        var parser = FrameParser(role: .client)
        var input = ByteBuffer()
        FrameWriter.encode(.binary, payload: ByteBuffer(repeating: 1, count: 1000), into: &input)
        let inputAddress = input.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        parser.append(input)
        let frame = try #require(try parser.nextFrame())
        let payloadAddress = frame.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(payloadAddress == inputAddress + 4)
    }

    @Test func heldPayloadSlicesDoNotForceACopyOfLaterFrames() throws {
        var parser = FrameParser(role: .server)
        var input: ByteBuffer? = ByteBuffer()
        FrameWriter.encode(.binary, payload: ByteBuffer(repeating: 1, count: 100), maskingKey: 0xA1A2_A3A4, into: &input!)
        FrameWriter.encode(.binary, payload: ByteBuffer(repeating: 2, count: 100), maskingKey: 0xB1B2_B3B4, into: &input!)
        FrameWriter.encode(.text, payload: ByteBuffer(string: "partial"), maskingKey: 0xC1C2_C3C4, into: &input!)
        parser.append(input!.getSlice(at: input!.readerIndex, length: input!.readableBytes - 3)!)
        input = nil
        let first = try #require(try parser.nextFrame())
        let second = try #require(try parser.nextFrame())  // `first` is still held here
        #expect(first.payload == ByteBuffer(repeating: 1, count: 100))
        #expect(second.payload == ByteBuffer(repeating: 2, count: 100))
        // Both are slices of the parser's one buffer: unmasking the second did not copy it.
        let firstAddress = first.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(second.payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == firstAddress + 100 + 6)
        #expect(try parser.nextHeader()?.opcode == .text)
        #expect(parser.unmaskArrivedPayload() == ByteBuffer(string: "part"))
        parser.append(ByteBuffer(bytes: [0x69 ^ 0xC1, 0x61 ^ 0xC2, 0x6C ^ 0xC3]))
        #expect(parser.readPayload() == ByteBuffer(string: "partial"))
    }

    @Test func randomizedRoundTripsWithRandomSplits() throws {
        var generator = SeededGenerator(seed: 6455)
        var sizes = [0, 1, 125, 126, 127, 65535, 65536, 70000]
        sizes += (0..<40).map { _ in Int.random(in: 0...70000, using: &generator) }
        for size in sizes {
            for sender in [Role.client, .server] {
                let payload = ByteBuffer(bytes: (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
                let writer = FrameWriter(role: sender, maskingKeys: .fixed(UInt32.random(in: 0...UInt32.max, using: &generator)))
                var wire = ByteBuffer()
                writer.write(.binary, payload: payload, isFinal: size % 2 == 0, into: &wire)
                writer.write(.ping, payload: ByteBuffer(string: "p"), into: &wire)
                var parser = FrameParser(role: sender == .client ? .server : .client)
                var frames: [Frame] = []
                while wire.readableBytes > 0 {
                    let piece = wire.readSlice(length: Int.random(in: 1...max(1, wire.readableBytes), using: &generator))!
                    parser.append(piece)
                    while let frame = try parser.nextFrame() { frames.append(frame) }
                }
                #expect(frames.count == 2, "size \(size)")
                #expect(frames.first?.payload == payload, "size \(size) from \(sender)")
                #expect(frames.first?.header.isFinal == (size % 2 == 0))
                #expect(frames.last?.payload == ByteBuffer(string: "p"))
            }
        }
    }
}
