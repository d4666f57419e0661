import Duplex
import NIOCore

/// An ``EchoProbe`` whose connection echoes from its task, as the README's first example does:
/// `for await message in ws.messages { try await ws.send(message) }`, the task on the channel's
/// event loop.
public enum AsyncEcho {
    /// The probe, set up; every echo sends one `payloadSize`-byte binary message.
    public static func make(payloadSize: Int) throws -> EchoProbe {
        let probe = try EchoProbe(payloadSize: payloadSize)
        // On the loop whatever DUPLEX_TASKS_ON_EVENT_LOOP says: the probe runs the embedded loop
        // and expects the echo once it has.
        var session = SessionConfiguration()
        session.runsTaskOnEventLoop = true
        try probe.channel.serveWebSocket(role: .server, session: session) { ws in
            for await message in ws.messages { try await ws.send(message) }
        }
        probe.channel.embeddedEventLoop.run()
        return probe
    }
}
