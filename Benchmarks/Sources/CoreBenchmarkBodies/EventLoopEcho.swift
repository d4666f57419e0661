import Duplex
import NIOCore

/// An ``EchoProbe`` whose connection echoes on its event loop (a ``WebSocketEventHandler``).
public enum EventLoopEcho {
    /// The probe, set up; every echo sends one `payloadSize`-byte binary message.
    public static func make(payloadSize: Int) throws -> EchoProbe {
        let probe = try EchoProbe(payloadSize: payloadSize)
        try probe.channel.serveWebSocket(role: .server, eventHandler: Echo())
        return probe
    }

    private final class Echo: WebSocketEventHandler {
        func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {
            try? sender.send(message)
        }
    }
}
