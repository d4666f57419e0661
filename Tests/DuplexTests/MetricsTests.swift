import Duplex
import DuplexCore
import Metrics
import NIOCore
import Testing

@Suite("Metrics and logging", .timeLimit(.minutes(3)))
struct MetricsTests {
    @Test func serverCountsConnectionsMessagesBytesAndCloses() async throws {
        let metrics = RecordingMetrics()
        try await ServerHarness.with(configure: { $0.metricsFactory = metrics }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                #expect(metrics.value("duplex_connections_open") == 1)
                try await ws.send(text: "one")
                try await ws.send(binary: ByteBuffer(repeating: 1, count: 1000))
                var replies = ws.messages.makeAsyncIterator()
                _ = await replies.next()
                _ = await replies.next()
            }
            try await eventually("the connection closed") { metrics.value("duplex_connections_open") == 0 }
        }
        #expect(metrics.value("duplex_connections_accepted_total") == 1)
        #expect(metrics.value("duplex_connections_open") == 0)
        #expect(metrics.value("duplex_messages_received_total") == 2)
        #expect(metrics.value("duplex_messages_sent_total") == 2)
        #expect(metrics.value("duplex_bytes_received_total") > 0)
        #expect(metrics.value("duplex_bytes_sent_total") > 0)
        #expect(metrics.value("duplex_connections_closed_total", [("code", "1000")]) == 1)
    }

    @Test func refusedHandshakesAreCountedByReason() async throws {
        let metrics = RecordingMetrics()
        let log = RecordingLog()
        try await ServerHarness.with(configure: {
            $0.metricsFactory = metrics
            $0.logger = log.logger(level: .info)
        }) { _, port in
            var foreign = WebSocketClientConfiguration()
            foreign.origin = "https://evil.example"
            await #expect(throws: HandshakeError.self) {
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/chat", configuration: foreign) { _ in }
            }
            let old = handshakeRequest().replacingOccurrences(of: "Version: 13", with: "Version: 8")
            let answer = try await RawTCP.exchange(port: port, sending: old)
            #expect(statusCode(answer) == 426)
        }
        #expect(metrics.value("duplex_connections_rejected_total", [("reason", "origin")]) == 1)
        #expect(metrics.value("duplex_handshake_failures_total", [("status", "426")]) == 1)
        #expect(metrics.value("duplex_connections_accepted_total") == 0)

        // One clear line for the refused origin, with the connection's metadata; nothing else at info.
        let records = log.records
        #expect(records.count == 1)
        let line = try #require(records.first)
        #expect(line.level == .info)
        #expect(line.message.contains("origin https://evil.example is not allowed"))
        #expect(line.metadata["duplex.path"] == "/chat")
        #expect(line.metadata["duplex.connection"] != nil)
        #expect(line.metadata["duplex.peer"]?.description.contains("127.0.0.1") == true)
    }

    @Test func messagesLogNothingAtDebug() async throws {
        let log = RecordingLog()
        try await ServerHarness.with(configure: { $0.logger = log.logger(level: .debug) }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                for index in 0..<20 { try await ws.send(text: "\(index)") }
                var replies = ws.messages.makeAsyncIterator()
                for _ in 0..<20 { _ = await replies.next() }
            }
        }
        let messages = log.records.map(\.message)
        #expect(messages.contains("handshake accepted"))
        #expect(messages.contains { $0.hasPrefix("connection closed: 1000") })
        #expect(messages.count <= 3)  // per connection, not per message
    }
}

@Suite("Client logging", .timeLimit(.minutes(3)))
struct ClientLoggingTests {
    @Test func clientLogsTheHandshakeAndTheCloseWithTheServersAddress() async throws {
        let log = RecordingLog()
        try await ServerHarness.with { _, port in
            var client = WebSocketClientConfiguration()
            client.logger = log.logger(level: .debug)
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/path", configuration: client) { ws in
                try await ws.send(text: "hello")
                var replies = ws.messages.makeAsyncIterator()
                _ = await replies.next()
            }
        }
        let records = log.records
        #expect(records.map(\.message) == ["handshake accepted", "connection closed: 1000 "])
        #expect(records.allSatisfy { $0.metadata["duplex.path"] == "/path" })
        #expect(records.allSatisfy { $0.metadata["duplex.peer"]?.description.hasPrefix("127.0.0.1:") == true })
    }
}
