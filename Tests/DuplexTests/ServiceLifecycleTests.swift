import Duplex
import DuplexCore
import Logging
import ServiceLifecycle
import Testing

@Suite("Service lifecycle", .timeLimit(.minutes(3)))
struct ServiceLifecycleTests {
    @Test func gracefulShutdownOfTheGroupClosesConnectionsWith1001() async throws {
        let server = WebSocketServer(configuration: .init(host: "127.0.0.1", port: 0))
        let port = try await server.bind().port!
        let service = WebSocketService(server: server, decide: ServerHarness.echo)
        let group = ServiceGroup(services: [service], logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let status = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
                try await ws.send(text: "ping")
                var replies = ws.messages.makeAsyncIterator()
                #expect(await replies.next() == .text("ping"))
                await group.triggerGracefulShutdown()
                while await replies.next() != nil {}
                return ws.closeStatus
            }
            #expect(status?.code == .goingAway)
            try await tasks.waitForAll()  // the group's run returned
        }
        await #expect(throws: (any Error).self) {  // no longer listening
            try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { _ in }
        }
    }
}
