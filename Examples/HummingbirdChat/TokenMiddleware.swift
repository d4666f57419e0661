#if Hummingbird
import Hummingbird

/// Refuses requests without a token the store issued: 401 with a short explanation. The token
/// comes from the query (`?token=T`: what a browser's WebSocket can send) or from
/// `Authorization: Bearer T`. For a WebSocket route it runs before the upgrade, so the client gets
/// the 401 and its body instead of a WebSocket.
struct TokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: TokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.token(in: request), tokens.name(for: token) != nil else {
            return Response(
                status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: "sign in first: POST /api/token\n")))
        }
        return try await next(request, context)
    }

    /// The request's token, from the query or the `Authorization` header.
    static func token(in request: Request) -> String? {
        if let token = request.uri.queryParameters["token"] { return String(token) }
        guard let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") else { return nil }
        return String(authorization.dropFirst("Bearer ".count))
    }
}
#endif
