#if Hummingbird
import Duplex
import Hummingbird
import HTTPTypes

extension RouterMethods {
    /// Serves Duplex WebSockets at `path` (GET): `handler` gets the request, its context (as the
    /// router's middleware left it) and the ``WebSocket``. The connection closes with 1000 when
    /// `handler` returns, 1011 when it throws, 1001 when the application shuts down gracefully.
    ///
    /// The router's middleware runs first and may refuse with any response (it reaches the client
    /// as it is). The handshake is then checked by `upgrader` with ``WebSocketServer``'s rules:
    /// 426 with `Sec-WebSocket-Version: 13`, 400, 403 for a refused `Origin` (same origin by
    /// default). The subprotocol chosen is the client's first offer that
    /// ``WebSocketUpgrader/requiredSubprotocols`` lists (none when that is `nil`); extensions,
    /// limits and timeouts follow `upgrader`.
    ///
    /// The route upgrades only when the application's server is made with
    /// `HTTPServerBuilder.duplexWebSocket(router:configuration:)` given this router, and only
    /// the first request of a connection (as NIO's upgrade handler does); a handshake arriving
    /// as a later request on a kept-alive connection is answered 400 and the connection closed.
    @discardableResult
    public func webSocket(
        _ path: RouterPath = "",
        upgrader: WebSocketUpgrader = WebSocketUpgrader(),
        handler: @escaping @Sendable (Request, Context, WebSocket) async throws -> Void
    ) -> Self {
        on(path, method: .get) { request, context -> Response in
            guard let pending = PendingUpgrade.current else {
                return try Self.refusePlainRequest(request, upgrader: upgrader)
            }
            switch upgrader.validate(pending.request, remoteAddress: pending.remoteAddress) {
            case .failure(let refusal):
                return Response(refusal.response)
            case .success(let upgrade):
                let subprotocol = upgrade.subprotocols.first { upgrader.requiredSubprotocols?.contains($0) == true }
                let accepted = try upgrader.accept(upgrade, subprotocol: subprotocol)
                pending.accept(accepted) { webSocket in try await handler(request, context, webSocket) }
                return Response(status: .switchingProtocols, headers: HTTPFields(accepted.headers))
            }
        }
    }

    /// The answer to a request that reached the route outside the upgrade: Duplex's refusal of
    /// what is not a handshake (426, 400), or 400 for a handshake that was not its connection's
    /// first request.
    private static func refusePlainRequest(_ request: Request, upgrader: WebSocketUpgrader) throws -> Response {
        // HTTP Types keeps `Host` as the request's authority, not among its fields.
        let host = request.head.authority.map { [(name: "Host", value: $0)] } ?? []
        let handshake = try HandshakeRequest(
            method: request.method.rawValue, target: request.uri.description,
            headers: try HeaderFields(host + request.headers.map { (name: $0.name.rawName, value: $0.value) }))
        if case .failure(let refusal) = upgrader.validate(handshake) {
            return Response(refusal.response)
        }
        var response = Response(
            status: .badRequest, body: ResponseBody(byteBuffer: ByteBuffer(string: "a WebSocket handshake must be the first request on its connection\n")))
        response.headers[.connection] = "close"
        return response
    }
}
#endif
