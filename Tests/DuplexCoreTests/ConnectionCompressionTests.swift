@_spi(Core) import DuplexCore
import NIOCore
import Testing

/// The connection state machine and permessage-deflate together, negotiated through the handshake
/// types exactly as the transport does it.
@Suite(.timeLimit(.minutes(1))) struct ConnectionCompressionTests {
    /// A client and a server connection that negotiated permessage-deflate with `configuration`.
    private func negotiatedPair(
        _ configuration: PerMessageDeflate.Configuration = .init(),
        connection: ConnectionConfiguration = .init()
    ) throws -> (client: WebSocketConnection, server: WebSocketConnection) {
        let negotiator = try PerMessageDeflate(configuration: configuration)
        let offers = negotiator.clientOffers()
        let accepted = try #require(negotiator.serverAccept(offers))
        let clientSide = try negotiator.clientAccept(accepted.responseElement)
        let client = WebSocketConnection(
            role: .client, configuration: connection, extensions: [clientSide.makeExtension(role: .client)])
        let server = WebSocketConnection(
            role: .server, configuration: connection, extensions: [accepted.makeExtension(role: .server)])
        return (client, server)
    }

    private func deliver(_ from: inout WebSocketConnection, to: inout WebSocketConnection) -> [ConnectionEvent] {
        while let bytes = from.takeOutbound() { to.receive(bytes) }
        var events: [ConnectionEvent] = []
        while let event = to.nextEvent() { events.append(event) }
        return events
    }

    @Test func rfc7692CompressedHelloArrivesAsText() throws {
        var (_, server) = try negotiatedPair()
        // RFC 7692 §7.2.3.1: "Hello" compressed is f2 48 cd c9 c9 07 00; RSV1 on a masked text frame.
        var frame = ByteBuffer()
        FrameWriter.encode(
            .text, payload: ByteBuffer(bytes: [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]), reservedBits: .rsv1,
            maskingKey: 0x37fa_213d, into: &frame)
        server.receive(frame)
        #expect(server.nextEvent() == .text(ByteBuffer(string: "Hello")))
    }

    @Test func messagesRoundTripCompressedBothWays() throws {
        var (client, server) = try negotiatedPair()
        let text = String(repeating: "the quick brown fox jumps over the lazy dog ", count: 500)
        for _ in 0..<3 {
            try client.send(text: text)
            let wire = client.takeOutbound()!
            #expect(wire.readableBytes < text.utf8.count / 4, "context takeover compresses repeated text")
            server.receive(wire)
            #expect(server.nextEvent() == .text(ByteBuffer(string: text)))
            try server.send(.binary, payload: ByteBuffer(string: text))
            #expect(deliver(&server, to: &client) == [.binary(ByteBuffer(string: text))])
        }
    }

    @Test func compressionBombIsStoppedWith1009() throws {
        var connection = ConnectionConfiguration()
        connection.maxMessageSize = 1 << 20
        var (client, server) = try negotiatedPair(connection: connection)
        // 10 MiB of zeros compresses to about 10 KiB; the client does not check its own limit.
        try client.send(.binary, payload: ByteBuffer(repeating: 0, count: 10 << 20))
        let events = deliver(&client, to: &server)
        #expect(events == [.protocolError(.messageTooLarge(limit: 1 << 20))])
        #expect(server.closeStatus?.code == .messageTooBig)
    }

    @Test func rsv1OnAContinuationFrameIs1002() throws {
        var (_, server) = try negotiatedPair()
        var frames = ByteBuffer()
        FrameWriter.encode(.text, payload: ByteBuffer(string: "a"), isFinal: false, maskingKey: 1, into: &frames)
        FrameWriter.encode(
            .continuation, payload: ByteBuffer(string: "b"), reservedBits: .rsv1, maskingKey: 1, into: &frames)
        server.receive(frames)
        #expect(server.nextEvent() == .protocolError(.compressedNonDataFrame))
        #expect(server.closeStatus?.code == .protocolError)
    }

    @Test func rsv1WithoutNegotiationIs1002() {
        var server = WebSocketConnection(role: .server)
        var frame = ByteBuffer()
        FrameWriter.encode(.text, payload: ByteBuffer(string: "Hello"), reservedBits: .rsv1, maskingKey: 7, into: &frame)
        server.receive(frame)
        #expect(server.nextEvent() == .protocolError(.reservedBitsSet))
    }
}

extension ConnectionCompressionTests {
    @Test func emptyMessagesAfterOthersRoundTrip() throws {
        // zlib writes nothing for a sync flush with no new input; the empty message must still be
        // a valid compressed payload.
        var (client, server) = try negotiatedPair()
        for text in ["Hello", "", "", "again", ""] {
            try client.send(text: text)
            #expect(deliver(&client, to: &server) == [.text(ByteBuffer(string: text))])
        }
    }
}
