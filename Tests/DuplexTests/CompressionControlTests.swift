import Duplex
import NIOCore
import Testing

@Suite("Per-message compression control on the wire", .timeLimit(.minutes(1)))
struct CompressionControlTests {
    /// The messages the server sends, with the compression each asks for; the threshold is 1000 bytes.
    private static let sends: [(WebSocketMessage, MessageCompression)] = [
        (.text("short"), .automatic),
        (.text(String(repeating: "long ", count: 400)), .automatic),
        (.text("short"), .always),
        (.binary(ByteBuffer(repeating: 7, count: 2000)), .never),
    ]

    /// A server with permessage-deflate at a 1000-byte threshold that sends ``sends`` to each
    /// connection, then echoes; returns the data frames a raw client offering `extensions` got.
    private func framesSent(offering extensions: String) async throws -> [ServerFrame] {
        var deflate = PerMessageDeflate.Configuration()
        deflate.threshold = 1000
        let negotiator = try PerMessageDeflate(configuration: deflate)
        return try await ServerHarness.with(configure: { $0.extensions = [negotiator] }, decide: { _ in
            .accept { ws in
                for (message, compression) in Self.sends { try await ws.send(message, compression: compression) }
                for await _ in ws.messages {}
            }
        }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port, extraHeaders: extensions)
            try await client.waitForFrames { $0.count == Self.sends.count }
            await client.close()
            return client.frames()
        }
    }

    @Test func theMessageChoiceOverridesTheThresholdOnTheWire() async throws {
        let frames = try await framesSent(offering: "Sec-WebSocket-Extensions: permessage-deflate\r\n")
        #expect(frames.map(\.rsv1) == [false, true, true, false])
        #expect(frames[0].payload == Array("short".utf8))
        #expect(frames[1].payload.count < 100, "compressed")
        #expect(frames[2].payload != Array("short".utf8), "compressed however short")
        #expect(frames[3].payload == Array(repeating: 7, count: 2000), "sent as it is however long")
    }

    @Test func withoutPermessageDeflateAlwaysSendsUncompressed() async throws {
        let frames = try await framesSent(offering: "")
        #expect(frames.map(\.rsv1) == [false, false, false, false])
        #expect(frames[2].payload == Array("short".utf8))
    }

    @Test func aClientsChoiceRoundTripsThroughDuplex() async throws {
        try await ServerHarness.with { _, port in
            let long = WebSocketMessage.text(String(repeating: "round trip ", count: 300))
            let echoed = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                for compression in [MessageCompression.automatic, .always, .never] {
                    try await ws.send(long, compression: compression)
                }
                var echoed: [WebSocketMessage] = []
                for await message in ws.messages {
                    echoed.append(message)
                    if echoed.count == 3 { break }
                }
                return echoed
            }
            #expect(echoed == [long, long, long])
        }
    }
}
