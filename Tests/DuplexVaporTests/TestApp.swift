#if Vapor
import Duplex
import DuplexVapor
import NIOCore
import Vapor

/// The Vapor app under test, on a free port of 127.0.0.1: `GET /health` answers `ok`; under
/// `/ws`, behind a middleware that wants `Authorization: Bearer secret` (401 `token required`
/// without) and adds `X-Authenticated: yes`, `echo` echoes every message, `rooms/:room` sends the room's name and returns,
/// `failing` throws; `/banned` is a WebSocket route behind a middleware that throws a 403 `Abort`.
enum TestApp {
    /// Starts the app as `Application.startup()` does (Vapor's serve command), calls `body` with
    /// its port and the app, then shuts it down unless `body` did.
    static func with<Result: Sendable>(
        _ body: @Sendable (_ port: Int, _ app: Application) async throws -> Result
    ) async throws -> Result {
        let app = try await Application.make(Environment(name: "testing", arguments: ["vapor"]))
        app.logger.logLevel = .error
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        addRoutes(to: app)
        do {
            try await app.startup()
            guard let port = app.http.server.shared.localAddress?.port else { throw AppDidNotStart() }
            let result = try await body(port, app)
            if !app.didShutdown { try await app.asyncShutdown() }
            return result
        } catch {
            if !app.didShutdown { try? await app.asyncShutdown() }
            throw error
        }
    }

    /// Runs the app and returns its raw answer to `request`.
    static func answer(to request: RawHandshake) async throws -> String {
        try await with { port, _ in try await RawHTTP.exchange(port: port, request.request(port: port)) }
    }

    struct AppDidNotStart: Error {}
    struct HandlerFailed: Error {}

    private static func addRoutes(to app: Application) {
        app.get("health") { _ in "ok" }
        let ws = app.grouped("ws").grouped(BearerToken())
        ws.duplexWebSocket("echo") { _, ws in
            for await message in ws.messages { try await ws.send(message) }
        }
        ws.duplexWebSocket("rooms", ":room") { request, ws in
            try await ws.send(text: request.parameters.get("room") ?? "")
        }
        ws.duplexWebSocket("failing") { _, _ in throw HandlerFailed() }
        app.grouped(Banning()).duplexWebSocket("banned") { _, _ in }
    }

    /// Refuses requests without `Authorization: Bearer secret` with 401 and a body; marks the
    /// responses it lets through with `X-Authenticated: yes`.
    struct BearerToken: AsyncMiddleware {
        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            guard request.headers.bearerAuthorization?.token == "secret" else {
                return Response(status: .unauthorized, body: Response.Body(string: "token required\n"))
            }
            let response = try await next.respond(to: request)
            response.headers.add(name: "X-Authenticated", value: "yes")
            return response
        }
    }

    /// Throws Vapor's `Abort` (403, `banned`) for every request.
    struct Banning: AsyncMiddleware {
        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            throw Abort(.forbidden, reason: "banned")
        }
    }

    /// A client configuration with the token the `/ws` routes want.
    static var authorized: WebSocketClientConfiguration {
        var configuration = WebSocketClientConfiguration()
        configuration.headers = (try? HeaderFields([(name: "Authorization", value: "Bearer secret")])) ?? HeaderFields()
        return configuration
    }
}
#endif
