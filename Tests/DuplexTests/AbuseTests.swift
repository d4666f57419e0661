import Duplex
import Glibc
import NIOCore
import NIOPosix
import Testing

/// Hostile peers over real sockets: floods, absurd lengths, handshakes the server must refuse.
@Suite("Abusive peers", .timeLimit(.minutes(3)))
struct AbuseTests {
    @Test func pingFloodFromAPeerThatDoesNotReadQueuesOnlyTheLatestPong() async throws {
        try await withFloodServer(configure: { $0.session.maxQueuedOutboundBytes = 1 << 20 }) { port in
            let client = try await RawWebSocketClient.connect(port: port, autoRead: false)
            try await client.write(Array(handshakeRequest().utf8))
            // 200 000 pings of 125 bytes: 25 MB of pongs if each were answered, far past the
            // kernel's buffers and the 1 MiB cap.
            let pings = 200_000
            let perBatch = 8_000
            for first in stride(from: 0, to: pings, by: perBatch) {
                try await client.write(repeatedFrames(count: perBatch, template: clientFrame(opcode: 0x9, payload: pingPayload(0))) { frame, index in
                    withUnsafeBytes(of: UInt32(first + index).littleEndian) {
                        UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(frame)[6..<10]).copyBytes(from: $0)
                    }
                })
            }
            try await Task.sleep(for: .milliseconds(300))
            client.startReading()
            #expect(statusCode(try await client.waitForHead()) == 101)
            // The pong of the last ping ends what the server sends (it answers the latest one).
            let last = pingPayload(pings - 1)
            let lastPong = [0x8A, UInt8(last.count)] + last
            try await client.waitForTail(lastPong, timeout: .seconds(60))
            let frames = client.frames()
            #expect(frames.last == ServerFrame(opcode: 0xA, isFinal: true, payload: last))
            #expect(frames.allSatisfy { $0.opcode == 0xA })
            #expect(frames.count < pings / 2)
            #expect(!client.isClosed)
            await client.close()
        }
    }

    @Test func bytesAfterACloseFrameAreIgnored() async throws {
        try await ServerHarness.with { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            var flood = clientClose(code: 1000)
            for _ in 0..<1_000 {
                flood += clientClose(code: 1001)
                flood += clientFrame(opcode: 0x1, payload: Array("after close".utf8))
                flood += clientFrame(opcode: 0x9)
            }
            try await client.write(flood)
            try await client.waitForClose()
            #expect(client.frames() == [ServerFrame(opcode: 0x8, isFinal: true, payload: [0x03, 0xE8])])
        }
    }

    @Test func aMillionOneByteFragmentsMakeOneMessageInLinearTime() async throws {
        try await withFloodServer { port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            // Each echo: the payload behind a 10-byte header.
            let small = try await echo(fragments: 100_000, over: client, expectingBytes: 100_010)
            let large = try await echo(fragments: 1_000_000, over: client, expectingBytes: 100_010 + 1_000_010)
            let echoed = client.frames()
            #expect(echoed.map(\.payload.count) == [100_000, 1_000_000])
            #expect(echoed.last?.payload.last == UInt8(truncatingIfNeeded: 1_000_000 - 1))
            // Ten times the fragments: about ten times the time when linear, a hundred when
            // quadratic.
            #expect(large < small * 30, "100 000 fragments: \(small), 1 000 000: \(large)")
            await client.close()
        }
    }

    @Test func fragmentFloodPastMaxMessageSizeIsClosedWith1009() async throws {
        try await ServerHarness.with(configure: { $0.session.connection.maxMessageSize = 10_000 }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            var bytes = clientFrame(opcode: 0x2, payload: [0], isFinal: false)
            for _ in 0..<100_000 { bytes += clientFrame(opcode: 0x0, payload: [1], isFinal: false) }
            try? await client.write(bytes)
            try await client.waitForFrames { $0.last?.closeCode == 1009 }
            try await client.waitForClose()
        }
    }

    @Test(arguments: [
        [0x80, 0, 0, 0, 0, 0, 0, 0] as [UInt8],  // top bit set
        [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
    ])
    func sixtyFourBitLengthWithTheTopBitSetIsClosedWith1002(length: [UInt8]) async throws {
        try await ServerHarness.with { server, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await client.write([0x82, 0x80 | 127] + length + [0, 0, 0, 0])
            try await client.waitForFrames { $0.last?.closeCode == 1002 }
            try await client.waitForClose()
            // The server is still up and serving.
            let echoed = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.send(text: "still up")
                var iterator = ws.messages.makeAsyncIterator()
                return await iterator.next()
            }
            #expect(echoed == .text("still up"))
        }
    }

    @Test func crossSiteHandshakeIsRefusedWith403() async throws {
        try await ServerHarness.with { _, port in
            let answer = try await RawTCP.exchange(
                port: port, sending: handshakeRequest(extraHeaders: "Origin: https://evil.example\r\n"))
            #expect(statusCode(answer) == 403)
            #expect(answer.hasSuffix("origin not allowed\n"))
        }
    }

    @Test func handshakeOfferingNoRequiredSubprotocolIsRefusedWith400() async throws {
        try await ServerHarness.with(configure: { $0.requiredSubprotocols = ["chat.v2", "chat.v1"] }) { _, port in
            let none = try await RawTCP.exchange(port: port, sending: handshakeRequest())
            #expect(statusCode(none) == 400)
            #expect(none.hasSuffix("no supported subprotocol offered; expected one of: chat.v2, chat.v1\n"))
            let other = try await RawTCP.exchange(
                port: port, sending: handshakeRequest(extraHeaders: "Sec-WebSocket-Protocol: mqtt\r\n"))
            #expect(statusCode(other) == 400)
            let offered = try await RawTCP.exchange(
                port: port, sending: handshakeRequest(extraHeaders: "Sec-WebSocket-Protocol: mqtt, chat.v1\r\n"))
            #expect(statusCode(offered) == 101)
        }
    }
}

