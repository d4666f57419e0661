#if Hummingbird
import NIOCore
import NIOPosix

/// A bare TCP client: sends a crafted request to 127.0.0.1 and returns the raw answer.
enum RawHTTP {
    /// Writes `request` and returns what arrives until the server closes the connection or
    /// `timeout` passes.
    static func exchange(port: Int, _ request: String, timeout: TimeAmount = .seconds(10)) async throws -> String {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let received = loop.makePromise(of: ByteBuffer.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(done: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        channel.writeAndFlush(ByteBuffer(string: request), promise: nil)
        let timer = loop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        defer { timer.cancel() }
        return String(buffer: try await received.futureResult.get())
    }

    /// Collects everything read until the connection closes.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let done: EventLoopPromise<ByteBuffer>
        var buffer = ByteBuffer()

        init(done: EventLoopPromise<ByteBuffer>) { self.done = done }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer.writeBuffer(&bytes)
        }

        func channelInactive(context: ChannelHandlerContext) { done.succeed(buffer) }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}
#endif
