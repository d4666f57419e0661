@_spi(Core) import DuplexCore
import NIOConcurrencyHelpers
import NIOCore

/// Drives one ``WebSocketConnection`` on its channel's event loop: feeds it the bytes read, hands
/// the events to the consumer, writes what it produces (flushed once per read burst), keeps the
/// close, keepalive, pong, idle and deferred-failure deadlines (in its loop's
/// ``DeadlineSweeper``), and applies backpressure both ways.
final class WebSocketChannelHandler: ChannelDuplexHandler, RemovableChannelHandler, DeadlineSweeperClient {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = Never
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Who receives the connection's messages.
    enum Consumer {
        /// The async ``WebSocket/messages`` sequence.
        case stream(InboundQueue)
        /// A handler called on the event loop.
        case handler(any WebSocketEventHandler)
    }

    /// The event loop everything here runs on.
    let eventLoop: any EventLoop
    private var connection: WebSocketConnection
    private let session: SessionConfiguration
    private var consumer: Consumer?
    private let closeStatusBox: NIOLockedValueBox<CloseStatus?>
    private var context: ChannelHandlerContext?

    private var inReadBurst = false
    private var needsFlush = false
    /// Whether a loop task is scheduled to flush what tasks sent (``flushTaskWrites()``).
    private var taskFlushScheduled = false
    private var readPaused = false
    private var readPending = false
    private var ignoresBackpressure = false
    // Next to the flags above, in what would be padding.
    /// Whether a task is sending a streamed message (``beginStreamedSend(started:)``): until its
    /// final fragment, other messages wait in ``queuedSends``.
    private var streamingSend = false
    /// Set once the connection is closing or closed: pings and pong observers are refused.
    private var waitersFailed = false
    /// Async sends waiting for the channel to become writable, in the order they arrived. Room for
    /// one at first (it grows by doubling): most connections never wait, and the default 16 slots
    /// cost an idle connection 544 bytes.
    private var queuedSends = CircularBuffer<QueuedSend>(initialCapacity: 1)
    /// What tasks off the event loop sent, for the async consumer (``drainOffLoopSends()``).
    let offLoopSends: OffLoopSends?
    /// The streaming task, waiting for the channel to become writable before its next fragment.
    private var streamWaiter: UnsafeContinuation<Void, any Error>?
    private var localFailure: CloseStatus?
    private var transportClosing = false
    /// While the HTTP handlers are still being removed, bytes stay queued in the connection (an
    /// HTTP handler in the pipeline would not accept them); see ``releaseWrites()``.
    private var writesHeld = true
    private var closeWhenReleased = false
    /// The latest ping received while the channel was not writable, answered once it is; earlier
    /// ones are not answered (RFC 6455 §5.5.3 allows answering only the most recent ping).
    private var unansweredPing: ByteBuffer?
    /// Messages handed to the consumer so far.
    private var delivered = 0
    /// The pings of ``WebSocket/ping(_:)`` waiting for their pongs, and the pong observer: made by
    /// the first ping or observer, so that a connection that has neither pays 8 bytes for them.
    private var pings: PendingPings?

    /// Every deadline of the connection; a change re-arms the earliest in ``sweeper`` (O(1), no
    /// allocation: NIO `Scheduled` tasks, one per deadline, made each handshake and close cost
    /// O(connections on the loop), since NIO cancels by a linear search).
    private var deadlines = ConnectionDeadlines() {
        didSet { if !ended { sweeper.arm(self, at: deadlines.earliest) } }
    }
    private let sweeper: DeadlineSweeper
    /// Managed by ``sweeper``.
    var deadlineSlot = DeadlineSweeper.Slot()
    /// Set once the connection is over: no deadline is armed again.
    private var ended = false
    private var lastReceived = NIODeadline.now()
    private var traffic = TrafficCounts()

