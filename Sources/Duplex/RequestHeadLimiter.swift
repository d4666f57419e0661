import DuplexCore
import NIOCore

/// Sits in front of the HTTP request decoder and bounds the request head (request line and header
/// block): bytes pass through until the blank line ending the head, then the limiter removes
/// itself. A head longer than the limit is answered with 431, the output is closed, and the rest of
/// the input is discarded until the peer closes (or the handshake timeout closes the connection),
/// so that the peer reads the 431 rather than a reset.
final class RequestHeadLimiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let limit: Int
    private var seen = 0
    /// The last bytes seen, to find a `\r\n\r\n` split across reads.
    private var tail: UInt32 = 0
    private var rejected = false

    init(limit: Int) {
        self.limit = limit
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if rejected { return }
        let bytes = unwrapInboundIn(data)
        var endOfHead: Int?
        for (offset, byte) in bytes.readableBytesView.enumerated() {
            tail = (tail << 8) | UInt32(byte)
            if tail == 0x0D0A_0D0A {
                endOfHead = offset + 1
                break
            }
            if seen + offset + 1 > limit { break }
        }
        if let endOfHead, seen + endOfHead <= limit {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        } else if seen + bytes.readableBytes > limit {
            reject(context: context)
        } else {
            seen += bytes.readableBytes
            context.fireChannelRead(data)
        }
    }

    private func reject(context: ChannelHandlerContext) {
        rejected = true
        let response = HandshakeResponse(
            status: .requestHeaderFieldsTooLarge,
            body: "request header block larger than \(limit) bytes\n"
        )
        context.writeAndFlush(wrapOutboundOut(response.wireBytes(allocator: context.channel.allocator)))
            .assumeIsolated()
            .whenComplete { _ in
                context.close(mode: .output).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
            }
    }
}
