@_spi(Core) import DuplexCore
import NIOCore

/// The bodies of the core's micro-benchmarks. Each returns a value that tells whether it did its
/// work right, so the same bodies serve the timing runs (`swift package benchmark`) and the
/// correctness checks (Tests/DuplexTests/BenchmarkBodiesTests.swift, which links these files).
public enum CoreBenchmarkBodies {
    /// Feeds `frames` to a fresh server-side connection and drains its events: header parsing,
    /// unmasking and UTF-8 validation. Returns the number of text messages and their payload bytes.
    public static func parseFrames(_ frames: ByteBuffer) -> (messages: Int, bytes: Int) {
        var server = WebSocketConnection(role: .server)
        server.receive(frames)
        var messages = 0
        var bytes = 0
        while let event = server.nextEvent() {
            guard case .text(let payload) = event else { return (messages, -1) }
            messages += 1
            bytes += payload.readableBytes
        }
        return (messages, bytes)
    }

    /// Masks `buffer`'s readable bytes in place with `key`.
    public static func mask(_ buffer: inout ByteBuffer, key: UInt32) {
        Masking.apply(key: key, to: &buffer, at: buffer.readerIndex, length: buffer.readableBytes)
    }

    /// Whether `text` is valid UTF-8, checked in one piece.
    public static func validateUTF8(_ text: ByteBuffer) -> Bool {
        UTF8Validator.isValid(text)
    }

    /// A client and a server that negotiated permessage-deflate with the default parameters.
    @_spi(Core) public static func deflatePair() -> (client: WebSocketConnection, server: WebSocketConnection) {
        let negotiator = PerMessageDeflate()
        let offers = negotiator.clientOffers()
        guard let serverSide = negotiator.serverAccept(offers),
            let clientSide = try? negotiator.clientAccept(serverSide.responseElement)
        else { preconditionFailure("permessage-deflate must accept its own default offer") }
        return (
            WebSocketConnection(role: .client, extensions: [clientSide.makeExtension(role: .client)]),
            WebSocketConnection(role: .server, extensions: [serverSide.makeExtension(role: .server)])
        )
    }

    /// Sends `message` as text from `pair.client` to `pair.server` (compressing and decompressing
    /// it) and returns what the server received, or `nil` if it received something else.
    @_spi(Core) public static func deflateRoundTrip(
        _ message: ByteBuffer,
        pair: inout (client: WebSocketConnection, server: WebSocketConnection)
    ) -> ByteBuffer? {
        try? pair.client.send(.text, payload: message)
        guard let wire = pair.client.takeOutbound() else { return nil }
        pair.server.receive(wire)
        guard case .text(let received) = pair.server.nextEvent() else { return nil }
        return received
    }
}