    init(
        connection: WebSocketConnection,
        session: SessionConfiguration,
        consumer: Consumer,
        offLoopSends: OffLoopSends? = nil,
        closeStatus: NIOLockedValueBox<CloseStatus?>,
        eventLoop: any EventLoop
    ) {
        self.connection = connection
        self.session = session
        self.consumer = consumer
        self.offLoopSends = offLoopSends
        self.closeStatusBox = closeStatus
        self.eventLoop = eventLoop
        self.sweeper = DeadlineSweeper.on(eventLoop)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if let metrics = session.telemetry?.metrics {
            metrics.accepted.increment()
            metrics.open.increment()
        }
        let now = NIODeadline.now()
        deadlines.keepalive = session.pingInterval.map { now + $0 }
        deadlines.idle = session.idleTimeout.map { now + $0 }
        if case .handler(let handler) = consumer {
            handler.onOpen(WebSocketLoopSender(handler: self))
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stopDeadlines()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadBurst = true
        if session.idleTimeout != nil { lastReceived = .now() }
        let bytes = unwrapInboundIn(data)
        traffic.bytesReceived += bytes.readableBytes
        connection.receive(bytes)
        drainEvents()
        writeOutbound()
        closeTransportIfDone()
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.failPending()
        connection.receiveEOF()
        drainEvents()
        end()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ServerShutdownEvent || event is ChannelShouldQuiesceEvent {
            try? initiateClose(code: .goingAway, reason: "server shutting down")
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            connection.receiveEOF()
            drainEvents()
            closeTransport()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closeTransport()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            answerUnansweredPing()
            if let waiter = streamWaiter {
                streamWaiter = nil
                waiter.resume()
            }
            writeQueuedSends(context: context)
            drainOffLoopSends()
        }
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if mayRead {
            context.read()
        } else {
            readPending = true
        }
    }

    // MARK: Sending (on the event loop)

    /// Queues a message; the write is flushed now unless a read burst is in progress.
    func send(_ message: WebSocketMessage, compression: MessageCompression) throws(UsageError) {
        try encode(OutgoingMessage(message: message, compression: compression))
        messageQueued()
    }

    /// Queues `outgoing`'s frames in the connection.
    private func encode(_ outgoing: OutgoingMessage) throws(UsageError) {
        let (opcode, payload) = outgoing.message.opcodeAndPayload
        try connection.send(opcode, payload: payload, compression: outgoing.compression)
    }

    /// Queues a message published to a topic: `frame` when it was encoded once for many
    /// connections, otherwise `message`, encoded here. When the message would take the write buffer
    /// of a peer that is not reading past ``SessionConfiguration/maxQueuedOutboundBytes``, `overflow`
    /// decides. Returns `false` when the message was dropped for that reason.
    func publish(_ message: WebSocketMessage, frame: ByteBuffer?, overflow: TopicOverflowPolicy) -> Bool {
        guard connection.state == .open, let context else { return true }
        if exceedsOutboundLimit(adding: frame?.readableBytes ?? message.opcodeAndPayload.1.readableBytes, context: context) {
            guard case .closeSubscriber(let code) = overflow else { return false }
            fail(with: CloseStatus(code: code, reason: "subscriber too slow"))
            return true
        }
        // A streamed message is going out: the publication follows it.
        if streamingSend {
            queuedSends.append(QueuedSend(message: OutgoingMessage(message: message, compression: .automatic), written: nil))
            return true
        }
        do {
            if let frame {
                try connection.sendEncoded(frame)
            } else {
                let (opcode, payload) = message.opcodeAndPayload
                try connection.send(opcode, payload: payload)
            }
        } catch {
            return true
        }
        messageQueued()
        return true
    }

    /// Counts a message just queued in the connection and writes it (flushed unless in a read burst).
    private func messageQueued() {
        traffic.messagesSent += 1
        writeOutboundAndFlush()
    }

    /// Whether adding `size` bytes would take what waits for a peer that is not reading past
    /// ``SessionConfiguration/maxQueuedOutboundBytes`` (never while the channel is writable). While
    /// writes are held (the hand-over from the HTTP handlers), what waits is in the connection.
    private func exceedsOutboundLimit(adding size: Int, context: ChannelHandlerContext) -> Bool {
        if writesHeld { return connection.pendingOutboundByteCount + size > session.maxQueuedOutboundBytes }
        guard !context.channel.isWritable else { return false }
        let queued = (try? context.channel.syncOptions?.getOption(.bufferedWritableBytes)) ?? 0
        return queued + size > session.maxQueuedOutboundBytes
    }

    /// An async send waiting for its turn: `written` is the waiting task's, `nil` for a message
    /// queued off the loop that must go out before a later send on the loop (or a publication
    /// behind a streamed message). A `nil` message is a streamed message waiting to start.
    private struct QueuedSend {
        let message: OutgoingMessage?
        let written: UnsafeContinuation<Void, any Error>?
    }

    /// Writes a message for a task when the channel is writable and no earlier send waits: returns
    /// `true` then, `false` when the task must wait its turn (``sendWhenWritable(_:written:)``).
    /// The write is flushed when the task waits for a message (``flushTaskWrites()``), at the end of
    /// the read burst, or on the next loop turn, whichever comes first: the replies to one burst of
    /// messages leave in one write. Throws ``WebSocketError/connectionClosed`` once the connection
    /// is closing or closed.
    func sendFromTask(_ message: OutgoingMessage) throws -> Bool {
        guard let context, context.channel.isActive, connection.state == .open else {
            throw WebSocketError.connectionClosed
        }
        queueEarlierOffLoopSends()
        guard queuedSends.isEmpty, !streamingSend, context.channel.isWritable else { return false }
        try queueForTask(message)
        return true
    }

    /// What the calling task sent off the loop goes before what it sends now: what cannot be
    /// written at once waits in `queuedSends`, ahead of it.
    private func queueEarlierOffLoopSends() {
        guard let remaining = drainOffLoopSends(), remaining > 0, let offLoopSends else { return }
        for _ in 0..<remaining {
            guard let earlier = offLoopSends.popFirst() else { break }
            queuedSends.append(QueuedSend(message: earlier, written: nil))
        }
    }

    /// Writes what tasks off the loop queued before this call, oldest first, while the channel is
    /// writable and no send on the loop waits for its turn; returns how many of those still wait
    /// (`nil` for a connection without the queue).
    @discardableResult
    func drainOffLoopSends() -> Int? {
        guard let offLoopSends, let context else { return nil }
        var remaining = offLoopSends.beginDrain()
        while remaining > 0, queuedSends.isEmpty, !streamingSend, context.channel.isWritable,
            let message = offLoopSends.popFirst()
        {
            remaining -= 1
            // Fails only once the connection is closing, and then `offLoopSends` is closed too.
            try? queueForTask(message)
        }
        return remaining
    }

    /// Writes a message for a task as ``sendFromTask(_:)`` does, or queues it behind earlier ones
    /// while the channel is not writable; `written` is resumed once it is written, or with
    /// ``WebSocketError/connectionClosed`` once the connection is closing or closed.
    func sendWhenWritable(_ message: OutgoingMessage, written: UnsafeContinuation<Void, any Error>) {
        do {
            if try sendFromTask(message) {
                written.resume()
            } else {
                queuedSends.append(QueuedSend(message: message, written: written))
            }
        } catch {
            written.resume(throwing: error)
        }
    }

    /// Queues a task's message in the connection and writes it, flushing later.
    private func queueForTask(_ message: OutgoingMessage) throws {
        do {
            try encode(message)
        } catch {
            throw Self.sendError(error)
        }
        traffic.messagesSent += 1
        writeOutbound()
        guard needsFlush, !inReadBurst, !taskFlushScheduled, let context else { return }
        taskFlushScheduled = true
        context.eventLoop.assumeIsolated().execute { self.flushTaskWrites() }
    }

    /// Flushes what tasks wrote; called before a task waits for a message, and on the loop turn
    /// after a task's write.
    func flushTaskWrites() {
        taskFlushScheduled = false
        if !inReadBurst { flushIfNeeded() }
    }

    /// Writes queued sends, oldest first, while the channel stays writable, until a streamed
    /// message's turn comes: it starts, and the sends behind it wait for its end.
    private func writeQueuedSends(context: ChannelHandlerContext) {
        while !streamingSend, context.channel.isWritable, let next = queuedSends.popFirst() {
            guard let message = next.message else {
                streamingSend = true
                next.written?.resume()
                return
            }
            do {
                try queueForTask(message)
                next.written?.resume()
            } catch {
                next.written?.resume(throwing: error)
            }
        }
    }

    private func writeQueuedSendsIfWritable() {
        if let context { writeQueuedSends(context: context) }
    }

    /// The connection is closing or closed: fails every queued send and every ping waiting for its
    /// pong, and finishes the pong observer.
    private func failWaiters() {
        while let next = queuedSends.popFirst() { next.written?.resume(throwing: WebSocketError.connectionClosed) }
        offLoopSends?.close()
        streamWaiter?.resume(throwing: WebSocketError.connectionClosed)
        streamWaiter = nil
        waitersFailed = true
        pings?.fail(with: WebSocketError.connectionClosed)
    }

    /// The error an async send gets: a closing or closed connection is one error, whichever side
    /// started the close.
    private static func sendError(_ error: UsageError) -> any Error {
        error == .alreadyClosed ? WebSocketError.connectionClosed : error
    }

    // MARK: Streamed messages (``WebSocket/send(_:chunks:compression:)``)

    /// Starts a task's streamed message once the sends before it went out: `started` resumes when
    /// the task may send its fragments, during which other messages wait (control frames do not),
    /// or with ``WebSocketError/connectionClosed``.
    func beginStreamedSend(started: UnsafeContinuation<Void, any Error>) {
        guard let context, context.channel.isActive, connection.state == .open else {
            return started.resume(throwing: WebSocketError.connectionClosed)
        }
        queueEarlierOffLoopSends()
        if queuedSends.isEmpty, !streamingSend, context.channel.isWritable {
            streamingSend = true
            started.resume()
        } else {
            queuedSends.append(QueuedSend(message: nil, written: started))
        }
    }

    /// Writes and flushes one fragment of the streamed message; `written` resumes once the channel
    /// can take the next one (at once while it is writable). The final fragment ends the message and
    /// lets the sends that waited go out.
    func sendFragment(
        _ opcode: Opcode, payload: ByteBuffer, isFinal: Bool, compression: MessageCompression,
        written: UnsafeContinuation<Void, any Error>
    ) {
        guard streamingSend, let context, context.channel.isActive else {
            return written.resume(throwing: WebSocketError.connectionClosed)
        }
        do {
            try connection.sendFragment(opcode, payload: payload, isFinal: isFinal, compression: compression)
        } catch {
            // An extension that failed in the middle of the message failed the connection.
            if connection.state == .closed, let status = connection.closeStatus { fail(with: status) }
            return written.resume(throwing: Self.sendError(error))
        }
        writeOutboundAndFlush()
        guard !isFinal else {
            traffic.messagesSent += 1
            streamingSend = false
            written.resume()
            writeQueuedSends(context: context)
            drainOffLoopSends()
            return
        }
        if context.channel.isWritable {
            written.resume()
        } else {
            streamWaiter = written
        }
    }

    /// The streaming task gave up on its message (cancelled, or its chunks failed or were not
    /// UTF-8): a message cannot be taken back, so the connection is failed with 1011.
    func abandonStreamedSend() {
        guard streamingSend else { return }
        try? initiateClose(code: .internalError, reason: "message not finished")
    }

    /// Queues a ping.
    func ping(_ payload: ByteBuffer) throws(UsageError) {
        try connection.ping(payload)
        writeOutboundAndFlush()
    }

    /// Sends a ping for ``WebSocket/ping(_:)`` with `payload` (by default 8 bytes numbering it
    /// among this connection's pings); `waiter` gets the round-trip time when its pong arrives
    /// (``PendingPings``), or the error that kept it from being sent or answered.
    func ping(_ payload: ByteBuffer?, waiter: PingWaiter) {
        guard !waitersFailed, connection.state == .open else {
            return waiter.resume(with: .failure(WebSocketError.connectionClosed))
        }
        let pings = self.pings ?? PendingPings()
        self.pings = pings
        let payload = payload ?? pings.nextPayload()
        guard !pings.isWaiting(for: payload) else { return waiter.resume(with: .failure(WebSocketError.pingPayloadInUse)) }
        do {
            try connection.ping(payload)
        } catch {
            return waiter.resume(with: .failure(Self.sendError(error)))
        }
        pings.sent(payload, at: .now(), waiter: waiter)
        writeOutboundAndFlush()
    }

    /// Hands the pongs received from now on to `observer` (``WebSocket/pongs()``), instead of to
    /// the previous observer, which finishes; finishes it at once when the connection is closing or closed.
    func observePongs(_ observer: AsyncStream<ByteBuffer>.Continuation) {
        if waitersFailed {
            observer.finish()
        } else {
            let pings = self.pings ?? PendingPings()
            self.pings = pings
            pings.observe(with: observer)
        }
    }

    /// Starts the close handshake unless it already started, and arms the close timer. From now on
    /// the socket is read regardless of the consumer's demand, so that the peer's close is seen.
    func initiateClose(code: CloseCode, reason: String) throws(UsageError) {
        guard connection.state == .open else { return }
        // Messages sent before the close go out before it.
        writeQueuedSendsIfWritable()
        drainOffLoopSends()
        try connection.close(code: code, reason: reason)
        failWaiters()
        stopBackpressure()
        failPending()
        writeOutboundAndFlush()
        armCloseTimer()
        closeTransportIfDone()
    }

    /// Closes TCP at once, without the close handshake; the connection ends with 1006.
    func abort() {
        transportClosing = true
        context?.close(promise: nil)
    }

    /// Resolves when the channel is closed.
    var closeFuture: EventLoopFuture<Void> {
        context?.channel.closeFuture ?? eventLoop.makeSucceededVoidFuture()
    }

    /// Flushes pending writes and ends the current read burst; called at `channelReadComplete` and
    /// after the bytes forwarded during the upgrade (which no `channelReadComplete` follows).
    func flushIfNeeded() {
        inReadBurst = false
        if let metrics = session.telemetry?.metrics { traffic.report(to: metrics) }
        if needsFlush, let context {
            needsFlush = false
            context.flush()
        }
    }

    /// The HTTP handlers are gone: write what was queued meanwhile, and from now on write directly.
    func releaseWrites() {
        writesHeld = false
        answerUnansweredPing()
        writeOutbound()
        flushIfNeeded()
        if closeWhenReleased {
            closeTransport()
        } else {
            closeTransportIfDone()
        }
    }

    /// The consumer asked for more messages: resume reading, unless too many bytes still wait.
    func resumeReading() {
        readPaused = false
        readIfPending()
    }

    /// The consumer stopped listening: deliver nothing more, and keep reading so that the close
    /// handshake and pings still work.
    func consumerTerminated() {
        if case .stream = consumer { consumer = nil }
        stopBackpressure()
        failPending()
    }

    /// The consumer is done with every message delivered before a protocol violation: the close
    /// frame can follow its replies now.
    func consumerCaughtUp() {
        failPending()
    }

    // MARK: Internals

    private func stopBackpressure() {
        ignoresBackpressure = true
        resumeReading()
    }

    /// Whether reading from the socket may go on: the consumer is not behind by more messages than
    /// the high watermark nor by more bytes than the byte bound (or backpressure is off).
    private var mayRead: Bool {
        ignoresBackpressure || !readPaused
    }

    private func readIfPending() {
        guard readPending, mayRead, let context else { return }
        readPending = false
        context.read()
    }

    /// Hands the parsed events to the consumer. A protocol violation found behind messages the async
    /// consumer has not handled yet is deferred until it has (or the close timeout passes), so that
    /// its replies to them go out before the close frame; meanwhile nothing more is parsed.
    private func drainEvents() {
        var defersFailure = false
        if case .stream = consumer { defersFailure = true }
        while let event = connection.nextEvent(deferringFailure: defersFailure) {
            switch event {
            case .text(let bytes):
                deliver(.message(.text(String(buffer: bytes))))
            case .binary(let bytes):
                deliver(.message(.binary(bytes)))
            case .fragment(let opcode, let payload, let isFinal):
                let kind: WebSocketMessage.Kind? = opcode == .continuation ? nil : opcode == .text ? .text : .binary
                deliver(.fragment(kind: kind, payload: payload, isFinal: isFinal))
            case .ping(let payload):
                answer(ping: payload)
            case .pong(let payload):
                deadlines.pong = nil
                pings?.received(payload, at: .now())
                if case .handler(let handler) = consumer {
                    handler.onPong(payload, sender: WebSocketLoopSender(handler: self))
                }
            case .close:
                protocolEnded()
            case .protocolError:
                if case .stream(let queue) = consumer, !queue.hasHandled(delivered) {
                    deadlines.deferredFailure = .now() + session.closeTimeout
                    return
                }
                connection.failPending()
                protocolEnded()
            }
        }
    }

    /// Answers a ping when automatic pongs are on: at once while the channel is writable, else
    /// later, keeping only the latest, so that a ping flood from a peer that does not read queues
    /// at most one pong.
    private func answer(ping payload: ByteBuffer) {
        guard session.connection.automaticPong else { return }
        // While writes are held (the upgrade hand-over) pongs could only pile up in the connection.
        if !writesHeld, context?.channel.isWritable ?? false {
            try? connection.pong(payload)
        } else {
            unansweredPing = payload
        }
    }

    /// Answers the ping kept while the channel was not writable (or writes were held), if any.
    private func answerUnansweredPing() {
        guard let payload = unansweredPing else { return }
        unansweredPing = nil
        try? connection.pong(payload)
        writeOutboundAndFlush()
    }

    /// Acts on a deferred protocol violation, if any: queues its close frame, ends the stream and
    /// closes TCP.
    private func failPending() {
        guard connection.pendingFailure != nil else { return }
        deadlines.deferredFailure = nil
        connection.failPending()
        protocolEnded()
        writeOutboundAndFlush()
        closeTransportIfDone()
    }

    /// The protocol ended (the peer's close arrived, or the connection failed): publish the status,
    /// end the message stream, and give the transport until the close timeout to close.
    private func protocolEnded() {
        failWaiters()
        closeStatusBox.withLockedValue { $0 = connection.closeStatus }
        finishStream()
        armCloseTimer()
    }

    /// Hands a message, or a fragment of one, to the consumer (fragments only ever go to the async
    /// consumer: ``WebSocket/makeConnection(channel:role:session:subprotocol:extensions:eventHandler:)``
    /// turns them off for an event handler).
    private func deliver(_ item: InboundItem) {
        if item.endsMessage { traffic.messagesReceived += 1 }
        switch consumer {
        case .stream(let queue):
            delivered += 1
            if !queue.deliver(item) { readPaused = true }
        case .handler(let handler):
            if case .message(let message) = item { handler.onMessage(message, sender: WebSocketLoopSender(handler: self)) }
        case nil:
            break
        }
    }

    private func finishStream() {
        if case .stream(let queue) = consumer {
            queue.finish()
            consumer = nil
        }
    }

    private func writeOutbound() {
        guard let context else { return }
        if writesHeld {
            // The bytes wait in the connection until the HTTP handlers are gone, under the same bound.
            if exceedsOutboundLimit(adding: 0, context: context) {
                fail(with: CloseStatus(code: .policyViolation, reason: "peer not reading"))
            }
            return
        }
        let size = connection.pendingOutboundByteCount
        guard size > 0 else { return }
        if exceedsOutboundLimit(adding: size, context: context) {
            fail(with: CloseStatus(code: .policyViolation, reason: "peer not reading"))
            return
        }
        traffic.bytesSent += size
        while let bytes = connection.takeOutbound() { context.write(wrapOutboundOut(bytes), promise: nil) }
        needsFlush = true
    }

    private func writeOutboundAndFlush() {
        writeOutbound()
        if !inReadBurst { flushIfNeeded() }
    }

    /// Closes the TCP connection once the protocol says so, after the queued bytes are written.
    private func closeTransportIfDone() {
        if connection.shouldCloseTransport { closeTransport() }
    }

    private func closeTransport() {
        if writesHeld {
            closeWhenReleased = true
            return
        }
        guard !transportClosing, let context else { return }
        transportClosing = true
        needsFlush = false
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        armCloseTimer()
    }

    /// Ends the connection from this side for a reason the peer did not cause (a keepalive pong
    /// that never came, a peer that does not read): sends a close frame if possible, and closes TCP
    /// without waiting.
    private func fail(with status: CloseStatus) {
        guard let context, localFailure == nil else { return }
        localFailure = status
        closeStatusBox.withLockedValue { $0 = status }
        try? connection.close(code: status.code, reason: status.reason)
        failWaiters()
        finishStream()
        if !writesHeld, status.code != .policyViolation {
            while let bytes = connection.takeOutbound() { context.write(wrapOutboundOut(bytes), promise: nil) }
        }
        transportClosing = true
        context.flush()
        context.close(promise: nil)
    }

    private func armCloseTimer() {
        guard deadlines.close == nil, context != nil else { return }
        deadlines.close = .now() + session.closeTimeout
    }

    /// The earliest deadline passed: acts on each one that has (the callback may end the
    /// connection, after which nothing more is done).
    func deadlineReached(now: NIODeadline) {
        if let close = deadlines.close, close <= now {
            stopDeadlines()
            context?.close(promise: nil)
            return
        }
        if let deferredFailure = deadlines.deferredFailure, deferredFailure <= now {
            failPending()
        }
        if let pong = deadlines.pong, pong <= now {
            stopDeadlines()
            fail(with: CloseStatus(code: .internalError, reason: "keepalive ping timeout"))
            return
        }
        if let idle = deadlines.idle, idle <= now, let timeout = session.idleTimeout {
            if now - lastReceived >= timeout {
                deadlines.idle = nil
                try? initiateClose(code: .goingAway, reason: "idle timeout")
            } else {
                deadlines.idle = lastReceived + timeout
            }
        }
        if let keepalive = deadlines.keepalive, keepalive <= now, let interval = session.pingInterval {
            sendKeepalivePing(now: now)
            deadlines.keepalive = now + interval
        }
        // The sweeper disarmed this connection before calling: arm what is left.
        if !ended { sweeper.arm(self, at: deadlines.earliest) }
    }

    /// Sends a keepalive ping, unless one is still waiting for its pong, and arms the pong deadline.
    private func sendKeepalivePing(now: NIODeadline) {
        guard connection.state == .open, deadlines.pong == nil else { return }
        do {
            try connection.ping()
        } catch {
            return
        }
        writeOutboundAndFlush()
        deadlines.pong = now + session.pongTimeout
    }

    /// Disarms every deadline for good.
    private func stopDeadlines() {
        ended = true
        sweeper.disarm(self)
    }

    /// The connection is over: stop the deadlines, release waiting senders, publish the final status
    /// and tell the consumer.
    private func end() {
        stopDeadlines()
        let status = localFailure ?? connection.closeStatus ?? CloseStatus(code: .abnormalClosure)
        closeStatusBox.withLockedValue { $0 = status }
        if let telemetry = session.telemetry {
            if let metrics = telemetry.metrics {
                traffic.report(to: metrics)
                metrics.open.decrement()
                metrics.closed(code: status.code)
            }
            telemetry.logger.debug("connection closed: \(status.code.rawValue) \(status.reason)")
        }
        failWaiters()
        switch consumer {
        case .stream(let queue):
            queue.finish()
        case .handler(let handler):
            handler.onClose(status)
        case nil:
            break
        }
        consumer = nil
    }
}
