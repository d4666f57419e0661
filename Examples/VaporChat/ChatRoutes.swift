#if Vapor
import Duplex
import DuplexVapor
import NIOConcurrencyHelpers
import Vapor

/// The example's routes, as docs/vapor.md ("Example: VaporChat") lists them: the page, `/health`,
/// `POST /api/token`, `GET /api/rooms`, the chat WebSocket `/ws/chat?room=NAME&token=T` behind
/// ``ChatAuthentication``, and with `--echo` an echo WebSocket at `/echo`.
struct ChatRoutes: Sendable {
    /// Whether `/echo` is served.
    let echo: Bool
    let members = ChatMembers()
    let topics = WebSocketTopics()
    /// Every room joined so far, for `GET /api/rooms`.
    private let roomsUsed = NIOLockedValueBox(Set<String>())

    func add(to app: Application) {
        app.get { _ in
            Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: ChatPage.html))
        }
        app.get("health") { _ in "ok" }
        app.post("api", "token") { request -> [String: String] in
            let name = try request.content.get(String.self, at: "name").trimmingCharacters(in: .whitespaces)
            guard (1...32).contains(name.count) else { throw Abort(.badRequest, reason: "a name of 1 to 32 characters") }
            return ["name": name, "token": members.signIn(name)]
        }
        app.get("api", "rooms") { _ -> ChatRooms in
            let names = roomsUsed.withLockedValue { $0 }.sorted()
            return ChatRooms(rooms: names.map { ChatRooms.Room(name: $0, members: topics.subscriberCount(of: "room:\($0)")) })
        }
        // The default upgrader: same-origin only, so only this app's page opens the chat from a browser.
        app.grouped("ws").grouped(ChatAuthentication(members: members)).duplexWebSocket("chat") { request, ws in
            try await chat(request, ws)
        }
        if echo {
            var upgrader = Duplex.WebSocketUpgrader()
            upgrader.originPolicy = .disabled  // test clients and Autobahn send any Origin
            upgrader.session.connection.maxFrameSize = 64 << 20
            upgrader.session.connection.maxMessageSize = 64 << 20
            app.duplexWebSocket("echo", upgrader: upgrader) { _, ws in
                for await message in ws.messages { try await ws.send(message) }
            }
        }
    }

    /// One member in a room: each text message they send reaches the room as `{"from", "room", "text"}`.
    private func chat(_ request: Request, _ ws: Duplex.WebSocket) async throws {
        let name = try request.auth.require(ChatMember.self).name
        let room = (try? request.query.get(String.self, at: "room")) ?? "lobby"
        guard (1...64).contains(room.count) else {
            try await ws.close(code: .policyViolation, reason: "a room of 1 to 64 characters")
            return
        }
        roomsUsed.withLockedValue { _ = $0.insert(room) }
        topics.subscribe(ws, to: "room:\(room)")
        for await message in ws.messages {
            guard case .text(let text) = message else { continue }
            let post = try JSONEncoder().encode(["from": name, "room": room, "text": text])
            topics.publish(.text(String(decoding: post, as: UTF8.self)), to: "room:\(room)")
        }
    }
}

/// `GET /api/rooms`'s answer.
struct ChatRooms: Content {
    struct Room: Content {
        var name: String
        var members: Int
    }

    var rooms: [Room]
}
#endif
