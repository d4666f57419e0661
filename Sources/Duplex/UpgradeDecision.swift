import DuplexCore

/// The application's answer to a valid handshake: accept it (with the code serving the connection)
/// or refuse it with an HTTP status.
public struct UpgradeDecision: Sendable {
    enum Kind: Sendable {
        case accept(subprotocol: String?, headers: HeaderFields, serve: Serve)
        case reject(HandshakeResponse)
    }

    /// How an accepted connection is served.
    enum Serve: Sendable {
        /// An async closure; the connection closes with 1000 when it returns.
        case task(@Sendable (WebSocket) async throws -> Void)
        /// A handler made on the event loop for each connection.
        case eventHandler(@Sendable () -> any WebSocketEventHandler)
    }

    let kind: Kind

    /// Accepts the handshake and serves the connection with `body`, in its own task. The
    /// connection closes with 1000 when `body` returns, 1011 when it throws, 1001 on shutdown.
    /// `subprotocol` must be one the client offered; `headers` are added to the 101 response.
    public static func accept(
        subprotocol: String? = nil,
        headers: HeaderFields = HeaderFields(),
        _ body: @escaping @Sendable (WebSocket) async throws -> Void
    ) -> UpgradeDecision {
        UpgradeDecision(kind: .accept(subprotocol: subprotocol, headers: headers, serve: .task(body)))
    }

    /// Accepts the handshake and serves the connection on its event loop with the handler that
    /// `makeHandler` returns (called on that loop). See ``WebSocketEventHandler``.
    public static func accept(
        subprotocol: String? = nil,
        headers: HeaderFields = HeaderFields(),
        eventHandler makeHandler: @escaping @Sendable () -> any WebSocketEventHandler
    ) -> UpgradeDecision {
        UpgradeDecision(kind: .accept(subprotocol: subprotocol, headers: headers, serve: .eventHandler(makeHandler)))
    }

    /// Refuses the handshake with `status`; `body` is sent as plain text.
    public static func reject(
        _ status: HTTPStatus, headers: HeaderFields = HeaderFields(), body: String = ""
    ) -> UpgradeDecision {
        UpgradeDecision(kind: .reject(HandshakeResponse(status: status, headers: headers, body: body)))
    }
}
