import Duplex
@_spi(Core) import DuplexCore
import NIOCore
import NIOEmbedded

/// A server-side connection on an `EmbeddedChannel`, fed masked binary frames as a client sends
/// them, with its echo read back: the echo path without sockets, for counting its allocations per
/// message. ``EventLoopEcho`` and ``AsyncEcho`` serve the channel two ways.
public final class EchoProbe {
    let channel = EmbeddedChannel()
    private let frame: ByteBuffer
    private let payloadSize: Int

    /// A probe whose every ``echo()`` sends one `payloadSize`-byte binary message.
    init(payloadSize: Int) throws {
        self.payloadSize = payloadSize
        var client = WebSocketConnection(role: .client, maskingKeys: .fixed(FrameFixtures.maskingKey))
        try client.send(.binary, payload: ByteBuffer(repeating: 0x2A, count: payloadSize))
        guard let frame = client.takeOutbound() else { throw ProbeError.noFrame }
        self.frame = frame
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
    }

    /// Sends one message, runs what the loop has to do, and reads the echo; returns whether the echo
    /// is the same message (an unmasked binary frame of the same payload).
    public func echo() throws -> Bool {
        try channel.writeInbound(frame)
        channel.embeddedEventLoop.run()
        guard var echoed = try channel.readOutbound(as: ByteBuffer.self),
            let (header, length) = try FrameHeader.parse(echoed),
            header.opcode == .binary, header.maskingKey == nil, header.payloadLength == payloadSize
        else { return false }
        echoed.moveReaderIndex(forwardBy: length)
        return echoed.readableBytesView.allSatisfy { $0 == 0x2A } && echoed.readableBytes == payloadSize
    }

    /// Ends the connection.
    public func finish() throws {
        channel.embeddedEventLoop.run()
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    private enum ProbeError: Error {
        case noFrame
    }
}
