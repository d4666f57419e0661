import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite(.timeLimit(.minutes(1))) struct ConnectionSendTests {
    @Test func clientMasksWithItsKeySource() throws {
        var connection = WebSocketConnection(role: .client, maskingKeys: .fixed(0x37FA_213D))
        try connection.send(text: "Hello")
        let outbound = connection.takeOutbound()
        let bytes = try #require(outbound)
        #expect(Array(bytes.readableBytesView) == [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
        #expect(connection.takeOutbound() == nil)
    }

    /// A server writes a large payload as the buffer it was given, behind the buffer that ends with
    /// its header, so that the transport's vector write sends it without a copy; frames before and
    /// after it keep their order. A client, which masks, copies as before.
    @Test func serverQueuesALargePayloadAsItsOwnBuffer() throws {
        let size = WebSocketConnection.separatePayloadThreshold
        let large = ByteBuffer(repeating: 0x42, count: size)
        var server = WebSocketConnection(role: .server)
        try server.send(text: "a")
        try server.send(.binary, payload: large)
        try server.send(text: "b")
        #expect(server.pendingOutboundByteCount == 3 + 10 + size + 3)
        var buffers: [ByteBuffer] = []
        while let bytes = server.takeOutbound() { buffers.append(bytes) }
        #expect(server.pendingOutboundByteCount == 0)
        #expect(buffers.count == 3)
        #expect(buffers.first.map { Array($0.readableBytesView) } == [0x81, 0x01, 0x61, 0x82, 0x7F] + (0..<8).reversed().map { UInt8(truncatingIfNeeded: size >> ($0 * 8)) })
        #expect(buffers.dropFirst().first == large)
        #expect(buffers.last.map { Array($0.readableBytesView) } == [0x81, 0x01, 0x62])
        // The payload is the sent buffer itself, not a copy of it.
        let sameStorage = buffers[1].withUnsafeReadableBytes { sent in
            large.withUnsafeReadableBytes { given in sent.baseAddress == given.baseAddress }
        }
        #expect(sameStorage)

        var client = WebSocketConnection(role: .client, maskingKeys: .fixed(0x0102_0304))
        try client.send(.binary, payload: large)
        #expect(client.takeOutbound()?.readableBytes == 14 + size)
        #expect(client.takeOutbound() == nil)
    }

    /// Just below the threshold the payload is copied behind its header, in one buffer.
    @Test func serverCopiesAPayloadBelowTheThreshold() throws {
        var server = WebSocketConnection(role: .server)
        try server.send(.binary, payload: ByteBuffer(repeating: 1, count: WebSocketConnection.separatePayloadThreshold - 1))
        #expect(server.takeOutbound()?.readableBytes == 4 + WebSocketConnection.separatePayloadThreshold - 1)
        #expect(server.takeOutbound() == nil)
    }

    @Test func messagesAreFragmentedAtTheConfiguredSize() throws {
        var configuration = ConnectionConfiguration()
        configuration.fragmentSize = 4
        var harness = ConnectionHarness(configuration: configuration)
        try harness.connection.send(.binary, payload: ByteBuffer(bytes: Array(0..<10)))
        let frames = try harness.sent()
        #expect(frames.map(\.header.opcode) == [.binary, .continuation, .continuation])
        #expect(frames.map(\.header.isFinal) == [false, false, true])
        #expect(frames.map(\.payload.readableBytes) == [4, 4, 2])
        try harness.connection.send(.binary, payload: ByteBuffer(bytes: Array(0..<4)))
        #expect(try harness.sent().map(\.header.isFinal) == [true])
    }

    @Test func streamedFragmentsMustComeInOrder() throws {
        var harness = ConnectionHarness()
        #expect(throws: UsageError.fragmentOutOfSequence) {
            try harness.connection.sendFragment(.continuation, payload: ByteBuffer(), isFinal: true)
        }
        try harness.connection.sendFragment(.text, payload: ByteBuffer(string: "a"), isFinal: false)
        #expect(throws: UsageError.fragmentOutOfSequence) { try harness.connection.send(text: "b") }
        #expect(throws: UsageError.fragmentOutOfSequence) {
            try harness.connection.sendFragment(.text, payload: ByteBuffer(), isFinal: true)
        }
        try harness.connection.ping()
        try harness.connection.sendFragment(.continuation, payload: ByteBuffer(string: "b"), isFinal: true)
        try harness.connection.send(text: "c")
        let frames = try harness.sent()
        #expect(frames.map(\.header.opcode) == [.text, .ping, .continuation, .text])
        #expect(frames.map(\.header.isFinal) == [false, true, true, true])
    }

    @Test func controlPayloadsAreLimited() throws {
        var harness = ConnectionHarness()
        #expect(throws: UsageError.controlPayloadTooLong) { try harness.connection.ping(ByteBuffer(repeating: 0, count: 126)) }
        #expect(throws: UsageError.controlPayloadTooLong) { try harness.connection.pong(ByteBuffer(repeating: 0, count: 126)) }
        try harness.connection.send(.pong, payload: ByteBuffer(repeating: 0, count: 125))
        #expect(try harness.sent().map(\.header.opcode) == [.pong])
    }

    @Test func preEncodedFramesAreWrittenAsTheyAre() throws {
        var encoded = ByteBuffer()
        FrameWriter.encode(.text, payload: ByteBuffer(string: "news"), into: &encoded)
        var first = WebSocketConnection(role: .server)
        var second = WebSocketConnection(role: .server)
        try first.sendEncoded(encoded)
        try second.sendEncoded(encoded)
        #expect(first.takeOutbound() == encoded)
        #expect(second.takeOutbound() == encoded)
        try first.close()
        #expect(throws: UsageError.alreadyClosed) { try first.sendEncoded(encoded) }
    }

    @Test func misuseThrowsInsteadOfTrapping() throws {
        var encoded = ByteBuffer()
        FrameWriter.encode(.text, payload: ByteBuffer(string: "news"), into: &encoded)
        var client = WebSocketConnection(role: .client, maskingKeys: .fixed(1))
        #expect(throws: UsageError.unmaskedFramesFromClient) { try client.sendEncoded(encoded) }
        #expect(throws: UsageError.closeSentAsMessage) { try client.send(.close, payload: ByteBuffer(bytes: [0x03, 0xE8])) }
        #expect(client.takeOutbound() == nil)
        // The connection is still usable.
        try client.send(text: "after")
        #expect(client.takeOutbound() != nil)
    }

    @Test func roundTripBetweenTwoConnections() throws {
        var generator = SeededGenerator(seed: 42)
        var configuration = ConnectionConfiguration()
        configuration.fragmentSize = 1000
        var client = WebSocketConnection(role: .client, configuration: configuration, maskingKeys: .fixed(0xA1B2_C3D4))
        var server = WebSocketConnection(role: .server)
        var expected: [ConnectionEvent] = []
        for size in [0, 1, 125, 126, 65535, 65536, 70000, 3, 999, 1000, 1001, 4097] {
            let payload = ByteBuffer(bytes: (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try client.send(.binary, payload: payload)
            try client.ping(ByteBuffer(string: "\(size)"))
            expected += [.binary(payload), .ping(ByteBuffer(string: "\(size)"))]
        }
        let outbound = client.takeOutbound()
        var wire = try #require(outbound)
        var events: [ConnectionEvent] = []  // held while later frames are parsed
        while wire.readableBytes > 0 {
            server.receive(wire.readSlice(length: Int.random(in: 1...min(9000, wire.readableBytes), using: &generator))!)
            while let event = server.nextEvent() { events.append(event) }
        }
        #expect(events == expected)
    }
}
