import DuplexCore
import ServiceLifecycle

/// A ``WebSocketServer`` with its request handling, as a swift-service-lifecycle `Service`: a
/// `ServiceGroup` runs it, and its graceful shutdown (on SIGTERM, for instance) shuts the server down
/// gracefully: no new connections, 1001 to every open one, close handshakes awaited up to
/// ``WebSocketServerConfiguration/shutdownGracePeriod``.
///
/// ```swift
/// let service = WebSocketService(server: WebSocketServer(configuration: configuration), router: router)
/// let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct WebSocketService: Service {
    /// The server run by this service.
    public let server: WebSocketServer
    private let serve: @Sendable (WebSocketServer) async throws -> Void

    /// Serves with `router` (see ``WebSocketServer/run(router:)``).
    public init(server: WebSocketServer, router: WebSocketRouter) {
        self.server = server
        serve = { try await $0.run(router: router) }
    }

    /// Serves deciding each handshake with `decide` (see ``WebSocketServer/run(_:)``).
    public init(server: WebSocketServer, decide: @escaping @Sendable (UpgradeRequest) async -> UpgradeDecision) {
        self.server = server
        serve = { try await $0.run(decide) }
    }

    /// Runs the server until it is shut down, gracefully when the service group asks.
    public func run() async throws {
        let server = server
        try await withGracefulShutdownHandler {
            try await serve(server)
        } onGracefulShutdown: {
            Task { await server.shutdown() }
        }
    }
}
