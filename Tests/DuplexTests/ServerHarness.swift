import Duplex
import NIOCore

/// A server on 127.0.0.1 with a free port, run for the duration of a test body and then shut down.
enum ServerHarness {
    /// Echoes every message back.
    static let echo: @Sendable (UpgradeRequest) async -> UpgradeDecision = { _ in
        .accept { ws in
            for await message in ws.messages { try await ws.send(message) }
        }
    }

    /// Runs a server deciding with `decide` (echo by default) while `body` runs with its port.
    @discardableResult
    static func with<T>(
        configure: (inout WebSocketServerConfiguration) -> Void = { _ in },
        decide: @escaping @Sendable (UpgradeRequest) async throws -> UpgradeDecision = echo,
        _ body: (WebSocketServer, Int) async throws -> T
    ) async throws -> T {
        var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let server = WebSocketServer(configuration: configuration)
        let port = try await server.bind().port!
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(decide) }
            do {
                let result = try await body(server, port)
                await server.shutdown()
                try await group.waitForAll()
                return result
            } catch {
                await server.shutdown()
                throw error
            }
        }
    }

    /// Runs a server routing with `router` while `body` runs with its port.
    @discardableResult
    static func with<T>(
        router: WebSocketRouter,
        configure: (inout WebSocketServerConfiguration) -> Void = { _ in },
        _ body: (Int) async throws -> T
    ) async throws -> T {
        var configuration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let server = WebSocketServer(configuration: configuration)
        let port = try await server.bind().port!
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(router: router) }
            defer { group.cancelAll() }
            return try await body(port)
        }
    }
}
