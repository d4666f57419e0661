import DuplexCore

/// Routes handshakes by path to the code deciding them. A request for a path without a route is
/// answered 404; a request for a routed path that is not a valid WebSocket handshake is answered by
/// the handshake's own rejection (e.g. 426).
public struct WebSocketRouter: Sendable {
    /// Decides a handshake on one path. When it throws, the server answers 500 (see
    /// ``WebSocketServer/run(_:)``).
    public typealias Route = @Sendable (UpgradeRequest) async throws -> UpgradeDecision

    private var routes: [String: Route] = [:]

    /// An empty router.
    public init() {}

    /// Routes handshakes whose path is exactly `path` (e.g. `/chat`) to `decide`.
    public mutating func add(_ path: String, _ decide: @escaping Route) {
        routes[path] = decide
    }

    /// Returns a router that also routes `path` to `decide`.
    public func adding(_ path: String, _ decide: @escaping Route) -> WebSocketRouter {
        var copy = self
        copy.add(path, decide)
        return copy
    }

    /// Whether `path` has a route.
    public func handles(path: String) -> Bool {
        routes[path] != nil
    }

    /// Decides `request` with its path's route, or refuses it with 404; throws what the route throws.
    public func decide(_ request: UpgradeRequest) async throws -> UpgradeDecision {
        guard let route = routes[request.path] else {
            return .reject(.notFound, body: "no WebSocket endpoint at \(request.path)\n")
        }
        return try await route(request)
    }
}
