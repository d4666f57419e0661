import Duplex

/// Talks to one fuzzing server: the case count, each case's echo session, the report update.
struct AutobahnRunner {
    /// The fuzzing server's base URL, e.g. `ws://127.0.0.1:9001`.
    let baseURL: String
    /// The agent name the report is filed under.
    let agent: String

    /// How long `/updateReports` may take: the server completes the handshake and then drops TCP
    /// without a close frame, so the agent must not wait for a close handshake there.
    private static let updateReportsTimeout: Duration = .seconds(10)
    /// Cases slower than this are reported with their duration.
    private static let slowCase: Duration = .seconds(5)

    /// The client configuration every case uses: permessage-deflate offered, no heartbeat pings
    /// (they would add frames the cases do not expect).
    private var configuration: WebSocketClientConfiguration {
        get throws {
            var configuration = WebSocketClientConfiguration()
            configuration.extensions = [try AutobahnOffers.perMessageDeflate]
            configuration.session.pingInterval = nil
            return configuration
        }
    }

    /// Asks `/getCaseCount`: one text message holding the number of cases.
    func caseCount() async throws -> Int {
        let count = try await WebSocket.connect(to: "\(baseURL)/getCaseCount", configuration: try configuration) { ws in
            for await message in ws.messages {
                if case .text(let text) = message { return Int(text) }
            }
            return nil
        }
        guard let count else { throw AutobahnError.noCaseCount }
        return count
    }

    /// Runs case `index`: echoes every message until the server closes. A failing case is the
    /// server's to judge, so errors are printed, not thrown.
    func runCase(_ index: Int, of count: Int) async {
        let started = ContinuousClock.now
        do {
            try await WebSocket.connect(
                to: "\(baseURL)/runCase?case=\(index)&agent=\(agent)", configuration: try configuration
            ) { ws in
                for await message in ws.messages {
                    try await ws.send(message)
                }
            }
        } catch {
            print("case \(index)/\(count): \(error)")
        }
        let elapsed = ContinuousClock.now - started
        if elapsed > Self.slowCase {
            print("case \(index)/\(count) took \(elapsed)")
        }
    }

    /// Asks `/updateReports`, giving up after ``updateReportsTimeout``.
    func updateReports() async throws {
        let url = "\(baseURL)/updateReports?agent=\(agent)"
        let configuration = try configuration
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await WebSocket.connect(to: url, configuration: configuration) { ws in
                    for await _ in ws.messages {}
                }
            }
            group.addTask {
                try await Task.sleep(for: Self.updateReportsTimeout)
            }
            try await group.next()
            group.cancelAll()
        }
    }
}
