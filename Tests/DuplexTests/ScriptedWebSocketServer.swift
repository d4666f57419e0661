import DuplexCore
import NIOCore
import NIOPosix

/// A fake WebSocket server that answers the handshake with a 101 followed by fixed frames, delivered
/// the way a test asks (all in one write, in separate writes, byte by byte), and then closes TCP
/// either at once or after the client answered.
enum ScriptedWebSocketServer {
    /// How the 101 and the frames behind it reach the socket.
    enum Delivery: String, CaseIterable, Sendable {
        /// The 101 and every frame in one write.
        case oneWrite
        /// The 101, then each frame, in separate writes a few milliseconds apart.
        case separateWrites
        /// Every byte in its own write.
        case everyByte
    }

    /// Starts listening on 127.0.0.1 with a free port. Each connection gets the 101 and `frames`;
    /// then TCP is closed at once when `closesAtOnce`, else after the client's next bytes.
    static func start(frames: [[UInt8]], delivery: Delivery, closesAtOnce: Bool) async throws -> any Channel {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let script = Script(frames: frames, delivery: delivery, closesAtOnce: closesAtOnce)
                    try channel.pipeline.syncOperations.addHandler(script)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    private final class Script: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        let frames: [[UInt8]]
        let delivery: Delivery
        let closesAtOnce: Bool
        var request = ""
        var answered = false

        init(frames: [[UInt8]], delivery: Delivery, closesAtOnce: Bool) {
            self.frames = frames
            self.delivery = delivery
            self.closesAtOnce = closesAtOnce
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if answered {
                context.close(promise: nil)
                return
            }
            request += String(buffer: unwrapInboundIn(data))
            guard request.contains("\r\n\r\n") else { return }
            answered = true
            let key = request.split(separator: "\r\n")
                .first { $0.lowercased().hasPrefix("sec-websocket-key:") }
                .map { $0.dropFirst("sec-websocket-key:".count).trimmingPrefix(" ") } ?? ""
            let response =
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: \(HandshakeKey.acceptValue(for: String(key)))\r\n\r\n"
            let pieces = [Array(response.utf8)] + frames
            let chunks: [[UInt8]]
            switch delivery {
            case .oneWrite: chunks = [pieces.flatMap { $0 }]
            case .separateWrites: chunks = pieces
            case .everyByte: chunks = pieces.flatMap { $0 }.map { [$0] }
            }
            send(chunks[...], context: context)
        }

        private func send(_ chunks: ArraySlice<[UInt8]>, context: ChannelHandlerContext) {
            guard let chunk = chunks.first else { return }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: chunk)), promise: nil)
            guard chunks.count > 1 else {
                if closesAtOnce { context.close(promise: nil) }
                return
            }
            let delay: TimeAmount = delivery == .separateWrites ? .milliseconds(5) : .microseconds(50)
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
                send(chunks.dropFirst(), context: context)
            }
        }
    }
}
