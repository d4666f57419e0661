#if Vapor
import Vapor

/// The body of `POST /api/login`.
struct LoginRequest: Content {
    let name: String
}

/// The answer to `POST /api/login`.
struct LoginResponse: Content {
    let token: String
    let name: String
}

/// The answer to `GET /api/rooms/:room`.
struct RoomResponse: Content {
    let room: String
    let members: Int
}

/// A chat message as the WebSocket carries it to the room (JSON text).
struct ChatMessage: Codable {
    let from: String
    let text: String
}
#endif
