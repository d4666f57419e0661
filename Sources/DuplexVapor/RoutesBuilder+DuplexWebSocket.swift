#if Vapor
import Duplex
import Vapor

extension RoutesBuilder {
    /// Serves Duplex WebSockets at `path` (GET): `handler` gets the request (as the route group's
    /// middleware left it) and the Duplex ``Duplex/WebSocket``. The connection closes with 1000
    /// when `handler` returns, 1011 when it throws, 1001 when the application shuts down.
    ///
    /// The group's middleware runs first and may refuse with any response (it reaches the client
    /// as it is). The handshake is then checked by `upgrader` with ``Duplex/WebSocketServer``'s
    /// rules: 426 with `Sec-WebSocket-Version: 13`, 400, 403 for a refused `Origin` (same origin
    /// by default). The subprotocol chosen is the client's first offer that
    /// ``Duplex/WebSocketUpgrader/requiredSubprotocols`` lists (none when that is `nil`);
    /// extensions, limits and timeouts follow `upgrader`. Vapor's HTTP/1 server performs the
    /// upgrade and hands the connection to Duplex.
    ///
    /// ```swift
    /// app.grouped(TokenAuthentication()).duplexWebSocket("chat") { request, ws in
    ///     for await message in ws.messages { try await ws.send(message) }
    /// }
    /// ```
    @discardableResult
    public func duplexWebSocket(
        _ path: PathComponent...,
        upgrader: Duplex.WebSocketUpgrader = Duplex.WebSocketUpgrader(),
        handler: @escaping @Sendable (Request, Duplex.WebSocket) async throws -> Void
    ) -> Route {
        duplexWebSocket(path, upgrader: upgrader, handler: handler)
    }

    /// The variadic `duplexWebSocket(_:upgrader:handler:)` with the path as an array.
    @discardableResult
    public func duplexWebSocket(
        _ path: [PathComponent],
        upgrader: Duplex.WebSocketUpgrader = Duplex.WebSocketUpgrader(),
        handler: @escaping @Sendable (Request, Duplex.WebSocket) async throws -> Void
    ) -> Route {
        on(.GET, path) { request -> Response in
            let handshake: HandshakeRequest
            do {
                handshake = try HandshakeRequest(request)
            } catch {
                return Response(status: .badRequest, body: Response.Body(string: "\(error)\n"))
            }
            switch upgrader.validate(handshake, remoteAddress: request.remoteAddress) {
            case .failure(let refusal):
                return Response(refusal.response)
            case .success(let upgrade):
                let subprotocol = upgrade.subprotocols.first { upgrader.requiredSubprotocols?.contains($0) == true }
                let accepted = try upgrader.accept(upgrade, subprotocol: subprotocol)
                let response = Response(status: .switchingProtocols)
                response.upgrader = DuplexUpgrader(accepted: accepted) { ws in try await handler(request, ws) }
                return response
            }
        }
    }
}
#endif
