@_spi(Core) import DuplexCore
import NIOCore

/// One generator connection: writes the upgrade request, validates the 101 with
/// ``ClientHandshake``, then drives a ``WebSocketConnection`` for its ``Workload``, all on its event
/// loop. Figures go to the loop's ``LoopStatistics``.
final class BenchConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The largest frame and message accepted from the server.
    private static let maxMessageSize = 64 << 20

    private let handshake: ClientHandshake
    private let workload: Workload
    private let statistics: LoopStatistics
    /// Completed with whether permessage-deflate was negotiated, or failed if the handshake was not.
    private let opened: EventLoopPromise<Bool>
    private var openedCompleted = false
    /// The response head received so far, until the handshake completes.
    private var responseHead = ByteBuffer()
    private var connection: WebSocketConnection?
    /// Set once this side expects the transport to end (close handshake done or load stopped).
    private var closeExpected = false
    /// When the connection started, for a connect cycle's latency.
    private let startTime = NIODeadline.now().uptimeNanoseconds
    /// The echo workload's plan, if that is the workload.
    private let echo: EchoPlan?
    /// Send times of the echo messages in flight, indexed by message number modulo depth.
    private var sendTimes: [UInt64] = []
    private var sentCount = 0
    private var receivedCount = 0

    /// Throws ``HTTPFieldError`` when the target cannot be written into a request.
    init(
        target: BenchTarget, workload: Workload, deflate: Bool, statistics: LoopStatistics, opened: EventLoopPromise<Bool>
    ) throws(HTTPFieldError) {
        self.handshake = try ClientHandshake(
            host: target.hostHeader,
            target: target.target,
            extensions: deflate ? [PerMessageDeflate()] : []
        )
        self.workload = workload
        self.statistics = statistics
        self.opened = opened
        if case .echo(let plan) = workload {
            echo = plan
            sendTimes = Array(repeating: 0, count: plan.depth)
        } else {
            echo = nil
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(HandshakeWire.encode(handshake.request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if connection == nil {
            responseHead.writeBuffer(&bytes)
            guard completeHandshake(context: context) else { return }
        } else {
            connection?.receive(bytes)
        }
        processEvents(context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !closeExpected, statistics.running {
            statistics.recordError("the server closed the connection")
        }
        completeOpened(.failure(ChannelError.eof))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        completeOpened(.failure(ChannelError.ioOnClosedChannel))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if statistics.running { statistics.recordError("\(error)") }
        completeOpened(.failure(error))  // e.g. TLS: a failed handshake says why, not just "end of file"
        closeExpected = true
        context.close(promise: nil)
    }

    /// Parses and validates the response once its head is complete; returns whether the
    /// connection is now open.
    private func completeHandshake(context: ChannelHandlerContext) -> Bool {
        do {
            guard let response = try HandshakeWire.decodeResponse(from: &responseHead) else { return false }
            let result = try handshake.validate(response)
            var configuration = ConnectionConfiguration()
            configuration.maxFrameSize = Self.maxMessageSize
            configuration.maxMessageSize = Self.maxMessageSize
            var connection = WebSocketConnection(
                role: .client,
                configuration: configuration,
                extensions: result.extensions.map { $0.makeExtension(role: .client) }
            )
            if responseHead.readableBytes > 0 { connection.receive(responseHead) }
            responseHead = ByteBuffer()
            self.connection = connection
            completeOpened(.success(!result.extensions.isEmpty))
            startWorkload(context: context)
            return true
        } catch {
            fail(context: context, "handshake: \(error)")
            return false
        }
    }

    private func startWorkload(context: ChannelHandlerContext) {
        switch workload {
        case .echo(let plan):
            let now = NIODeadline.now().uptimeNanoseconds
            for _ in 0..<plan.depth where statistics.running { sendEcho(plan, at: now) }
        case .connectCycle:
            try? connection?.close()
        case .idle(let first):
            if let first { send(first) }
        }
        writeOutbound(context: context)
        context.flush()
    }

    private func processEvents(context: ChannelHandlerContext) {
        while let event = connection?.nextEvent() {
            switch event {
            case .text(let payload), .binary(let payload):
                if let echo { receivedEcho(payload, plan: echo) }
            case .ping, .pong, .fragment:
                break
            case .close:
                if case .connectCycle = workload, statistics.running {
                    statistics.operations += 1
                    _ = statistics.latency.record(NIODeadline.now().uptimeNanoseconds - startTime)
                }
                closeExpected = true
                writeOutbound(context: context)
                context.flush()
                context.close(promise: nil)
                return
            case .protocolError(let error):
                writeOutbound(context: context)
                fail(context: context, "protocol error: \(error)")
                return
            }
        }
        writeOutbound(context: context)
    }

    private func receivedEcho(_ payload: ByteBuffer, plan: EchoPlan) {
        let now = NIODeadline.now().uptimeNanoseconds
        let sentAt = sendTimes[receivedCount % plan.depth]
        receivedCount += 1
        statistics.operations += 1
        statistics.bytes += UInt64(payload.readableBytes)
        _ = statistics.latency.record(now - sentAt)
        if plan.verify, payload != plan.payload { statistics.verifyFailures += 1 }
        if statistics.running { sendEcho(plan, at: now) }
    }

    private func sendEcho(_ plan: EchoPlan, at now: UInt64) {
        sendTimes[sentCount % plan.depth] = now
        sentCount += 1
        send(plan)
    }

    /// Queues one message of `plan`.
    private func send(_ plan: EchoPlan) {
        do {
            try connection?.send(plan.opcode, payload: plan.payload)
        } catch {
            statistics.recordError("send: \(error)")
        }
    }

    private func writeOutbound(context: ChannelHandlerContext) {
        while let bytes = connection?.takeOutbound() {
            context.write(wrapOutboundOut(bytes), promise: nil)
        }
    }

    private func fail(context: ChannelHandlerContext, _ description: String) {
        statistics.recordError(description)
        closeExpected = true
        completeOpened(.failure(BenchError.connectionFailed(description)))
        context.flush()
        context.close(promise: nil)
    }

    private func completeOpened(_ result: Result<Bool, any Error>) {
        guard !openedCompleted else { return }
        openedCompleted = true
        opened.completeWith(result)
    }
}

/// Why a benchmark run could not go on.
enum BenchError: Error, CustomStringConvertible {
    /// A connection failed before or during its handshake.
    case connectionFailed(String)
    /// The options do not fit the mode.
    case invalidOptions(String)
    /// The server did not get to the expected state in time.
    case serverStalled(String)

    var description: String {
        switch self {
        case .connectionFailed(let reason): "connection failed: \(reason)"
        case .invalidOptions(let reason), .serverStalled(let reason): reason
        }
    }
}
