import Duplex
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@Suite("Client: reconnecting with backoff", .timeLimit(.minutes(1)))
struct ReconnectTests {
    /// Fast waits, so that the tests spend their time on what they check.
    private static let fast: ReconnectPolicy = {
        var policy = ReconnectPolicy()
        policy.initialDelay = .milliseconds(10)
        policy.maxDelay = .milliseconds(50)
        return policy
    }()

    private func configuration(_ log: RecordingLog) -> WebSocketClientConfiguration {
        var configuration = WebSocketClientConfiguration()
        configuration.logger = log.logger(level: .info)
        return configuration
    }

    private func count(_ log: RecordingLog, _ prefix: String) -> Int {
        log.records.filter { $0.message.hasPrefix(prefix) }.count
    }

    @Test func retryableClosesReconnectAndANormalCloseEnds() async throws {
        let connections = NIOLockedValueBox(0)
        let received = NIOLockedValueBox<[WebSocketMessage]>([])
        let log = RecordingLog()
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                switch connections.withLockedValue({ $0 += 1; return $0 }) {
                case 1: try await ws.close(code: .serviceRestart)
                case 2: try await ws.close(code: .tryAgainLater, reason: "busy")
                default: try await ws.send(text: "third")
                }
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration(log), reconnect: Self.fast) { ws in
                for await message in ws.messages { received.withLockedValue { $0.append(message) } }
            }
        }
        #expect(connections.withLockedValue { $0 } == 3)
        #expect(received.withLockedValue { $0 } == [.text("third")])
        #expect(count(log, "connecting to") == 3)
        #expect(log.records.contains { $0.message.hasSuffix("after: connection closed with 1013 (busy)") })
    }

    @Test func waitsGrowAndStartAgainAfterAConnectionThatLivedLongEnough() async throws {
        let connections = NIOLockedValueBox(0)
        let log = RecordingLog()
        var policy = ReconnectPolicy()
        policy.initialDelay = .milliseconds(20)
        policy.maxDelay = .seconds(1)
        policy.jitter = 0
        policy.stableAfter = .milliseconds(200)
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                switch connections.withLockedValue({ $0 += 1; return $0 }) {
                case 1, 2: try await ws.close(code: .serviceRestart)
                case 3:
                    try await Task.sleep(for: .milliseconds(300))  // lives past stableAfter
                    try await ws.close(code: .serviceRestart)
                default: try await ws.close(code: .normalClosure)
                }
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration(log), reconnect: policy) { ws in
                for await _ in ws.messages {}
            }
        }
        let waits = log.records.map(\.message).filter { $0.hasPrefix("reconnecting in") }
        #expect(waits == [
            "reconnecting in 20 ms after: connection closed with 1012",
            "reconnecting in 40 ms after: connection closed with 1012",
            "reconnecting in 20 ms after: connection closed with 1012",
        ])
    }

    @Test func aServerThatGoesDownAndComesBackIsReconnectedTo() async throws {
        let log = RecordingLog()
        let bodies = NIOLockedValueBox<[String]>([])
        let first = WebSocketServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: 0))
        let port = try await first.bind().port!
        let client = Task {
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration(log), reconnect: Self.fast) { ws in
                guard case .text(let greeting)? = await ws.receive() else { return }
                bodies.withLockedValue { $0.append(greeting) }
                for await _ in ws.messages {}
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await first.run { _ in .accept { ws in try await ws.send(text: "first server"); for await _ in ws.messages {} } }
            }
            try await eventually("connected to the first server") { bodies.withLockedValue { $0 } == ["first server"] }
            await first.shutdown()  // closes the connection with 1001
            try await eventually("two attempts refused while the server is down") {
                log.records.filter { $0.message.hasPrefix("reconnecting in") && $0.message.contains("refused") }.count >= 2
            }
            let second = WebSocketServer(configuration: WebSocketServerConfiguration(host: "127.0.0.1", port: port))
            _ = try await second.bind()
            group.addTask {
                try await second.run { _ in .accept { ws in try await ws.send(text: "second server") } }
            }
            try await client.value  // the second server's 1000 ends the reconnecting
            #expect(bodies.withLockedValue { $0 } == ["first server", "second server"])
            await second.shutdown()
            try await group.waitForAll()
        }
    }

    @Test func a503IsRetriedAfterItsRetryAfterAndA401IsNot() async throws {
        let attempts = NIOLockedValueBox<[ContinuousClock.Instant]>([])
        let log = RecordingLog()
        var policy = Self.fast
        policy.maxDelay = .seconds(5)
        try await ServerHarness.with(decide: { _ in
            let attempt = attempts.withLockedValue { $0.append(.now); return $0.count }
            return attempt == 1
                ? .reject(.serviceUnavailable, headers: try HeaderFields([("Retry-After", "1")]))
                : .reject(.unauthorized, body: "no token")
        }) { _, port in
            await #expect(throws: HandshakeError.self) {
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration(log), reconnect: policy) { _ in }
            }
        }
        let times = attempts.withLockedValue { $0 }
        #expect(times.count == 2)
        if times.count == 2 { #expect(times[1] - times[0] >= .milliseconds(900)) }
    }

    @Test func aWrongAcceptIsNotRetried() async throws {
        let server = try await FakeServer.start(
            response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        defer { server.close(promise: nil) }
        let log = RecordingLog()
        await #expect {
            try await WebSocket.connect(
                to: "ws://127.0.0.1:\(server.localAddress!.port!)/", configuration: configuration(log), reconnect: Self.fast
            ) { _ in }
        } throws: { error in
            guard case HandshakeError.acceptMismatch? = error as? HandshakeError else { return false }
            return true
        }
        #expect(count(log, "connecting to") == 1)
    }

    /// A loopback port nothing listens on.
    private func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    @Test func failedAttemptsStopAtMaxRetries() async throws {
        let log = RecordingLog()
        var policy = Self.fast
        policy.maxRetries = 2
        let port = try await closedPort()
        await #expect(throws: (any Error).self) {
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration(log), reconnect: policy) { _ in }
        }
        #expect(count(log, "connecting to") == 3)
        #expect(count(log, "reconnecting in") == 2)
    }

    @Test func whatTheBodyThrowsIsNotRetried() async throws {
        struct Stop: Error {}
        let connections = NIOLockedValueBox(0)
        try await ServerHarness.with(decide: { _ in
            connections.withLockedValue { $0 += 1 }
            return .accept { ws in for await _ in ws.messages {} }
        }) { _, port in
            await #expect(throws: Stop.self) {
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", reconnect: Self.fast) { _ in throw Stop() }
            }
        }
        #expect(connections.withLockedValue { $0 } == 1)
    }

    @Test func cancellingWhileWaitingEndsAtOnce() async throws {
        let log = RecordingLog()
        var policy = ReconnectPolicy()
        policy.initialDelay = .seconds(30)
        let port = try await closedPort()
        let task = Task {
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration(log), reconnect: policy) { _ in }
        }
        try await eventually("waiting to reconnect") { count(log, "reconnecting in") == 1 }
        let cancelled = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - cancelled < .seconds(5))
    }
}
