import Duplex
import Foundation

/// The demo's chat (docs/demo.md) on `/chat?room=NAME&name=USER`: each text message is published to
/// topic `room:NAME` as JSON `{"room", "from", "text", "ts"}`; `{"join": "OTHER"}` and
/// `{"leave": "OTHER"}` follow or stop following another room.
struct ChatRoom: Sendable {
    /// The rooms' subscribers (an in-process broker, or `--broker`'s).
    var topics = WebSocketTopics()

    /// Serves one chat connection.
    func serve(_ request: UpgradeRequest, _ ws: WebSocket) async throws {
        let query = Self.parameters(request.query ?? "")
        guard let room = query["room"], !room.isEmpty else {
            try await ws.close(code: .policyViolation, reason: "room is required")
            return
        }
        let name = query["name"] ?? "anonymous"
        topics.subscribe(ws, to: "room:\(room)")
        defer { topics.unsubscribeFromAll(ws) }
        for await message in ws.messages {
            guard case .text(let text) = message else { continue }
            if let (verb, other) = Self.command(text) {
                if verb == "join" {
                    topics.subscribe(ws, to: "room:\(other)")
                } else {
                    topics.unsubscribe(ws, from: "room:\(other)")
                }
                continue
            }
            let post: [String: Any] = [
                "room": room, "from": name, "text": text, "ts": Int(Date().timeIntervalSince1970 * 1000),
            ]
            let json = try JSONSerialization.data(withJSONObject: post, options: [.sortedKeys])
            topics.publish(.text(String(decoding: json, as: UTF8.self)), to: "room:\(room)")
        }
    }

    /// `("join" | "leave", room)` when `text` is a room command.
    private static func command(_ text: String) -> (String, String)? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            object.count == 1, let (verb, value) = object.first,
            verb == "join" || verb == "leave", let room = value as? String, !room.isEmpty
        else { return nil }
        return (verb, room)
    }

    /// The decoded `name=value` pairs of a query string (the first of repeated names wins).
    private static func parameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            let decode = { (text: Substring) in
                String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            guard let key = parts.first.map(decode), result[key] == nil else { continue }
            result[key] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
