import DuplexCore
import NIOCore
import Testing

/// RFC 7692 §6–7.2: compressing and inflating messages through the extension's protocol methods.
@Suite(.timeLimit(.minutes(1))) struct PerMessageDeflateExtensionTests {
    private static let hello: [UInt8] = Array("Hello".utf8)

    private func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

    /// Negotiates with the default server policy and returns the client's and server's extensions.
    private func pair(
        offer: PerMessageDeflateParameters = .init(clientMaxWindowBits: .supported),
        policy: PerMessageDeflate.ServerPolicy = .init(),
        threshold: Int = 0
    ) throws -> (client: any WebSocketExtension, server: any WebSocketExtension) {
        var clientConfiguration = PerMessageDeflate.Configuration()
        clientConfiguration.offers = [offer]
        clientConfiguration.threshold = threshold
        var serverConfiguration = PerMessageDeflate.Configuration()
        serverConfiguration.serverPolicy = policy
        serverConfiguration.threshold = threshold
        let client = try PerMessageDeflate(configuration: clientConfiguration)
        let server = try #require(try PerMessageDeflate(configuration: serverConfiguration).serverAccept(client.clientOffers()))
        let agreed = try client.clientAccept(server.responseElement)
        return (agreed.makeExtension(role: .client), server.makeExtension(role: .server))
    }

    private func decode(
        _ ext: any WebSocketExtension, _ frames: [[UInt8]], limit: Int = 1 << 20
    ) throws(ProtocolError) -> [UInt8] {
        var output: [UInt8] = []
        for (index, frame) in frames.enumerated() {
            let part = try ext.decodeFrame(buffer(frame), messageBits: .rsv1, isFinal: index == frames.count - 1, limit: limit)
            output += part.readableBytesView
        }
        return output
    }

    // MARK: RFC 7692 §7.2.3 examples

    @Test func compressesHelloAsInRFC() throws {
        let (_, server) = try pair()
        #expect(server.name == "permessage-deflate" && server.reservedBits == .rsv1)
        let (payload, bits) = server.encodeMessage(buffer(Self.hello), opcode: .text)
        #expect(bits == .rsv1)
        #expect(Array(payload.readableBytesView) == [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
    }

    @Test func secondHelloUsesTheSlidingWindow() throws {
        let (client, _) = try pair()
        _ = client.encodeMessage(buffer(Self.hello), opcode: .text)
        let (payload, _) = client.encodeMessage(buffer(Self.hello), opcode: .text)
        #expect(Array(payload.readableBytesView) == [0xF2, 0x00, 0x11, 0x00, 0x00])
    }

    @Test func noContextTakeoverCompressesEachHelloAlike() throws {
        let (_, server) = try pair(offer: .init(serverNoContextTakeover: true))
        _ = server.encodeMessage(buffer(Self.hello), opcode: .text)
        let (payload, _) = server.encodeMessage(buffer(Self.hello), opcode: .text)
        #expect(Array(payload.readableBytesView) == [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00])
    }

    @Test func decodesHelloAndItsSlidingWindowSequel() throws {
        let (client, _) = try pair()
        #expect(try decode(client, [[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]]) == Self.hello)
        #expect(try decode(client, [[0xF2, 0x00, 0x11, 0x00, 0x00]]) == Self.hello)
    }

    @Test func decodesStoredBlock() throws {
        let (client, _) = try pair()
        #expect(try decode(client, [[0x00, 0x05, 0x00, 0xFA, 0xFF, 0x48, 0x65, 0x6C, 0x6C, 0x6F, 0x00]]) == Self.hello)
    }

    @Test func decodesHelloSplitAcrossFrames() throws {
        let (_, server) = try pair()
        #expect(try decode(server, [[0xF2, 0x48, 0xCD], [0xC9, 0xC9, 0x07, 0x00]]) == Self.hello)
        #expect(try decode(server, [[0xF2], [], [0x00, 0x11], [0x00, 0x00]]) == Self.hello)
    }

    @Test func decodesBlockWithBFINALThenAnotherMessage() throws {
        let (client, _) = try pair()
        #expect(try decode(client, [[0xF3, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]]) == Self.hello)
        #expect(try decode(client, [[0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00]]) == Self.hello)
    }

    @Test func emptyMessageRoundTrips() throws {
        let (client, server) = try pair()
        let (payload, bits) = client.encodeMessage(buffer([]), opcode: .binary)
        #expect(bits == .rsv1)
        #expect(try decode(server, [Array(payload.readableBytesView)]) == [])
    }

    // MARK: Threshold and uncompressed messages

    @Test func messagesBelowThresholdAreSentUnchanged() throws {
        let (client, _) = try pair(threshold: 6)
        let (short, shortBits) = client.encodeMessage(buffer(Self.hello), opcode: .text)
        #expect(shortBits.isEmpty && Array(short.readableBytesView) == Self.hello)
        let (_, longBits) = client.encodeMessage(buffer(Self.hello + [0x21]), opcode: .text)
        #expect(longBits == .rsv1)
    }

    @Test func uncompressedFramesPassThrough() throws {
        let (_, server) = try pair()
        let frame = try server.decodeFrame(buffer(Self.hello), messageBits: [], isFinal: false, limit: 5)
        #expect(Array(frame.readableBytesView) == Self.hello)
        #expect(throws: ProtocolError.messageTooLarge(limit: 4)) {
            try server.decodeFrame(buffer(Self.hello), messageBits: [], isFinal: true, limit: 4)
        }
    }

    // MARK: Round trips

    private static let messages: [[UInt8]] = (0..<40).map { index in
        Array(("message \(index): " + String(repeating: "lorem ipsum \(index % 5) dolor ", count: index % 9)).utf8)
    }

    @Test(arguments: PerMessageDeflateParameters.windowBitsRange, [false, true])
    func roundTripsManyMessagesBothWays(windowBits: Int, noContextTakeover: Bool) throws {
        let offer = PerMessageDeflateParameters(
            serverNoContextTakeover: noContextTakeover, clientNoContextTakeover: noContextTakeover,
            serverMaxWindowBits: windowBits, clientMaxWindowBits: .bits(windowBits))
        let (client, server) = try pair(offer: offer)
        for message in Self.messages {
            let (toServer, _) = client.encodeMessage(buffer(message), opcode: .binary)
            #expect(try decode(server, [Array(toServer.readableBytesView)]) == message)
            let (toClient, _) = server.encodeMessage(buffer(message), opcode: .binary)
            #expect(try decode(client, [Array(toClient.readableBytesView)]) == message)
        }
    }

    @Test func largeWindowDataRoundTripsInSmallFrames() throws {
        let (client, server) = try pair(offer: .init(serverMaxWindowBits: 8, clientMaxWindowBits: .bits(8)))
        let message = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 * 7919 >> 3) }
        let (compressed, _) = client.encodeMessage(buffer(message), opcode: .binary)
        let bytes = Array(compressed.readableBytesView)
        let frames = stride(from: 0, to: bytes.count, by: 1000).map { Array(bytes[$0..<min($0 + 1000, bytes.count)]) }
        #expect(try decode(server, frames) == message)
    }

    @Test func contextTakeoverShrinksRepeatedMessages() throws {
        let message = Array(String(repeating: "The quick brown fox. ", count: 10).utf8)
        let (takeover, _) = try pair()
        let (reset, _) = try pair(offer: .init(clientNoContextTakeover: true))
        _ = takeover.encodeMessage(buffer(message), opcode: .text)
        _ = reset.encodeMessage(buffer(message), opcode: .text)
        let (withContext, _) = takeover.encodeMessage(buffer(message), opcode: .text)
        let (withoutContext, _) = reset.encodeMessage(buffer(message), opcode: .text)
        #expect(withContext.readableBytes < withoutContext.readableBytes)
    }

    // MARK: Limits and corrupt data

    @Test func decompressionBombStopsAtTheLimit() throws {
        let (client, server) = try pair()
        let (compressed, _) = client.encodeMessage(ByteBuffer(repeating: 0, count: 10 << 20), opcode: .binary)
        #expect(compressed.readableBytes < 20_000)
        #expect(throws: ProtocolError.messageTooLarge(limit: 1 << 20)) {
            try server.decodeFrame(compressed, messageBits: .rsv1, isFinal: true, limit: 1 << 20)
        }
    }

    @Test func outputAtExactlyTheLimitIsAccepted() throws {
        let (client, server) = try pair()
        let message = ByteBuffer(repeating: 0x61, count: 1 << 20)
        let (compressed, _) = client.encodeMessage(message, opcode: .binary)
        let output = try server.decodeFrame(compressed, messageBits: .rsv1, isFinal: true, limit: 1 << 20)
        #expect(output == message)
        #expect(output.capacity <= 1 << 20)
    }

    @Test func limitAppliesToEachFramesOutput() throws {
        let (client, server) = try pair()
        let (compressed, _) = client.encodeMessage(ByteBuffer(repeating: 0, count: 100_000), opcode: .binary)
        let half = compressed.readableBytes / 2
        let first = try server.decodeFrame(
            compressed.getSlice(at: 0, length: half)!, messageBits: .rsv1, isFinal: false, limit: 100_000)
        #expect(first.capacity <= 131_072)
        #expect(throws: ProtocolError.messageTooLarge(limit: 10)) {
            try server.decodeFrame(
                compressed.getSlice(at: half, length: compressed.readableBytes - half)!,
                messageBits: .rsv1, isFinal: true, limit: 10)
        }
    }

    @Test(arguments: [
        [0xFF, 0xFF, 0xFF],
        [0x00, 0x05, 0x00, 0x00, 0x00, 0x48],
        [0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00, 0xFF, 0xFF, 0xFF],
    ] as [[UInt8]])
    func corruptStreamIsInvalidCompressedData(_ bytes: [UInt8]) throws {
        let (_, server) = try pair()
        #expect(throws: ProtocolError.invalidCompressedData) {
            try decode(server, [bytes])
        }
        #expect(ProtocolError.invalidCompressedData.closeCode == .protocolError)
    }
}
