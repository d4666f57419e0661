@testable import Duplex
import DuplexCore
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// API misuse that used to trap the whole process, or to fail in surprising ways: each is now
/// an error, a refusal or a documented behaviour.
@Suite("API misuse", .timeLimit(.minutes(3)))
struct MisuseTests {
    /// A client that offers `subprotocols`, with compression off.
    private func client(offering subprotocols: [String]) -> WebSocketClientConfiguration {
        var configuration = WebSocketClientConfiguration()
        configuration.subprotocols = subprotocols
        configuration.extensions = []
        return configuration
    }

    @Test func acceptingAnUnofferedSubprotocolAnswers500AndTheServerKeepsServing() async throws {
        try await ServerHarness.with(decide: { _ in
            .accept(subprotocol: "chat") { ws in for await message in ws.messages { try await ws.send(message) } }
        }) { _, port in
            await #expect {
                try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client(offering: ["other"])) { _ in }
            } throws: { error in
                guard case HandshakeError.unexpectedStatus(let response)? = error as? HandshakeError else { return false }
                return response.status == 500 && response.reason == "Internal Server Error"
            }
            let echoed = try await WebSocket.connect(
                to: "ws://127.0.0.1:\(port)/", configuration: client(offering: ["chat"])
            ) { ws in
                #expect(ws.subprotocol == "chat")
                try await ws.send(text: "still serving")
                return await ws.receive()
            }
            #expect(echoed == .text("still serving"))
        }
    }

    @Test func aSecondIterationContinuesWhereTheFirstStopped() async throws {
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for index in 1...4 { try await ws.send(text: "\(index)") }
                for await _ in ws.messages {}
            }
        }) { _, port in
            let received = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                var received: [WebSocketMessage] = []
                for await message in ws.messages {
                    received.append(message)
                    break
                }
                for await message in ws.messages {
                    received.append(message)
                    if received.count == 3 { break }
                }
                if let last = await ws.receive() { received.append(last) }
                return received
            }
            #expect(received == ["1", "2", "3", "4"].map(WebSocketMessage.text))
        }
    }

    @Test func aSecondConcurrentReaderGetsNilInsteadOfTrapping() async throws {
        let release = NIOLockedValueBox(false)
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                try await eventually(timeout: .seconds(30)) { release.withLockedValue { $0 } }
                try await ws.send(text: "for the first reader")
                for await _ in ws.messages {}
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                async let first = ws.receive()
                try await eventually("the first reader waits") { ws.messages.reader.queue.hasWaitingReader }
                #expect(await ws.receive() == nil)
                release.withLockedValue { $0 = true }
                #expect(await first == .text("for the first reader"))
            }
        }
    }

    @Test func concurrentSendsEachArriveWholeAndInOrderUnderBackpressure() async throws {
        // Three tasks send 8 messages of 600 KiB each at once to a client that reads slowly; the
        // cap of 1 MiB on bytes waiting for the peer is smaller than two messages, so writing a
        // message while another waits would fail the connection with 1008.
        let senders = 3
        let perSender = 8
        let size = 600 << 10
        let serverStatus = StatusBox()
        try await ServerHarness.with(
            configure: {
                $0.session.maxQueuedOutboundBytes = 1 << 20
                $0.extensions = []
            },
            decide: { _ in
                .accept { ws in
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for sender in 0..<senders {
                            group.addTask {
                                for index in 0..<perSender {
                                    var payload = ByteBuffer(repeating: UInt8(sender * 16 + index), count: size)
                                    payload.setInteger(UInt16(sender << 8 | index), at: 0)
                                    try await ws.send(binary: payload)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    for await _ in ws.messages {}
                    serverStatus.set(ws.closeStatus)
                }
            }
        ) { _, port in
            var configuration = WebSocketClientConfiguration()
            configuration.extensions = []
            let received = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: configuration) { ws in
                var received: [(sender: Int, index: Int)] = []
                while received.count < senders * perSender, let message = await ws.receive() {
                    guard case .binary(let payload) = message, let tag = payload.getInteger(at: 0, as: UInt16.self) else {
                        Issue.record("unexpected message \(message)")
                        break
                    }
                    let (sender, index) = (Int(tag >> 8), Int(tag & 0xFF))
                    #expect(payload.readableBytes == size)
                    #expect(payload.getBytes(at: 2, length: size - 2)?.allSatisfy { $0 == UInt8(sender * 16 + index) } == true)
                    received.append((sender, index))
                    try await Task.sleep(for: .milliseconds(10))  // a slow reader
                }
                return received
            }
            #expect(received.count == senders * perSender)
            for sender in 0..<senders {
                #expect(received.filter { $0.sender == sender }.map(\.index) == Array(0..<perSender))
            }
            try await eventually("the server saw the close") { serverStatus.get() != nil }
            #expect(serverStatus.get()?.code == .normalClosure)
        }
    }

    @Test func sendsAfterTheCloseStartedFailWithOneError() async throws {
        try await ServerHarness.with { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.close()
                await #expect(throws: WebSocketError.connectionClosed) { try await ws.send(text: "late") }
            }
        }
    }

    @Test func concurrentBindsShareOneListener() async throws {
        let server = WebSocketServer(configuration: .init(host: "127.0.0.1", port: 0))
        async let first = server.bind()
        async let second = server.bind()
        let (a, b) = try await (first, second)
        #expect(a == b)
        #expect(server.localAddress == a)
        await server.shutdown()
        await #expect(throws: WebSocketError.serverShutDown) { try await server.bind() }
    }

    @Test func aSecondRunThrowsInsteadOfTrapping() async throws {
        let server = WebSocketServer(configuration: .init(host: "127.0.0.1", port: 0))
        let port = try #require(try await server.bind().port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(ServerHarness.echo) }
            group.addTask { try await server.run(ServerHarness.echo) }
            // Whichever came second ends at once.
            await #expect(throws: WebSocketError.serverAlreadyRunning) { try await group.next() }
            // The other one still serves.
            let echoed = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.send(text: "one")
                return await ws.receive()
            }
            #expect(echoed == .text("one"))
            await server.shutdown()
            try await group.waitForAll()
        }
    }

    @Test func subscribingAgainAndAgainRegistersOneCloseCallback() async throws {
        let topics = WebSocketTopics()
        let subscribed = NIOLockedValueBox(false)
        try await ServerHarness.with(decide: { _ in
            .accept { ws in
                for index in 0..<1000 { topics.subscribe(ws, to: "room \(index % 3)") }
                subscribed.withLockedValue { $0 = true }
                for await _ in ws.messages {}
            }
        }) { _, port in
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { _ in
                try await eventually("the server subscribed") { subscribed.withLockedValue { $0 } }
                #expect(topics.watchedConnectionCount == 1)
                #expect(topics.subscriberCount(of: "room 2") == 1)
            }
            try await eventually("the subscriptions ended with the connection") {
                topics.watchedConnectionCount == 0 && topics.subscriberCount(of: "room 0") == 0
            }
        }
    }

    @Test func invalidSessionSettingsAreErrorsBeforeAnySocketOpens() async throws {
        var session = SessionConfiguration()
        session.inboundLowWatermark = 20  // above the high watermark of 16: NIO would trap on it
        var client = WebSocketClientConfiguration()
        client.session = session
        // Nothing listens on port 9: the error must come before connecting.
        await #expect(throws: ConfigurationError(setting: "inboundLowWatermark", rule: "must be from 0 to inboundHighWatermark")) {
            try await WebSocket.connect(to: "ws://127.0.0.1:9/", configuration: client) { _ in }
        }
        var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
        configuration.session.inboundHighWatermark = 0
        let server = WebSocketServer(configuration: configuration)
        await #expect(throws: ConfigurationError.self) { try await server.bind() }
        #expect(server.localAddress == nil)
    }
}
