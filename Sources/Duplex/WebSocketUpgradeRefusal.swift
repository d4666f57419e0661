import DuplexCore

/// A handshake that ``WebSocketUpgrader`` refused: the response to send (and then close the
/// connection), with the status, header fields and text body ``WebSocketServer`` would send.
public struct WebSocketUpgradeRefusal: Error, Sendable, Hashable {
    /// Why the handshake was refused.
    public enum Reason: Sendable, Hashable {
        /// Not a valid WebSocket handshake: 405, 505, 400, or 426 with `Sec-WebSocket-Version: 13`.
        case invalidHandshake
        /// An `Origin` that ``WebSocketUpgrader/originPolicy`` refuses: 403.
        case origin
        /// None of ``WebSocketUpgrader/requiredSubprotocols`` offered: 400.
        case subprotocol
    }

    /// Why the handshake was refused.
    public var reason: Reason
    /// The response: its status, header fields (e.g. `Sec-WebSocket-Version: 13` with a 426) and a
    /// short plain-text body saying what was wrong.
    public var response: HandshakeResponse
}
