import NIOCore
import NIOPosix
import Synchronization

/// A fake proxy on 127.0.0.1 with a free port that follows a script: each step waits until the
/// bytes received so far satisfy its condition, then sends its answer (and closes the connection
/// when the step says so). It records every byte the client sent, so tests can check the wire.
/// After the last step it stays silent.
final class ScriptedProxy: Sendable {
    /// One exchange: when `isComplete` holds for everything received so far, `answer` goes out.
    struct Step: Sendable {
        var isComplete: @Sendable ([UInt8]) -> Bool
        var answer: [UInt8]
        var closes = false

        /// Answers once `count` bytes in all have arrived.
        static func after(bytes count: Int, answer: [UInt8], closes: Bool = false) -> Step {
            Step(isComplete: { $0.count >= count }, answer: answer, closes: closes)
        }

        /// Answers once an HTTP head (up to the blank line) has arrived.
        static func afterHTTPHead(answer: String, closes: Bool = false) -> Step {
            Step(
                isComplete: { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") },
                answer: Array(answer.utf8), closes: closes)
        }
    }

    private let channel: any Channel
    private let log: ByteLog

    /// The port it listens on.
    let port: Int

    /// Everything clients sent, in order.
    var received: [UInt8] { log.bytes.withLock { $0 } }

    private init(channel: any Channel, log: ByteLog) {
        self.channel = channel
        self.log = log
        self.port = channel.localAddress!.port!
    }

    /// Runs `body` with a proxy following `steps` for each connection, then stops it.
    @discardableResult
    static func with<T>(_ steps: [Step], _ body: (ScriptedProxy) async throws -> T) async throws -> T {
        let log = ByteLog()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Script(steps: steps, log: log))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = ScriptedProxy(channel: channel, log: log)
        defer { channel.close(promise: nil) }
        return try await body(proxy)
    }

    /// A loopback port nothing listens on (it was bound and closed again).
    static func unusedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress!.port!
        try await channel.close()
        return port
    }

    private final class ByteLog: Sendable {
        let bytes = Mutex<[UInt8]>([])
    }

    private final class Script: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private var steps: ArraySlice<Step>
        private let log: ByteLog
        private var received: [UInt8] = []

        init(steps: [Step], log: ByteLog) {
            self.steps = steps[...]
            self.log = log
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = Array(unwrapInboundIn(data).readableBytesView)
            received += bytes
            log.bytes.withLock { $0 += bytes }
            while let step = steps.first, step.isComplete(received) {
                steps.removeFirst()
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: step.answer)), promise: nil)
                if step.closes {
                    context.close(promise: nil)
                    return
                }
            }
        }
    }
}
