import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

/// Per-message compression control and compressed streamed messages (RFC 7692 §6.1: RSV1 on the
/// first frame only; the fragments of one message compressed as one DEFLATE stream).
@Suite(.timeLimit(.minutes(1))) struct ConnectionCompressionControlTests {
    /// A client harness and a server harness (with `server` limits) whose permessage-deflate
    /// extensions were negotiated with `threshold` (and context takeover unless `noContextTakeover`).
    private func deflatePair(
        threshold: Int = 0, noContextTakeover: Bool = false, server: ConnectionConfiguration = .init()
    ) throws -> (client: ConnectionHarness, server: ConnectionHarness) {
        var configuration = PerMessageDeflate.Configuration()
        configuration.threshold = threshold
        configuration.serverPolicy.clientNoContextTakeover = noContextTakeover
        configuration.serverPolicy.serverNoContextTakeover = noContextTakeover
        let negotiator = try PerMessageDeflate(configuration: configuration)
        let accepted = try #require(negotiator.serverAccept(negotiator.clientOffers()))
        let clientSide = try negotiator.clientAccept(accepted.responseElement)
        return (
            ConnectionHarness(role: .client, extensions: [clientSide.makeExtension(role: .client)]),
            ConnectionHarness(role: .server, configuration: server, extensions: [accepted.makeExtension(role: .server)])
        )
    }

    /// Hands what `from` wrote to `to`, returning `to`'s events.
    private func deliver(_ from: inout ConnectionHarness, to: inout ConnectionHarness) -> [ConnectionEvent] {
        var events: [ConnectionEvent] = []
        while let bytes = from.connection.takeOutbound() { events += to.feed(bytes) }
        return events
    }

    @Test(arguments: [
        (MessageCompression.automatic, 10, false), (.automatic, 2000, true), (.always, 10, true), (.never, 2000, false),
    ])
    func theMessageChoiceOverridesTheThreshold(compression: MessageCompression, size: Int, compressed: Bool) throws {
        var (client, server) = try deflatePair(threshold: 1000)
        let text = String(repeating: "a", count: size)
        try client.connection.send(.text, payload: ByteBuffer(string: text), compression: compression)
        var wire = client
        let frames = try wire.sent()
        #expect(frames.map(\.header.reservedBits) == [compressed ? .rsv1 : []])
        #expect(deliver(&client, to: &server) == [.text(ByteBuffer(string: text))])
    }

    @Test func withoutANegotiatedExtensionAlwaysSendsUncompressed() throws {
        var connection = ConnectionHarness(role: .client)
        try connection.connection.send(.binary, payload: ByteBuffer(string: "plain"), compression: .always)
        let frames = try connection.sent()
        #expect(frames.map(\.header.reservedBits) == [[]])
        #expect(frames.map(\.payload) == [ByteBuffer(string: "plain")])
    }

    @Test(arguments: [false, true])
    func streamedFragmentsAreCompressedWithRSV1OnTheFirstFrameOnly(noContextTakeover: Bool) throws {
        var (client, server) = try deflatePair(noContextTakeover: noContextTakeover)
        let chunks = ["the quick brown fox ", String(repeating: "jumps over the lazy dog ", count: 200), "!", ""]
        for _ in 0..<2 {
            for (index, chunk) in chunks.enumerated() {
                try client.connection.sendFragment(
                    index == 0 ? .text : .continuation, payload: ByteBuffer(string: chunk), isFinal: index == chunks.count - 1)
            }
            var wire = client
            let frames = try wire.sent()
            #expect(frames.map(\.header.reservedBits) == [.rsv1, [], [], []])
            #expect(frames.map(\.header.opcode) == [.text, .continuation, .continuation, .continuation])
            #expect(frames[1].payload.readableBytes < 200, "the repeated text is compressed")
            #expect(deliver(&client, to: &server) == [.text(ByteBuffer(string: chunks.joined()))])
            // A whole message after the streamed one still decodes (the stream's context carries on).
            try client.connection.send(text: chunks[1])
            #expect(deliver(&client, to: &server) == [.text(ByteBuffer(string: chunks[1]))])
        }
    }

    @Test func aStreamedMessageSentWithNeverIsNotCompressed() throws {
        var (client, server) = try deflatePair()
        try client.connection.sendFragment(.binary, payload: ByteBuffer(string: "ab"), isFinal: false, compression: .never)
        try client.connection.sendFragment(.continuation, payload: ByteBuffer(string: "cd"), isFinal: true, compression: .always)
        var wire = client
        #expect(try wire.sent().map(\.header.reservedBits) == [[], []])
        #expect(deliver(&client, to: &server) == [.binary(ByteBuffer(string: "abcd"))])
    }

    @Test func wholeMessagesWaitForTheStreamedOne() throws {
        var (client, _) = try deflatePair()
        try client.connection.sendFragment(.text, payload: ByteBuffer(string: "a"), isFinal: false)
        #expect(throws: UsageError.fragmentOutOfSequence) { try client.connection.send(text: "b") }
        // Control frames may come between the fragments.
        try client.connection.ping()
        try client.connection.sendFragment(.continuation, payload: ByteBuffer(), isFinal: true)
        #expect(try client.sent().map(\.header.opcode) == [.text, .ping, .continuation])
    }

    @Test func compressedFramesAreDeliveredInflatedOneByOneWithinTheFrameLimit() throws {
        var limits = ConnectionConfiguration()
        limits.deliversFragments = true
        limits.maxFrameSize = 4096
        var (client, server) = try deflatePair(server: limits)
        let chunks = [String(repeating: "a", count: 4096), "b", ""]
        for (index, chunk) in chunks.enumerated() {
            try client.connection.sendFragment(
                index == 0 ? .text : .continuation, payload: ByteBuffer(string: chunk), isFinal: index == 2)
        }
        #expect(
            deliver(&client, to: &server) == [
                .fragment(opcode: .text, payload: ByteBuffer(string: chunks[0]), isFinal: false),
                .fragment(opcode: .continuation, payload: ByteBuffer(string: "b"), isFinal: false),
                .fragment(opcode: .continuation, payload: ByteBuffer(), isFinal: true),
            ])
        // A frame of a few bytes that inflates past maxFrameSize fails with 1009.
        try client.connection.send(.binary, payload: ByteBuffer(repeating: 0, count: 4097))
        let events = deliver(&client, to: &server)
        #expect(events == [.protocolError(.frameTooLarge(limit: 4096))])
        #expect(server.connection.closeStatus?.code == .messageTooBig)
    }
}
