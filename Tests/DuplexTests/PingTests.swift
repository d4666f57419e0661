import Duplex
import DuplexCore
import NIOConcurrencyHelpers
import NIOCore
import Testing

@Suite("Ping round trips and pong observation", .timeLimit(.minutes(1)))
struct PingTests {
    /// What the server side of a test did, in order.
    private typealias Log = NIOLockedValueBox<[String]>

    /// Runs a server whose connection runs `serve` (logging into the returned log), while `body` drives
    /// a raw client connected to it.
    private func withRawPeer(
        _ serve: @escaping @Sendable (WebSocket, Log) async throws -> Void,
        _ body: (RawWebSocketClient, Log) async throws -> Void
    ) async throws {
        let log = Log([])
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                try await serve(ws, log)
                for await _ in ws.messages {}
            }
        }) { _, port in
            let client = try await RawWebSocketClient.upgraded(port: port)
            try await body(client, log)
            await client.close()
        }
    }

    private static func pingFrames(_ client: RawWebSocketClient) -> [[UInt8]] {
        client.frames().filter { $0.opcode == 0x9 }.map(\.payload)
    }

    @Test func aClientPingToDuplexReturnsItsRoundTripAndPongsAreObserved() async throws {
        try await ServerHarness.with { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                let pongs = ws.pongs()
                let first = try await ws.ping()
                #expect(first > .zero && first < .seconds(5))
                // Two default pings in flight at once carry different payloads: both are answered.
                async let second = ws.ping()
                async let third = ws.ping()
                #expect(try await [second, third].allSatisfy { $0 > .zero })
                _ = try await ws.ping(ByteBuffer(string: "mine"))
                var seen: [ByteBuffer] = []
                for await pong in pongs {
                    seen.append(pong)
                    if seen.count == 4 { break }
                }
                #expect(seen.prefix(3).allSatisfy { $0.readableBytes == 8 })
                #expect(Set(seen.prefix(3)).count == 3)
                #expect(seen.last == ByteBuffer(string: "mine"))
            }
        }
    }

    @Test func thePongOfTheLatestPingAnswersTheEarlierOnesToo() async throws {
        try await withRawPeer({ ws, log in
            async let a = ws.ping(ByteBuffer(string: "a"))
            async let b = ws.ping(ByteBuffer(string: "b"))
            let (rttA, rttB) = try await (a, b)
            log.withLockedValue { $0.append("answered \(rttA > .zero) \(rttB > .zero)") }
        }) { client, log in
            try await client.waitForFrames { frames in frames.filter { $0.opcode == 0x9 }.count == 2 }
            #expect(Set(Self.pingFrames(client)) == [Array("a".utf8), Array("b".utf8)])
            // A peer may answer only the most recent ping (RFC 6455 §5.5.3).
            try await client.write(clientFrame(opcode: 0xA, payload: Array("b".utf8)))
            try await eventually("both pings answered") { log.withLockedValue { $0 } == ["answered true true"] }
        }
    }

    @Test func anUnsolicitedPongAnswersNothingAndACloseFailsTheWaitingPing() async throws {
        try await withRawPeer({ ws, log in
            let pongs = ws.pongs()
            let observed = Task {
                var payloads: [String] = []
                for await pong in pongs { payloads.append(String(buffer: pong)) }
                return payloads
            }
            do {
                _ = try await ws.ping(ByteBuffer(string: "p"))
                log.withLockedValue { $0.append("answered") }
            } catch {
                log.withLockedValue { $0.append("\(error)") }
            }
            // The close finished the pong sequence.
            let payloads = await observed.value
            log.withLockedValue { $0.append("pongs \(payloads)") }
        }) { client, log in
            try await client.waitForFrames { frames in frames.contains { $0.opcode == 0x9 } }
            try await client.write(clientFrame(opcode: 0xA, payload: Array("heartbeat".utf8)))
            try await client.write(clientClose())
            try await eventually("the ping failed") { log.withLockedValue { $0.count } == 2 }
            #expect(log.withLockedValue { $0 } == ["\(WebSocketError.connectionClosed)", "pongs [\"heartbeat\"]"])
        }
    }

    @Test func misusedPingsThrowTypedErrorsAndCancellationEndsTheWait() async throws {
        try await withRawPeer({ ws, log in
            func outcome(_ ping: () async throws -> Duration) async -> String {
                do {
                    _ = try await ping()
                    return "answered"
                } catch {
                    return "\(error)"
                }
            }
            let waiting = Task { try await ws.ping(ByteBuffer(string: "same")) }
            try await eventually { log.withLockedValue { $0 } == ["peer saw the ping"] }
            let reused = await outcome { try await ws.ping(ByteBuffer(string: "same")) }
            let oversized = await outcome { try await ws.ping(ByteBuffer(repeating: 1, count: 126)) }
            waiting.cancel()
            let cancelled = await outcome { try await waiting.value }
            log.withLockedValue { $0 += [reused, oversized, cancelled] }
            // The cancelled ping no longer holds its payload.
            let again = await outcome { try await ws.ping(ByteBuffer(string: "same")) }
            log.withLockedValue { $0.append(again) }
        }) { client, log in
            try await client.waitForFrames { frames in frames.filter { $0.opcode == 0x9 }.count == 1 }
            log.withLockedValue { $0.append("peer saw the ping") }
            try await eventually("the misuses were refused") { log.withLockedValue { $0.count } == 4 }
            #expect(
                log.withLockedValue { Array($0[1...]) } == [
                    "\(WebSocketError.pingPayloadInUse)", "\(UsageError.controlPayloadTooLong)", "\(CancellationError())",
                ])
            try await client.waitForFrames { frames in frames.filter { $0.opcode == 0x9 }.count == 2 }
            try await client.write(clientFrame(opcode: 0xA, payload: Array("same".utf8)))
            try await eventually("the new ping answered") { log.withLockedValue { $0 }.last == "answered" }
        }
    }

    @Test func aPingAfterTheCloseThrowsConnectionClosed() async throws {
        try await ServerHarness.with { _, port in
            let ws = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { $0 }
            await #expect(throws: WebSocketError.connectionClosed) { try await ws.ping() }
        }
    }
}
