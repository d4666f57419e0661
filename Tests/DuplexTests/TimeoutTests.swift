import Duplex
import NIOCore
import Testing

@Suite("Keepalive and idle timeouts", .timeLimit(.minutes(3)))
struct TimeoutTests {
    @Test func unansweredKeepalivePingFailsWith1011() async throws {
        try await ServerHarness.with(configure: { $0.session.connection.automaticPong = false }) { _, port in
            var client = WebSocketClientConfiguration()
            client.session.pingInterval = .milliseconds(100)
            client.session.pongTimeout = .milliseconds(100)
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                for await _ in ws.messages {}
                return ws.closeStatus
            }
            #expect(status == CloseStatus(code: .internalError, reason: "keepalive ping timeout"))
        }
    }

    @Test func answeredKeepalivePingsKeepTheConnection() async throws {
        try await ServerHarness.with { _, port in
            var client = WebSocketClientConfiguration()
            // Pings every 50 ms; the 2 s pong deadline tolerates a loaded machine (other suites'
            // tasks share these event loops), and the wait outlasts it, so an unanswered ping would
            // have closed the connection by then.
            client.session.pingInterval = .milliseconds(50)
            client.session.pongTimeout = .seconds(2) * testSlowdown
            let echoed = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                try await Task.sleep(for: .milliseconds(2500) * testSlowdown)
                try await ws.send(text: "still here")
                var iterator = ws.messages.makeAsyncIterator()
                return await iterator.next()
            }
            #expect(echoed == .text("still here"))
        }
    }

    @Test func idleConnectionIsClosedWith1001() async throws {
        try await ServerHarness.with(configure: { $0.session.idleTimeout = .milliseconds(200) }) { _, port in
            var client = WebSocketClientConfiguration()
            client.session.pingInterval = nil
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                for await _ in ws.messages {}
                return ws.closeStatus
            }
            #expect(status?.code == .goingAway)
        }
    }
}
