import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite(.timeLimit(.minutes(1))) struct ConnectionMessageTests {
    @Test func singleFrameTextIsDelivered() {
        var harness = ConnectionHarness()
        #expect(harness.feed(text: "Hello") == [.text(ByteBuffer(string: "Hello"))])
        #expect(harness.connection.state == .open)
    }

    @Test func serverLeavesTheReadBufferAloneAndReusesItsOwnStorage() throws {
        var connection = WebSocketConnection(role: .server)
        var input = ByteBuffer()
        FrameWriter.encode(.binary, payload: ByteBuffer(repeating: 0x5A, count: 300), maskingKey: 0x1234_5678, into: &input)
        let original = input
        func receiveOne() -> UInt? {
            connection.receive(input)
            guard case .binary(let payload) = connection.nextEvent() else { return nil }
            #expect(payload == ByteBuffer(repeating: 0x5A, count: 300))
            return payload.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        }
        let first = try #require(receiveOne())
        // The transport's buffer is not unmasked in place (it still holds it to reuse it) ...
        #expect(input == original)
        // ... and once the message is let go, the next one lands in the same storage: no allocation.
        #expect(receiveOne() == first)
    }

    @Test func fragmentedMessageWithInterleavedPing() throws {
        var harness = ConnectionHarness()
        #expect(harness.feed(text: "He", isFinal: false) == [])
        #expect(harness.feed(.ping, ByteBuffer(string: "p")) == [.ping(ByteBuffer(string: "p"))])
        #expect(harness.feed(.continuation, ByteBuffer(string: "l"), isFinal: false) == [])
        #expect(harness.feed(.continuation, ByteBuffer(string: "lo")) == [.text(ByteBuffer(string: "Hello"))])
        let pong = try harness.sent()
        #expect(pong.map(\.header.opcode) == [.pong])
        #expect(pong.first?.payload == ByteBuffer(string: "p"))
    }

    @Test func wholeMessageArrivingByteByByte() {
        var harness = ConnectionHarness()
        var wire = harness.frame(.binary, ByteBuffer(bytes: [1, 2]), isFinal: false)
        wire.writeImmutableBuffer(harness.frame(.continuation, ByteBuffer(bytes: [3])))
        var events: [ConnectionEvent] = []
        while let byte = wire.readSlice(length: 1) { events += harness.feed(byte) }
        #expect(events == [.binary(ByteBuffer(bytes: [1, 2, 3]))])
    }

    @Test func continuationWithoutAMessageFails() throws {
        var harness = ConnectionHarness()
        #expect(harness.feed(.continuation, ByteBuffer(string: "x")) == [.protocolError(.unexpectedContinuation)])
        #expect(try harness.sentClose() == CloseStatus(code: .protocolError, reason: "unexpected continuation frame"))
        #expect(harness.connection.state == .closed)
        #expect(harness.connection.shouldCloseTransport)
        #expect(harness.connection.closeStatus?.code == .protocolError)
    }

    @Test func newMessageInsideAFragmentedOneFails() throws {
        var harness = ConnectionHarness(role: .client)
        #expect(harness.feed(text: "a", isFinal: false) == [])
        #expect(harness.feed(.binary, ByteBuffer(string: "b")) == [.protocolError(.expectedContinuation)])
        #expect(try harness.sentClose()?.code == .protocolError)
        #expect(harness.connection.shouldCloseTransport)
        #expect(harness.feed(text: "ignored") == [])
    }

    @Test func frameErrorsFromTheParserFailTheConnection() throws {
        var harness = ConnectionHarness()
        var unmasked = ByteBuffer()
        FrameWriter.encode(.text, payload: ByteBuffer(string: "x"), into: &unmasked)
        #expect(harness.feed(unmasked) == [.protocolError(.unmaskedFrame)])
        #expect(try harness.sentClose()?.code == .protocolError)

        var client = ConnectionHarness(role: .client)
        #expect(client.feed(ByteBuffer(bytes: [0x83, 0x00])) == [.protocolError(.reservedOpcode(3))])
        #expect(try client.sentClose()?.code == .protocolError)
    }

    @Test func invalidUTF8FailsAtTheFragmentThatCarriesIt() throws {
        var harness = ConnectionHarness()
        #expect(harness.feed(text: "κόσμε", isFinal: false) == [])
        // Not the final fragment: the message is not complete, yet the connection fails now.
        #expect(harness.feed(.continuation, ByteBuffer(bytes: [0xCE, 0xBA, 0xED, 0xA0, 0x80]), isFinal: false) == [.protocolError(.invalidUTF8)])
        #expect(try harness.sentClose() == CloseStatus(code: .invalidPayloadData, reason: "invalid UTF-8"))
        #expect(harness.connection.closeStatus?.code == .invalidPayloadData)
    }

    @Test func invalidUTF8FailsInsideAFrameStillArriving() throws {
        var harness = ConnectionHarness()
        let valid = [UInt8]("valid start, then ".utf8)
        var wire = harness.frame(.text, ByteBuffer(bytes: valid + [0xF4, 0x90, 0x80, 0x80] + [UInt8](repeating: 0x41, count: 100)))
        let header = wire.readSlice(length: 8)!
        #expect(harness.feed(header) == [])
        #expect(harness.feed(wire.readSlice(length: 10)!) == [])
        #expect(harness.feed(wire.readSlice(length: 10)!) == [.protocolError(.invalidUTF8)])
    }

    @Test func truncatedSequenceAtTheFinalFragmentFails() {
        var harness = ConnectionHarness()
        #expect(harness.feed(.text, ByteBuffer(bytes: [0x41, 0xE2, 0x82]), isFinal: false) == [])
        #expect(harness.feed(.continuation, ByteBuffer(bytes: [])) == [.protocolError(.invalidUTF8)])
    }

    @Test func sequencesCutAtFragmentBoundariesAreValid() {
        let text = [UInt8]("κόσμε 𝄞 €".utf8)
        for cut in 0...text.count {
            var harness = ConnectionHarness()
            #expect(harness.feed(.text, ByteBuffer(bytes: text[..<cut]), isFinal: false) == [])
            #expect(harness.feed(.continuation, ByteBuffer(bytes: text[cut...])) == [.text(ByteBuffer(bytes: text))], "cut \(cut)")
        }
    }

    @Test func messageSizeIsCheckedFromTheHeader() throws {
        var configuration = ConnectionConfiguration()
        configuration.maxMessageSize = 10
        var harness = ConnectionHarness(configuration: configuration)
        #expect(harness.feed(.binary, ByteBuffer(repeating: 1, count: 6), isFinal: false) == [])
        var second = harness.frame(.continuation, ByteBuffer(repeating: 1, count: 5))
        // Only the header: the size is known and the connection fails before the payload arrives.
        #expect(harness.feed(second.readSlice(length: 6)!) == [.protocolError(.messageTooLarge(limit: 10))])
        #expect(try harness.sentClose()?.code == .messageTooBig)
    }

    @Test func frameSizeLimitFailsWith1009() throws {
        var configuration = ConnectionConfiguration()
        configuration.maxFrameSize = 4
        var harness = ConnectionHarness(role: .client, configuration: configuration)
        #expect(harness.feed(.binary, ByteBuffer(repeating: 1, count: 5)) == [.protocolError(.frameTooLarge(limit: 4))])
        #expect(try harness.sentClose()?.code == .messageTooBig)
    }

    @Test func pingsArePongedAndPongsReported() throws {
        var harness = ConnectionHarness()
        #expect(harness.feed(.ping, ByteBuffer(string: "abc")) == [.ping(ByteBuffer(string: "abc"))])
        let frames = try harness.sent()
        #expect(frames.map(\.header.opcode) == [.pong])
        #expect(frames.first?.payload == ByteBuffer(string: "abc"))
        #expect(frames.first?.header.maskingKey == nil)
        #expect(harness.feed(.pong, ByteBuffer(string: "hb")) == [.pong(ByteBuffer(string: "hb"))])
        #expect(try harness.sent().isEmpty)
    }

    @Test func automaticPongCanBeTurnedOff() throws {
        var configuration = ConnectionConfiguration()
        configuration.automaticPong = false
        var harness = ConnectionHarness(role: .client, configuration: configuration)
        #expect(harness.feed(.ping, ByteBuffer()) == [.ping(ByteBuffer())])
        #expect(try harness.sent().isEmpty)
    }
}
