#if Vapor
import Duplex
import NIOCore
import NIOHTTP1
import Vapor

/// What a `duplexWebSocket` route sets as its 101's `Response.upgrader`: once Vapor's HTTP/1
/// server has written that response and removed its HTTP handlers, Duplex serves the channel.
struct DuplexUpgrader: Upgrader {
    /// The handshake the route accepted.
    let accepted: AcceptedWebSocketUpgrade
    /// The route's handler, bound to its request.
    let body: @Sendable (Duplex.WebSocket) async throws -> Void

    func applyUpgrade(req: Request, res: Response) -> any HTTPServerProtocolUpgrader {
        DuplexProtocolUpgrader(accepted: accepted, body: body, middlewareHeaders: res.headers)
    }
}

/// The NIO upgrader Vapor's `HTTPServerUpgradeHandler` drives: its headers become the whole 101
/// (Vapor replaces the route's response headers with them), and its upgrade step serves the
/// channel with Duplex.
struct DuplexProtocolUpgrader: HTTPServerProtocolUpgrader, Sendable {
    let accepted: AcceptedWebSocketUpgrade
    let body: @Sendable (Duplex.WebSocket) async throws -> Void
    /// The route's response headers as the middleware left them (e.g. a `Set-Cookie`); their
    /// `Connection`, `Upgrade` and `Content-Length` give way to the handshake's own.
    let middlewareHeaders: HTTPHeaders

    let supportedProtocol = "websocket"
    /// The route validated the handshake already.
    let requiredUpgradeHeaders: [String] = []

    func buildUpgradeResponse(
        channel: any Channel, upgradeRequest: HTTPRequestHead, initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        var headers = initialResponseHeaders
        for (name, value) in middlewareHeaders
        where !["connection", "upgrade", "content-length"].contains(name.lowercased()) {
            headers.add(name: name, value: value)
        }
        for field in accepted.response.headers { headers.add(name: field.name, value: field.value) }
        return channel.eventLoop.makeSucceededFuture(headers)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        context.eventLoop.makeCompletedFuture {
            try accepted.serve(on: context.channel, body)
        }
    }
}
#endif
