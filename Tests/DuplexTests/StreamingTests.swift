import Duplex
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// `chunks` as an asynchronous sequence.
func asyncChunks(_ chunks: [ByteBuffer]) -> AsyncStream<ByteBuffer> {
    AsyncStream { continuation in
        for chunk in chunks { continuation.yield(chunk) }
        continuation.finish()
    }
}

@Suite("Streamed messages: sent from chunks, received chunk by chunk", .timeLimit(.minutes(1)))
struct StreamingTests {
    /// Echoes each message as it arrives, chunk by chunk.
    static let streamingEcho: @Sendable (UpgradeRequest) async -> UpgradeDecision = { _ in
        .accept { ws in
            while let message = await ws.receiveStreaming() { try await ws.send(message.kind, chunks: message) }
        }
    }

    /// A client configuration receiving in fragments, offering permessage-deflate or not.
    private static func client(compressed: Bool) -> WebSocketClientConfiguration {
        var configuration = WebSocketClientConfiguration()
        configuration.session.connection.deliversFragments = true
        if !compressed { configuration.extensions = [] }
        return configuration
    }

    /// `count` chunks of `size` bytes, each with its own pattern.
    private static func chunks(count: Int, size: Int) -> [ByteBuffer] {
        (0..<count).map { index in ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) }) }
    }

    /// What the server side of a test shares with the test body.
    private final class Shared: Sendable {
        let webSocket = NIOLockedValueBox<WebSocket?>(nil)
        let log = NIOLockedValueBox<[String]>([])
        let chunks: AsyncStream<ByteBuffer>
        let feed: AsyncStream<ByteBuffer>.Continuation
        init() { (chunks, feed) = AsyncStream.makeStream(of: ByteBuffer.self) }
        func append(_ line: String) { log.withLockedValue { $0.append(line) } }
    }

    /// Runs `body` on a client connection (receiving in fragments, offering permessage-deflate or
    /// not) to a streaming echo server with the protocol limits `limits`; returns what it returns.
    private func withStreamingEcho<T>(
        compressed: Bool, limits: @escaping (inout ConnectionConfiguration) -> Void = { _ in },
        _ body: (WebSocket) async throws -> T
    ) async throws -> T {
        try await ServerHarness.with(configure: {
            $0.session.connection.deliversFragments = true
            limits(&$0.session.connection)
        }, decide: Self.streamingEcho) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: Self.client(compressed: compressed), body)
        }
    }

    @Test(arguments: [false, true])
    func aStreamedMessageRoundTripsChunkByChunk(compressed: Bool) async throws {
        let sent = Self.chunks(count: 40, size: 10_000)
        let received = try await withStreamingEcho(compressed: compressed) { ws in
            #expect(ws.extensions.isEmpty == !compressed)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await ws.send(.binary, chunks: asyncChunks(sent)) }
                let stream = try #require(await ws.receiveStreaming())
                #expect(stream.kind == .binary)
                var received: [ByteBuffer] = []
                for try await chunk in stream { received.append(chunk) }
                try await group.waitForAll()
                return received
            }
        }
        // One chunk per frame, as each was decoded (and inflated).
        #expect(received == sent)
    }

    @Test(arguments: [false, true])
    func textSplitInsideCharactersRoundTripsWhole(compressed: Bool) async throws {
        let text = String(repeating: "héllo wörld ✓ ", count: 3)
        let bytes = ByteBuffer(string: text)
        let oneBytePerChunk = (0..<bytes.readableBytes).map { bytes.getSlice(at: $0, length: 1)! }
        let echoed = try await withStreamingEcho(compressed: compressed) { ws in
            try await ws.send(.text, chunks: asyncChunks(oneBytePerChunk))
            try await ws.send(.binary, chunks: asyncChunks([]))
            // receive() puts a message delivered in fragments together.
            return [await ws.receive(), await ws.receive()]
        }
        #expect(echoed == [.text(text), .binary(ByteBuffer())])
    }

    @Test func textChunksThatAreNotUTF8FailTheConnectionWith1011() async throws {
        for chunks in [[[0xC3], [0x28]], [[0x61], [0xE2, 0x9C]]] as [[[UInt8]]] {
            try await ServerHarness.with { _, port in
                let ws = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                    await #expect(throws: WebSocketError.invalidUTF8InTextChunks) {
                        try await ws.send(.text, chunks: asyncChunks(chunks.map { ByteBuffer(bytes: $0) }))
                    }
                    return ws
                }
                #expect(ws.closeStatus?.code == .internalError)
            }
        }
    }

    /// How a client that streams `chunks` (offering permessage-deflate or not) to a streaming echo
    /// server with the protocol limits `limits` ends.
    private func closeStatus(
        sending chunks: [ByteBuffer], compressed: Bool, limits: @escaping (inout ConnectionConfiguration) -> Void
    ) async throws -> CloseStatus? {
        try await withStreamingEcho(compressed: compressed, limits: limits) { ws in
            try? await ws.send(.binary, chunks: asyncChunks(chunks))
            while await ws.receive() != nil {}
            return ws
        }.closeStatus
    }

    @Test func theMessageLimitAppliesAsChunksArrive() async throws {
        let status = try await closeStatus(sending: Self.chunks(count: 20, size: 100), compressed: false) {
            $0.maxMessageSize = 1000
        }
        #expect(status?.code == .messageTooBig)
    }

    @Test func eachInflatedChunkIsBoundedByTheFrameLimit() async throws {
        // 8 KiB of zeros is a frame of a few bytes on the wire, 8 KiB once inflated.
        let status = try await closeStatus(sending: [ByteBuffer(repeating: 0, count: 8192)], compressed: true) {
            $0.maxFrameSize = 1024
        }
        #expect(status?.code == .messageTooBig)
    }

    /// Runs a server that streams `shared.chunks` to a raw client as one binary message (logging
    /// how the send ended), while `body` drives the client.
    private func withServerStreaming(
        offering extensions: String = "", _ body: (RawWebSocketClient, Shared) async throws -> Void
    ) async throws {
        let shared = Shared()
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                shared.webSocket.withLockedValue { $0 = ws }
                do {
                    try await ws.send(.binary, chunks: shared.chunks)
                    shared.append("sent")
                } catch {
                    shared.append("\(error)")
                }
                for await _ in ws.messages {}
            }
        }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port, extraHeaders: extensions)
            try await body(client, shared)
            await client.close()
        }
    }

    @Test func aCompressedStreamedMessageHasRSV1OnItsFirstFrameOnlyOnTheWire() async throws {
        try await withServerStreaming(offering: "Sec-WebSocket-Extensions: permessage-deflate\r\n") { client, shared in
            for _ in 0..<3 { shared.feed.yield(ByteBuffer(repeating: UInt8(ascii: "a"), count: 1000)) }
            shared.feed.finish()
            try await client.waitForFrames { $0.count == 4 }
            let frames = client.frames()
            #expect(frames.map(\.opcode) == [0x2, 0x0, 0x0, 0x0])
            #expect(frames.map(\.rsv1) == [true, false, false, false])
            #expect(frames.prefix(3).allSatisfy { $0.payload.count < 100 }, "each chunk compressed")
            #expect(frames.last?.payload == [0x00], "the final frame: an empty sync flush, its 00 00 ff ff dropped")
        }
    }

    @Test func otherSendsWaitForTheStreamedMessageButControlFramesDoNot() async throws {
        try await withServerStreaming { client, shared in
            shared.feed.yield(ByteBuffer(string: "first"))
            try await client.waitForFrames { $0.count == 1 }
            let ws = try #require(shared.webSocket.withLockedValue { $0 })
            // From a task off the connection's loop: queued for the loop, which must hold it back.
            try await ws.send(.text("other"))
            let ping = Task { try await ws.ping(ByteBuffer(string: "barrier")) }
            try await client.waitForFrames { $0.contains { $0.opcode == 0x9 } }
            #expect(client.frames().map(\.opcode) == [0x2, 0x9])
            try await client.write(clientFrame(opcode: 0xA, payload: Array("barrier".utf8)))
            _ = try await ping.value
            shared.feed.yield(ByteBuffer(string: "second"))
            shared.feed.finish()
            try await client.waitForFrames { $0.count == 5 }
            let frames = client.frames()
            #expect(frames.map(\.opcode) == [0x2, 0x9, 0x0, 0x0, 0x1])
            #expect(frames.map(\.isFinal) == [false, true, false, true, true])
            #expect(frames.map { String(decoding: $0.payload, as: UTF8.self) } == ["first", "barrier", "second", "", "other"])
            try await eventually { shared.log.withLockedValue { $0 } == ["sent"] }
        }
    }

    @Test func cancellingAStreamedSendFailsTheConnectionWith1011() async throws {
        let sender = NIOLockedValueBox<Task<Void, any Error>?>(nil)
        let outcome = NIOLockedValueBox<String?>(nil)
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                let (chunks, feed) = AsyncStream.makeStream(of: ByteBuffer.self)
                feed.yield(ByteBuffer(string: "first"))
                let task = Task { try await ws.send(.binary, chunks: chunks) }
                sender.withLockedValue { $0 = task }
                do {
                    try await task.value
                    outcome.withLockedValue { $0 = "sent" }
                } catch {
                    outcome.withLockedValue { $0 = "\(type(of: error))" }
                }
                for await _ in ws.messages {}
            }
        }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await client.waitForFrames { $0.count == 1 }
            sender.withLockedValue { $0 }?.cancel()
            try await client.waitForFrames { $0.count == 2 }
            let frames = client.frames()
            #expect(frames.map(\.opcode) == [0x2, 0x8])
            #expect(frames.last?.closeCode == 1011)
            try await eventually { outcome.withLockedValue { $0 } == "CancellationError" }
            await client.close()
        }
    }

    @Test func readingOnSkipsTheRestOfAStreamAndAnEndedConnectionCutsItShort() async throws {
        let shared = Shared()
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                try await ws.send(.binary, chunks: asyncChunks(Self.chunks(count: 3, size: 10)))
                try await ws.send(.text("next"))
                // Then a message that the connection's end cuts short.
                let streaming = Task { try await ws.send(.binary, chunks: shared.chunks) }
                shared.feed.yield(ByteBuffer(string: "cut"))
                try await eventually { shared.log.withLockedValue { $0 } == ["got the first chunk"] }
                ws.abort()
                // The send learns of the end when it has the next chunk to send.
                shared.feed.finish()
                await #expect(throws: WebSocketError.connectionClosed) { try await streaming.value }
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: Self.client(compressed: true)) { ws in
                let abandoned = try #require(await ws.receiveStreaming())
                var chunks = abandoned.makeAsyncIterator()
                #expect(try await chunks.next() == Self.chunks(count: 3, size: 10)[0])
                #expect(await ws.receive() == .text("next"))
                do throws(WebSocketError) {
                    _ = try await chunks.next()
                    Issue.record("an abandoned stream went on")
                } catch {
                    #expect(error == .messageStreamAbandoned)
                }
                let cut = try #require(await ws.receiveStreaming())
                var cutChunks = cut.makeAsyncIterator()
                #expect(try await cutChunks.next() == ByteBuffer(string: "cut"))
                shared.append("got the first chunk")
                do throws(WebSocketError) {
                    _ = try await cutChunks.next()
                    Issue.record("a message cut short ended normally")
                } catch {
                    #expect(error == .connectionClosed)
                }
            }
        }
    }
}
