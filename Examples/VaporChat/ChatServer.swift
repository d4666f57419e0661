#if Vapor
import Duplex
import DuplexVapor
import Vapor

/// The chat's routes: the page, the JSON API and the chat WebSocket.
struct ChatServer: Sendable {
    let sessions: Sessions
    let topics: WebSocketTopics

    func addRoutes(to app: Application) {
        app.get { _ in
            Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: .init(string: ChatPage.html))
        }
        app.post("api", "login", use: login)
        let authenticated = app.grouped(TokenAuthentication(sessions: sessions))
        authenticated.get("api", "rooms", ":room", use: room)
        // The upgrader's default origin policy is same-origin: only pages served by this app
        // can open the chat from a browser.
        authenticated.duplexWebSocket("ws", "rooms", ":room") { request, ws in
            try await chat(request, ws)
        }
    }

    /// `POST /api/login` with `{"name": "ada"}`: a token for the name.
    @Sendable func login(_ request: Request) async throws -> LoginResponse {
        let login = try request.content.decode(LoginRequest.self)
        let name = login.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...32).contains(name.count) else { throw Abort(.badRequest, reason: "a name has 1 to 32 characters") }
        return LoginResponse(token: sessions.open(for: name), name: name)
    }

    /// `GET /api/rooms/:room`: how many are in the room.
    @Sendable func room(_ request: Request) async throws -> RoomResponse {
        let room = try request.parameters.require("room")
        return RoomResponse(room: room, members: topics.subscriberCount(of: Self.topic(room)))
    }

    /// One member in a room: every text message they send goes, as JSON with their name, to
    /// everyone in the room (them included).
    @Sendable func chat(_ request: Request, _ ws: Duplex.WebSocket) async throws {
        let room = try request.parameters.require("room")
        let name = try request.auth.require(Member.self).name
        let topic = Self.topic(room)
        topics.subscribe(ws, to: topic)
        try publish(ChatMessage(from: "server", text: "\(name) joined"), to: topic)
        for await message in ws.messages {
            guard case .text(let text) = message else { continue }
            try publish(ChatMessage(from: name, text: text), to: topic)
        }
        topics.unsubscribe(ws, from: topic)
        try publish(ChatMessage(from: "server", text: "\(name) left"), to: topic)
    }

    private func publish(_ message: ChatMessage, to topic: String) throws {
        let json = try JSONEncoder().encode(message)
        topics.publish(.text(String(decoding: json, as: UTF8.self)), to: topic)
    }

    private static func topic(_ room: String) -> String { "room:\(room)" }
}
#endif
