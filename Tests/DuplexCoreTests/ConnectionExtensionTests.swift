import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

/// A stand-in for a compressing extension: adds 1 to every byte on the way out and subtracts it on
/// the way in, and records the limits it was given.
private final class ShiftExtension: WebSocketExtension {
    let name = "x-shift"
    let reservedBits: ReservedBits = .rsv1
    var limits: [Int] = []

    func encodeFrame(
        _ payload: ByteBuffer, opcode: Opcode, messageBits: ReservedBits?, isFinal: Bool, compression: MessageCompression
    ) -> (payload: ByteBuffer, reservedBits: ReservedBits)? {
        (ByteBuffer(bytes: payload.readableBytesView.map { $0 &+ 1 }), messageBits == nil ? .rsv1 : [])
    }

    func decodeFrame(
        _ payload: ByteBuffer, messageBits: ReservedBits, isFinal: Bool, limit: Int
    ) throws(ProtocolError) -> ByteBuffer {
        limits.append(limit)
        guard payload.readableBytes <= limit else { throw .messageTooLarge(limit: limit) }
        return ByteBuffer(bytes: payload.readableBytesView.map { $0 &- 1 })
    }
}

@Suite(.timeLimit(.minutes(1))) struct ConnectionExtensionTests {
    static func shifted(_ text: String) -> ByteBuffer {
        ByteBuffer(bytes: text.utf8.map { $0 + 1 })
    }

    @Test func outgoingMessagesAreEncodedWithBitsOnTheFirstFrameOnly() throws {
        var configuration = ConnectionConfiguration()
        configuration.fragmentSize = 3
        var harness = ConnectionHarness(configuration: configuration, extensions: [ShiftExtension()])
        try harness.connection.send(text: "abcde")
        try harness.connection.ping(ByteBuffer(string: "p"))
        let frames = try harness.sent()
        #expect(frames.map(\.header.reservedBits) == [.rsv1, [], []])
        #expect(frames.map(\.header.opcode) == [.text, .continuation, .ping])
        #expect(frames[0].payload == ByteBuffer(string: "bcd"))
        #expect(frames[2].payload == ByteBuffer(string: "p"))
    }

    @Test func incomingFramesAreDecodedWithTheRemainingRoom() {
        let shift = ShiftExtension()
        var configuration = ConnectionConfiguration()
        configuration.maxMessageSize = 100
        var harness = ConnectionHarness(configuration: configuration, extensions: [shift])
        #expect(harness.feed(.text, Self.shifted("Hel"), isFinal: false, reservedBits: .rsv1) == [])
        #expect(harness.feed(.continuation, Self.shifted("lo")) == [.text(ByteBuffer(string: "Hello"))])
        #expect(shift.limits == [100, 97])
        // A message without the extension's bit is left alone.
        #expect(harness.feed(text: "plain") == [.text(ByteBuffer(string: "plain"))])
        #expect(shift.limits.count == 2)
    }

    @Test func decodedTextIsValidated() throws {
        var harness = ConnectionHarness(extensions: [ShiftExtension()])
        let invalid = ByteBuffer(bytes: [0x42, 0xC1, 0xB0])  // decodes to 41 C0 AF
        #expect(harness.feed(.text, invalid, reservedBits: .rsv1) == [.protocolError(.invalidUTF8)])
        #expect(try harness.sentClose()?.code == .invalidPayloadData)
    }

    @Test func tooLargeFromTheExtensionReportsTheConfiguredLimit() throws {
        var configuration = ConnectionConfiguration()
        configuration.maxMessageSize = 4
        var harness = ConnectionHarness(configuration: configuration, extensions: [ShiftExtension()])
        #expect(harness.feed(.binary, ByteBuffer(bytes: [1, 2, 3]), isFinal: false, reservedBits: .rsv1) == [])
        #expect(harness.feed(.continuation, ByteBuffer(bytes: [1, 2])) == [.protocolError(.messageTooLarge(limit: 4))])
        #expect(try harness.sentClose()?.code == .messageTooBig)
    }

    @Test func reservedBitOnContinuationOrControlFrameFails() throws {
        var harness = ConnectionHarness(extensions: [ShiftExtension()])
        #expect(harness.feed(.binary, ByteBuffer(bytes: [1]), isFinal: false, reservedBits: .rsv1) == [])
        #expect(harness.feed(.continuation, ByteBuffer(bytes: [1]), reservedBits: .rsv1) == [.protocolError(.compressedNonDataFrame)])
        #expect(try harness.sentClose()?.code == .protocolError)

        var ping = ConnectionHarness(extensions: [ShiftExtension()])
        #expect(ping.feed(.ping, ByteBuffer(), reservedBits: .rsv1) == [.protocolError(.compressedNonDataFrame)])
    }

    @Test func bitsNoExtensionDefinesStillFail() {
        var harness = ConnectionHarness(extensions: [ShiftExtension()])
        #expect(harness.feed(.text, ByteBuffer(), reservedBits: .rsv2) == [.protocolError(.reservedBitsSet)])
    }
}