/// Runs an echo server on its own low-priority event loop thread, without keepalive pings, while
/// `body` runs: a flood keeps its loop busy for seconds, which must neither delay the servers of
/// tests running at the same time nor show up as a server ping among the frames counted.
private func withFloodServer(
    configure: (inout WebSocketServerConfiguration) -> Void = { _ in },
    _ body: (Int) async throws -> Void
) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    // The lowest CPU priority for its thread (on Linux the nice value of "process 0" is the calling
    // thread's), so that the flood does not starve timing-sensitive
    // tests on a small machine.
    try await group.next().submit { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19) }.get()
    var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
    configuration.session.pingInterval = nil
    configure(&configuration)
    let server = WebSocketServer(configuration: configuration, eventLoopGroup: group)
    let port = try await server.bind().port!
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await server.run(ServerHarness.echo) }
        defer { tasks.cancelAll() }
        try await body(port)
        await server.shutdown()
    }
    try await group.shutdownGracefully()
}

/// Sends a binary message of `count` 1-byte fragments and waits for its echo (until `total` bytes
/// arrived since the handshake); returns the time taken.
private func echo(fragments count: Int, over client: RawWebSocketClient, expectingBytes total: Int) async throws -> Duration {
    let bytes = repeatedFrames(count: count, template: clientFrame(opcode: 0x0, payload: [0], isFinal: false)) {
        frame, index in
        if index == 0 { frame[0] = 0x02 }  // binary, not final
        if index == count - 1 { frame[0] = 0x80 }  // final continuation
        frame[6] = UInt8(truncatingIfNeeded: index)
    }
    let started = ContinuousClock.now
    try await client.write(bytes)
    try await client.waitForBytes(atLeast: total, timeout: .seconds(120))
    return ContinuousClock.now - started
}

/// `count` copies of the frame `template`, each adjusted by `adjust` (given the frame's bytes and
/// its index), built in one buffer: fast enough in debug builds for a million frames.
private func repeatedFrames(
    count: Int, template: [UInt8], adjust: (UnsafeMutableBufferPointer<UInt8>, Int) -> Void
) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count * template.count)
    bytes.withUnsafeMutableBufferPointer { buffer in
        for index in 0..<count {
            let start = index * template.count
            let frame = UnsafeMutableBufferPointer(rebasing: buffer[start..<(start + template.count)])
            UnsafeMutableRawBufferPointer(frame).copyBytes(from: template)
            adjust(frame, index)
        }
    }
    return bytes
}

/// A 125-byte ping payload that starts with `index`.
private func pingPayload(_ index: Int) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: index >> ($0 * 8)) } + [UInt8](repeating: 0x70, count: 121)
}
