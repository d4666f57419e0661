#if Hummingbird
import Hummingbird
import HummingbirdCore

extension HTTPServerBuilder {
    /// Hummingbird's HTTP/1 server with Duplex WebSocket routes: the first request of a connection
    /// with `Upgrade: websocket` is answered by `router` (its middleware, then a route made with
    /// `webSocket(_:upgrader:handler:)`), every other request by the application's router as
    /// with `.http1(configuration:)`. `router` may be the application's own router.
    ///
    /// ```swift
    /// let router = Router()
    /// router.middlewares.add(TokenAuthentication())
    /// router.get("/health") { _, _ in "ok" }
    /// router.webSocket("/echo") { request, context, ws in
    ///     for await message in ws.messages { try await ws.send(message) }
    /// }
    /// let app = Application(router: router, server: .duplexWebSocket(router: router))
    /// ```
    public static func duplexWebSocket<WebSocketRouter: HTTPResponderBuilder>(
        router: WebSocketRouter,
        configuration: HTTP1Channel.Configuration = HTTP1Channel.Configuration()
    ) -> HTTPServerBuilder
    where WebSocketRouter.Responder.Context: RequestContext,
        WebSocketRouter.Responder.Context.Source == ApplicationRequestContextSource {
        let webSocketResponder = router.buildResponder()
        return HTTPServerBuilder { responder in
            DuplexHTTP1Channel(responder: responder, webSocketResponder: webSocketResponder, configuration: configuration)
        }
    }
}
#endif
