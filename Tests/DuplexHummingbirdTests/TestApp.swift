#if Hummingbird
import Duplex
import DuplexHummingbird
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The app under test: `GET /health` answers `ok`; `/ws/echo` echoes every message, behind a
/// middleware that wants `Authorization: Bearer secret` and answers 401 `token required` without;
/// `/banned` is a WebSocket route behind a middleware that throws a 403 `HTTPError`.
enum TestApp {
    /// Runs the app on a free port of 127.0.0.1 in a ServiceGroup, calls `body` with its port and
    /// group, then shuts the group down gracefully.
    static func with<Result: Sendable>(
        _ body: @Sendable (_ port: Int, _ group: ServiceGroup) async throws -> Result
    ) async throws -> Result {
        let router = Router()
        router.get("/health") { _, _ in "ok" }
        router.group("/ws").add(middleware: BearerToken()).webSocket("echo") { _, _, ws in
            for await message in ws.messages { try await ws.send(message) }
        }
        router.group("/banned").add(middleware: Banning()).webSocket { _, _, _ in }
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let logger = Logger(label: "duplex.hummingbird.test")
        let app = Application(
            router: router,
            server: .duplexWebSocket(router: router),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portSink.yield(channel.localAddress?.port ?? 0)
                portSink.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
        return try await withThrowingTaskGroup(of: Result?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var result: Result?
            do {
                var iterator = ports.makeAsyncIterator()
                guard let port = await iterator.next() else { throw AppDidNotStart() }
                result = try await body(port, group)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            for try await value in tasks { result = result ?? value }
            guard let result else { throw AppDidNotStart() }
            return result
        }
    }

    /// Runs the app and returns its raw answer to the request `makeRequest` writes for its port.
    static func answer(to makeRequest: @escaping @Sendable (_ port: Int) -> String) async throws -> String {
        try await with { port, _ in try await RawHTTP.exchange(port: port, makeRequest(port)) }
    }

    struct AppDidNotStart: Error {}

    /// Refuses requests without `Authorization: Bearer secret` with 401 and a body.
    struct BearerToken<Context: RequestContext>: RouterMiddleware {
        func handle(
            _ request: Request, context: Context, next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            guard request.headers[.authorization] == "Bearer secret" else {
                return Response(status: .unauthorized, body: ResponseBody(byteBuffer: ByteBuffer(string: "token required\n")))
            }
            return try await next(request, context)
        }
    }

    /// Throws Hummingbird's `HTTPError` (403, `banned`) for every request.
    struct Banning<Context: RequestContext>: RouterMiddleware {
        func handle(
            _ request: Request, context: Context, next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            throw HTTPError(.forbidden, message: "banned")
        }
    }

    /// A handshake request for `path`, with `headers` on top of Host (and, unless
    /// `authorized` is false, the token).
    static func handshake(port: Int, path: String = "/ws/echo", authorized: Bool = true, _ headers: [String]) -> String {
        let lines =
            ["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"]
            + (authorized ? ["Authorization: Bearer secret"] : []) + headers
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// The headers of a valid handshake.
    static let validHandshake = [
        "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ]
}
#endif
