import NIOCore
import Testing

@testable import DuplexCore

/// When permessage-deflate holds zlib memory: not before a direction's first compressed message,
/// and, in a direction without context takeover, not after each message.
@Suite(.timeLimit(.minutes(1)))
struct PerMessageDeflateMemoryTests {
    /// The client's and the server's extension after negotiating `offer` with the default policy.
    private func pair(
        offer: PerMessageDeflateParameters = .init(clientMaxWindowBits: .supported)
    ) throws -> (client: PerMessageDeflateExtension, server: PerMessageDeflateExtension) {
        var configuration = PerMessageDeflate.Configuration()
        configuration.offers = [offer]
        let negotiator = try PerMessageDeflate(configuration: configuration)
        let accepted = try #require(negotiator.serverAccept(negotiator.clientOffers()))
        let agreed = try negotiator.clientAccept(accepted.responseElement)
        return (
            try #require(agreed.makeExtension(role: .client) as? PerMessageDeflateExtension),
            try #require(accepted.makeExtension(role: .server) as? PerMessageDeflateExtension)
        )
    }

    /// Sends `text` from `sender` to `receiver` and returns what the receiver inflated.
    private func send(_ text: String, from sender: PerMessageDeflateExtension, to receiver: PerMessageDeflateExtension) throws -> String {
        let (payload, bits) = sender.encodeMessage(ByteBuffer(string: text), opcode: .text)
        #expect(bits == .rsv1)
        let output = try receiver.decodeFrame(payload, messageBits: bits, isFinal: true, limit: 1 << 20)
        return String(buffer: output)
    }

    private static let message = String(repeating: #"{"user":"ada","text":"hello, world"},"#, count: 40)

    @Test func negotiatedConnectionHoldsNoStreamsUntilItCompresses() throws {
        let (client, server) = try pair()
        #expect(client.holdsStreams == (false, false))
        #expect(server.holdsStreams == (false, false))
        #expect(try send(Self.message, from: client, to: server) == Self.message)
        // Context takeover both ways: the client keeps its compressor, the server its decompressor;
        // the server has sent nothing, so it has no compressor.
        #expect(client.holdsStreams == (true, false))
        #expect(server.holdsStreams == (false, true))
        #expect(try send(Self.message, from: server, to: client) == Self.message)
        #expect(client.holdsStreams == (true, true))
        #expect(server.holdsStreams == (true, true))
    }

    @Test func noContextTakeoverReleasesEachStreamAfterEachMessage() throws {
        let (client, server) = try pair(
            offer: .init(serverNoContextTakeover: true, clientNoContextTakeover: true, clientMaxWindowBits: .supported)
        )
        for _ in 0..<3 {
            #expect(try send(Self.message, from: client, to: server) == Self.message)
            #expect(try send(Self.message, from: server, to: client) == Self.message)
            #expect(client.holdsStreams == (false, false))
            #expect(server.holdsStreams == (false, false))
        }
    }

    @Test func oneDirectionWithoutContextTakeoverReleasesOnlyThatDirection() throws {
        let (client, server) = try pair(offer: .init(serverNoContextTakeover: true, clientMaxWindowBits: .supported))
        #expect(try send(Self.message, from: server, to: client) == Self.message)
        #expect(try send(Self.message, from: client, to: server) == Self.message)
        #expect(server.holdsStreams == (false, true))
        #expect(client.holdsStreams == (true, false))
    }

    @Test func messagesBelowTheThresholdOpenNoStream() throws {
        var configuration = PerMessageDeflate.Configuration()
        configuration.threshold = 100
        let negotiator = try PerMessageDeflate(configuration: configuration)
        let accepted = try #require(negotiator.serverAccept(negotiator.clientOffers()))
        let server = try #require(accepted.makeExtension(role: .server) as? PerMessageDeflateExtension)
        let (_, bits) = server.encodeMessage(ByteBuffer(string: "short"), opcode: .text)
        #expect(bits.isEmpty)
        #expect(server.holdsStreams == (false, false))
    }
}
