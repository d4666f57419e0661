import Duplex
import NIOCore

/// An ``EchoProbe`` whose connection echoes from its task, as the README's first example does:
/// `for await message in ws.messages { try await ws.send(message) }`, the task on the channel's
/// event loop.
public enum AsyncEcho {
    /// The probe, set up; every echo sends one `payloadSize`-byte binary message.
    public static func make(payloadSize: Int) throws -> EchoProbe {
        let probe = try EchoProbe(payloadSize: payloadSize)
        try probe.channel.serveWebSocket(role: .server) { ws in
            for await message in ws.messages { try await ws.send(message) }
        }
        probe.channel.embeddedEventLoop.run()
        return probe
    }
}
