#if Hummingbird
import Duplex
import DuplexHummingbird
import Foundation
import Hummingbird
import NIOConcurrencyHelpers

/// The example's routes: the page, a JSON API, and the chat WebSocket behind token authentication.
///
/// | route | what |
/// |---|---|
/// | `GET /` | the chat page |
/// | `GET /health` | `ok` |
/// | `POST /api/token` `{"name": "alice"}` | `{"name": "alice", "token": "…"}`: a token for the chat |
/// | `GET /api/rooms` | `{"rooms": [{"name": "lobby", "members": 2}]}`: the rooms used so far |
/// | `GET /ws/chat?room=NAME&token=T` | the chat WebSocket; the token may also come as `Authorization: Bearer T`; without a valid one, 401 from the middleware |
/// | `GET /echo` (with `--echo`) | a WebSocket that echoes every message, up to 64 MiB |
struct ChatApp: Sendable {
    let echo: Bool
    let tokens = TokenStore()
    let topics = WebSocketTopics()
    private let rooms = NIOLockedValueBox(Set<String>())

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: ChatPage.html)))
        }
        router.get("/health") { _, _ in "ok" }
        router.post("/api/token") { request, context -> IssuedToken in
            let asked = try await request.decode(as: TokenRequest.self, context: context)
            let name = asked.name.trimmingCharacters(in: .whitespaces)
            guard (1...32).contains(name.count) else {
                throw HTTPError(.badRequest, message: "a name of 1 to 32 characters")
            }
            return IssuedToken(name: name, token: tokens.issue(for: name))
        }
        router.get("/api/rooms") { _, _ -> RoomList in
            let names = rooms.withLockedValue { $0 }.sorted()
            return RoomList(rooms: names.map { RoomList.Room(name: $0, members: topics.subscriberCount(of: "room:\($0)")) })
        }
        router.group("/ws").add(middleware: TokenMiddleware(tokens: tokens)).webSocket("chat") { request, _, ws in
            try await chat(request, ws)
        }
        if echo {
            var upgrader = WebSocketUpgrader()
            upgrader.originPolicy = .disabled  // test clients and Autobahn send any Origin
            upgrader.session.connection.maxFrameSize = 64 << 20
            upgrader.session.connection.maxMessageSize = 64 << 20
            router.webSocket("/echo", upgrader: upgrader) { _, _, ws in
                for await message in ws.messages { try await ws.send(message) }
            }
        }
        return router
    }

    /// One chat connection: every text message goes to the room as `{"from", "room", "text"}`.
    private func chat(_ request: Request, _ ws: WebSocket) async throws {
        let room = request.uri.queryParameters["room"].map(String.init) ?? "lobby"
        guard (1...64).contains(room.count), let name = TokenMiddleware<BasicRequestContext>.token(in: request).flatMap(tokens.name) else {
            try await ws.close(code: .policyViolation, reason: "a room of 1 to 64 characters")
            return
        }
        rooms.withLockedValue { _ = $0.insert(room) }
        topics.subscribe(ws, to: "room:\(room)")
        for await message in ws.messages {
            guard case .text(let text) = message else { continue }
            let post = try JSONEncoder().encode(ChatPost(from: name, room: room, text: text))
            topics.publish(.text(String(decoding: post, as: UTF8.self)), to: "room:\(room)")
        }
    }
}

/// `POST /api/token`'s body.
struct TokenRequest: Decodable {
    var name: String
}

/// `POST /api/token`'s answer.
struct IssuedToken: ResponseEncodable {
    var name: String
    var token: String
}

/// `GET /api/rooms`'s answer.
struct RoomList: ResponseEncodable {
    struct Room: Encodable {
        var name: String
        var members: Int
    }
    var rooms: [Room]
}

/// A chat message as the room's members receive it.
struct ChatPost: Encodable {
    var from: String
    var room: String
    var text: String
}
#endif
