import Duplex
@_spi(Core) import DuplexCore
import NIOCore
import NIOEmbedded

/// A server-side connection on an `EmbeddedChannel` that echoes on its event loop (a
/// ``WebSocketEventHandler``), fed masked binary frames as a client sends them: the event-loop echo
/// path without sockets, for counting its allocations per message.
public final class EventLoopEcho {
    private let channel = EmbeddedChannel()
    private var frame = ByteBuffer()
    private let payloadSize: Int

    /// Sets the connection up; every ``echo()`` sends one `payloadSize`-byte binary message.
    public init(payloadSize: Int) throws {
        self.payloadSize = payloadSize
        var client = WebSocketConnection(role: .client, maskingKeys: .fixed(FrameFixtures.maskingKey))
        try client.send(.binary, payload: ByteBuffer(repeating: 0x2A, count: payloadSize))
        frame = client.takeOutbound()!
        try channel.serveWebSocket(role: .server, eventHandler: Echo())
    }

    /// Sends one message and reads its echo; returns whether the echo is the same message (an
    /// unmasked binary frame of the same payload).
    public func echo() throws -> Bool {
        try channel.writeInbound(frame)
        guard var echoed = try channel.readOutbound(as: ByteBuffer.self),
            let (header, length) = try FrameHeader.parse(echoed),
            header.opcode == .binary, header.maskingKey == nil, header.payloadLength == payloadSize
        else { return false }
        echoed.moveReaderIndex(forwardBy: length)
        return echoed.readableBytesView.allSatisfy { $0 == 0x2A } && echoed.readableBytes == payloadSize
    }

    /// Ends the connection.
    public func finish() throws {
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    private final class Echo: WebSocketEventHandler {
        func onMessage(_ message: WebSocketMessage, sender: WebSocketLoopSender) {
            try? sender.send(message)
        }
    }
}
