#if Vapor
/// A handshake request written out by hand, for what Duplex's client never sends (a missing key,
/// another version, a foreign `Origin`), to the app's `/ws` routes.
struct RawHandshake: Sendable {
    var path = "/ws/echo"
    /// The bearer token sent, if any (`secret` is the one the app wants).
    var token: String? = "secret"
    /// Every field but `Host` and `Authorization`.
    var fields: [String: String] = [
        "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    ]

    /// A valid handshake to `/ws/echo` with the token.
    static let valid = RawHandshake()

    /// This handshake with `name` set to `value`, or removed when `value` is `nil`.
    func with(_ name: String, _ value: String?) -> RawHandshake {
        var changed = self
        changed.fields[name] = value
        return changed
    }

    /// The request's bytes, for a server on `port`.
    func request(port: Int) -> String {
        var lines = ["GET \(path) HTTP/1.1", "Host: 127.0.0.1:\(port)"]
        if let token { lines.append("Authorization: Bearer \(token)") }
        lines += fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }
}
#endif
