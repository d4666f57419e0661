import Duplex

/// Echoes every message on the connection's event loop: the fastest way to serve an echo, with no
/// task and no hop per message (see ``WebSocketEventHandler``).
final class EchoHandler: WebSocketEventHandler {
    func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {
        // Fails only once the close handshake started; the message is then not echoed.
        try? sender.send(message)
    }
}
