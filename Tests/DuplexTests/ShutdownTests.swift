import Duplex
import NIOConcurrencyHelpers
import Testing

@Suite("Shutdown under load", .timeLimit(.minutes(3)))
struct ShutdownTests {
    @Test func everyMessageSentBeforeShutdownReachesItsClientAndClientsSee1001() async throws {
        let sent = NIOLockedValueBox(0)
        let echoCounting: @Sendable (UpgradeRequest) async -> UpgradeDecision = { _ in
            .accept { ws in
                for await message in ws.messages {
                    do {
                        try await ws.send(message)
                        sent.withLockedValue { $0 += 1 }
                    } catch {
                        break
                    }
                }
            }
        }
        let clients = 20
        let echoed = NIOLockedValueBox(0)
        let upgraded = NIOLockedValueBox(0)
        let results = try await ServerHarness.with(decide: echoCounting) { server, port in
            try await withThrowingTaskGroup(of: ClientOutcome.self) { group in
                for _ in 0..<clients {
                    group.addTask { try await sendUntilClosed(port: port, counting: echoed, upgraded: upgraded) }
                }
                // Shut down in full flow: every client's handshake done and many echoes under way.
                try await eventually(timeout: .seconds(20), "every client upgraded and 20 echoes each") {
                    upgraded.withLockedValue { $0 } == clients && echoed.withLockedValue { $0 } >= clients * 20
                }
                await server.shutdown()
                var results: [ClientOutcome] = []
                for try await result in group { results.append(result) }
                return results
            }
        }
        let received = results.reduce(0) { $0 + $1.received }
        #expect(received >= clients * 20)
        #expect(received == sent.withLockedValue { $0 })
        #expect(results.allSatisfy { $0.closeCode == .goingAway })
    }
}

/// What one client saw: the echoes it received and the code its connection closed with.
/// (A struct rather than a tuple: Swift 6.3.1's optimizer crashes on the tuple form of this test.)
private struct ClientOutcome: Sendable {
    var received: Int
    var closeCode: CloseCode?
}

/// Sends a message every 2 ms, from a task off the connection's loop, while fewer than
/// ``maxUnanswered`` of its messages wait for their echo, until the connection closes; returns the
/// echoes received (also added to `echoed` as they arrive) and the close code. Counts the
/// connection in `upgraded` once its handshake is done.
///
/// The bound keeps the offered load at what the loops can echo, however slow the build (an
/// off-loop `send` returns before the loop writes the message, so an unpaced sender would queue
/// work faster than a sanitizer build's loops do it, and starve the other suites' connections).
private func sendUntilClosed(
    port: Int, counting echoed: NIOLockedValueBox<Int>, upgraded: NIOLockedValueBox<Int>
) async throws -> ClientOutcome {
    let maxUnanswered = 8
    let received = NIOLockedValueBox(0)
    return try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/") { ws in
        upgraded.withLockedValue { $0 += 1 }
        let sender = Task {
            var index = 0
            while !Task.isCancelled {
                if index - received.withLockedValue({ $0 }) < maxUnanswered {
                    do {
                        try await ws.send(text: "message \(index)")
                    } catch {
                        return
                    }
                    index += 1
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        for await _ in ws.messages {
            received.withLockedValue { $0 += 1 }
            echoed.withLockedValue { $0 += 1 }
        }
        sender.cancel()
        return ClientOutcome(received: received.withLockedValue { $0 }, closeCode: ws.closeStatus?.code)
    }
}
