@_spi(Core) import DuplexCore
import NIOConcurrencyHelpers
import NIOCore

/// An open WebSocket connection, client or server side, used from async code.
///
/// Receive with ``messages`` (or one at a time with ``receive()``); send with ``send(_:)``, which
/// suspends while the peer is not keeping up; end with ``close(code:reason:)``. All methods may be
/// called from any task; several tasks may send at once.
public final class WebSocket: Sendable {
    /// The messages received, in order; finishes when the connection closes.
    public let messages: WebSocketMessages
    /// The subprotocol agreed in the handshake, if any.
    public let subprotocol: String?
    /// The extensions agreed in the handshake, in the order the server listed them.
    public let extensions: [any NegotiatedExtension]
    /// The peer's address.
    public let remoteAddress: SocketAddress?
    /// On the client side, the URL the connection was made to: the one given to
    /// ``connect(to:configuration:eventLoopGroup:isolation:_:)``, or where its redirects led. `nil` on the
    /// server side.
    public let url: String?
    /// On the client side, the header fields of the server's 101 response. `nil` on the server
    /// side.
    public let responseHeaders: HeaderFields?
    /// The channel the connection runs on.
    let channel: any Channel
    let handler: HandlerReference
    private let offLoopSends: OffLoopSends
    private let closeStatusBox: NIOLockedValueBox<CloseStatus?>

    init(
        messages: WebSocketMessages,
        subprotocol: String?,
        extensions: [any NegotiatedExtension],
        channel: any Channel,
        handler: HandlerReference,
        offLoopSends: OffLoopSends,
        closeStatus: NIOLockedValueBox<CloseStatus?>,
        clientHandshake: ClientHandshakeOutcome?
    ) {
        self.messages = messages
        self.subprotocol = subprotocol
        self.extensions = extensions
        self.remoteAddress = channel.remoteAddress
        self.url = clientHandshake?.url
        self.responseHeaders = clientHandshake?.responseHeaders
        self.channel = channel
        self.handler = handler
        self.offLoopSends = offLoopSends
        self.closeStatusBox = closeStatus
    }

    /// How the connection ended: the peer's close code and reason (1005 when its close frame had no
    /// code), the code this side failed it with, or 1006 when TCP ended without a close frame.
    /// `nil` while the connection is open.
    public var closeStatus: CloseStatus? {
        closeStatusBox.withLockedValue { $0 }
    }

    /// The next message received, or `nil` once the connection has closed: the same queue as
    /// ``messages``, so the two can be mixed.
    nonisolated(nonsending) public func receive() async -> WebSocketMessage? {
        await messages.reader.next()
    }

    /// Sends a message, suspending while the peer is not keeping up.
    ///
    /// From a task on the connection's event loop (the connection's own task, by default: see
    /// ``SessionConfiguration/runsTaskOnEventLoop``) it returns once the message is written to the
    /// channel, without suspending while the channel is writable; the writes are flushed together
    /// when the task waits for its next message or at the end of the loop turn. From any other task
    /// (another connection's, one without the loop's executor preference) the message is queued
    /// for the loop and `send` returns at once while at most 16 messages and 64 KiB wait there,
    /// else once the loop took the queue down to half of that. Sends from several tasks at once
    /// each go out whole, and one task's messages go out in the order it sent them.
    ///
    /// `compression` chooses, for this message, whether a negotiated permessage-deflate compresses
    /// it: ``MessageCompression/automatic`` (the default) follows the extension's threshold,
    /// ``MessageCompression/always`` and ``MessageCompression/never`` override it. Without
    /// permessage-deflate every message goes out uncompressed, `.always` included: compression is
    /// an optimisation the server may decline in the handshake, and RFC 7692 allows any message to
    /// be sent uncompressed, so code written for a server that compresses keeps working against one
    /// that does not (``extensions`` says what was agreed).
    ///
    /// Throws ``WebSocketError/connectionClosed`` once the connection is closing or closed,
    /// whichever side started it (a send still waiting for its turn then fails the same way; a
    /// message still queued for the loop when the connection closes is dropped).
    nonisolated(nonsending) public func send(
        _ message: WebSocketMessage, compression: MessageCompression = .automatic
    ) async throws {
        let message = OutgoingMessage(message: message, compression: compression)
        // On the channel's event loop (the connection's task prefers it by default) a writable
        // channel takes the message at once: no suspension, no hop.
        if let onLoop = handler.ifOnLoop {
            if try onLoop.sendFromTask(message) { return }
            try await withUnsafeThrowingContinuation { written in onLoop.sendWhenWritable(message, written: written) }
            return
        }
        // Off the loop the message is queued for it, and the sender goes on (or waits, past the bound).
        let (scheduleDrain, mustWait): (Bool, Bool)
        switch offLoopSends.enqueue(message) {
        case .closed: throw WebSocketError.connectionClosed
        case .queued(let schedule): (scheduleDrain, mustWait) = (schedule, false)
        case .full(let schedule): (scheduleDrain, mustWait) = (schedule, true)
        }
        if scheduleDrain { handler.onLoop { $0.drainOffLoopSends() } }
        if mustWait { try await offLoopSends.waitForRoom() }
    }

    /// Sends one message of `kind` whose payload comes from `chunks`, each non-empty chunk as one
    /// frame as soon as it arrives (a final empty frame ends the message): the message is never
    /// held whole. Keep chunks within the peer's frame limit (Duplex's default is 16 MiB).
    ///
    /// `compression` decides for the whole message (see ``MessageCompression``; `.automatic`
    /// compresses a streamed message whenever permessage-deflate was negotiated, its size being
    /// unknown): each chunk is compressed as it leaves, with the connection's DEFLATE stream, and
    /// only the first frame carries RSV1 (RFC 7692 §6.1). A `.text` message's chunks must be UTF-8,
    /// split anywhere (a chunk may end inside a character); they are validated as they arrive.
    ///
    /// Until the message ends, other messages (from any task, and topic publications) wait behind
    /// it; pings, pongs and a close still go out between its frames. Each chunk waits while the
    /// peer is not keeping up.
    ///
    /// A message cannot be taken back once its first frame left, so when the message cannot be
    /// finished, the connection is failed with 1011 and this throws: `CancellationError` when the
    /// task is cancelled (including when `chunks` ends because of it, as an `AsyncStream` does),
    /// what `chunks` throws, and ``WebSocketError/invalidUTF8InTextChunks`` for text that is not
    /// UTF-8 (the chunk holding the bad byte is not sent). Throws
    /// ``WebSocketError/connectionClosed`` once the connection is closing or closed (a send waiting
    /// for `chunks` learns of it when the next chunk, or the end, comes).
    nonisolated(nonsending) public func send<Chunks: AsyncSequence>(
        _ kind: WebSocketMessage.Kind, chunks: Chunks, compression: MessageCompression = .automatic
    ) async throws where Chunks.Element == ByteBuffer {
        try await withUnsafeThrowingContinuation { started in handler.onLoop { $0.beginStreamedSend(started: started) } }
        var validator = kind == .text ? UTF8Validator() : nil
        var opcode: Opcode = kind == .text ? .text : .binary
        do {
            for try await chunk in chunks where chunk.readableBytes > 0 {
                if validator?.validate(chunk) == false { throw WebSocketError.invalidUTF8InTextChunks }
                try Task.checkCancellation()
                try await sendFragment(opcode, chunk, isFinal: false, compression: compression)
                opcode = .continuation
            }
            try Task.checkCancellation()
            if validator?.isComplete == false { throw WebSocketError.invalidUTF8InTextChunks }
        } catch {
            handler.onLoop { $0.abandonStreamedSend() }
            throw error
        }
        try await sendFragment(opcode, ByteBuffer(), isFinal: true, compression: compression)
    }

    /// Sends one fragment of a streamed message, waiting until the channel can take the next.
    nonisolated(nonsending) private func sendFragment(
        _ opcode: Opcode, _ payload: ByteBuffer, isFinal: Bool, compression: MessageCompression
    ) async throws {
        try await withUnsafeThrowingContinuation { written in
            handler.onLoop {
                $0.sendFragment(opcode, payload: payload, isFinal: isFinal, compression: compression, written: written)
            }
        }
    }

    /// The next message received, as a stream of its payload's chunks, or `nil` once the
    /// connection has closed: the same queue as ``messages`` and ``receive()``, so they can be mixed.
    ///
    /// To receive a message without holding it whole, set
    /// ``ConnectionConfiguration/deliversFragments`` (`session.connection.deliversFragments`): each
    /// chunk is then one frame's payload as it is decoded, bounded by `maxFrameSize`, while
    /// `maxMessageSize` bounds the message (raise it for large streams). Without it, a message
    /// arrives whole, as one chunk. See ``WebSocketMessageStream`` for what ends a stream early.
    nonisolated(nonsending) public func receiveStreaming() async -> WebSocketMessageStream? {
        await messages.reader.nextStream()
    }

    /// Sends a text message.
    nonisolated(nonsending) public func send(text: String) async throws {
        try await send(.text(text))
    }

    /// Sends a binary message.
    nonisolated(nonsending) public func send(binary: ByteBuffer) async throws {
        try await send(.binary(binary))
    }

    /// Sends a ping and waits for its pong; returns the round-trip time, from when the ping was
    /// written to the channel until its pong was read.
    ///
    /// `payload` (at most 125 bytes, else `UsageError.controlPayloadTooLong`) is what the pong must
    /// carry back; by default it is 8 bytes that no other ping of this connection carries. A pong
    /// answers the ping with its payload and every ping sent before it (RFC 6455 §5.5.3 lets a
    /// peer answer only the latest of several), each with its own round-trip time; a pong that
    /// matches no waiting ping (an unsolicited heartbeat) answers none, and is seen only by
    /// ``pongs()``. Several pings may wait at once, but not two with the same payload: the second
    /// throws ``WebSocketError/pingPayloadInUse``.
    ///
    /// Throws ``WebSocketError/connectionClosed`` when the connection is closing or closed, also
    /// when the close handshake starts (either side) before the pong arrives; `CancellationError`
    /// when the calling task is cancelled while it waits (a pong arriving later answers nothing).
    /// It never waits longer than the connection lives.
    @discardableResult
    nonisolated(nonsending) public func ping(_ payload: ByteBuffer? = nil) async throws -> Duration {
        let waiter = PingWaiter()
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { answered in
                guard waiter.install(answered) else { return }
                handler.onLoop { $0.ping(payload, waiter: waiter) }
            }
        } onCancel: {
            waiter.cancel()
        }
    }

    /// The pongs this connection receives from now on, answers to ``ping(_:)`` or not (keepalive
    /// pings', and unsolicited ones), as their payloads, in order.
    ///
    /// One observer at a time: a second call finishes the sequence the first returned. The
    /// sequence keeps the latest 16 pongs its reader has not taken (older ones are dropped, so a
    /// peer flooding pongs cannot fill memory), and finishes when the close handshake starts or the
    /// connection ends. Called off the connection's event loop, it observes from when the loop
    /// registers it: a ``ping(_:)`` made after this call in the same task is always seen.
    public func pongs() -> AsyncStream<ByteBuffer> {
        let (pongs, observer) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingNewest(16))
        handler.onLoop { $0.observePongs(observer) }
        return pongs
    }

    /// Starts the close handshake with `code` and `reason` (at most 123 bytes of UTF-8), unless it
    /// already started, and waits until the connection is closed: the peer's close frame arrived
    /// and TCP ended, or the close timeout expired. Then ``closeStatus`` says how it ended.
    public func close(code: CloseCode = .normalClosure, reason: String = "") async throws {
        let closed = handler.flatSubmit { handler in
            do {
                try handler.initiateClose(code: code, reason: reason)
                return handler.closeFuture
            } catch {
                return handler.eventLoop.makeFailedFuture(error)
            }
        }
        do {
            try await closed.get()
        } catch WebSocketError.connectionClosed {
            return
        }
    }

    /// Closes TCP at once, without the close handshake (for a peer that misbehaves); the
    /// connection ends with 1006.
    public func abort() {
        handler.onLoop { $0.abort() }
    }

    /// Starts the close handshake without waiting (for cancellation handlers).
    func startClose(code: CloseCode, reason: String) {
        handler.onLoop { try? $0.initiateClose(code: code, reason: reason) }
    }

    /// Runs `body` with this connection, then closes it: 1000 when `body` returns, 1011 when it
    /// throws, 1001 when the task is cancelled (cancellation starts the close right away, which
    /// also ends ``messages``).
    nonisolated(nonsending) func run<Result>(_ body: (WebSocket) async throws -> Result) async throws -> Result {
        do {
            let result = try await withTaskCancellationHandler {
                try await body(self)
            } onCancel: {
                self.startClose(code: .goingAway, reason: "")
            }
            try? await close(code: Task.isCancelled ? .goingAway : .normalClosure)
            return result
        } catch {
            try? await close(code: Task.isCancelled ? .goingAway : .internalError)
            throw error
        }
    }
}

/// What a client's handshake leaves on its ``WebSocket``.
struct ClientHandshakeOutcome {
    /// The URL connected to, after redirects.
    var url: String
    /// The 101 response's header fields.
    var responseHeaders: HeaderFields
}

extension WebSocket {
    /// Bytes that messages sent from tasks off the connection's event loop may occupy on their way to
    /// it before ``send(_:)`` waits: 64 KiB, the channel's default write buffer bound.
    static let offLoopSendBound = 64 << 10
    /// Messages sent from tasks off the connection's event loop that may wait for it before
    /// ``send(_:)`` waits: enough to batch a burst, few enough that a sender outrunning the loop
    /// cannot queue seconds of work ahead of the loop's other connections.
    static let offLoopSendMaxMessages = 16

    /// Makes the channel handler for a connection whose handshake just completed, and the
    /// ``WebSocket`` the application uses (`nil` for a loop-bound `eventHandler`). Call on the
    /// channel's event loop, then add the handler to the pipeline.
    static func makeConnection(
        channel: any Channel,
        role: Role,
        session: SessionConfiguration,
        subprotocol: String?,
        extensions: [any NegotiatedExtension],
        eventHandler: (any WebSocketEventHandler)?,
        clientHandshake: ClientHandshakeOutcome? = nil
    ) -> (WebSocketChannelHandler, WebSocket?) {
        // The channel handler answers pings itself, so that a peer that floods pings without
        // reading gets only the latest one answered.
        var protocolConfiguration = session.connection
        protocolConfiguration.automaticPong = false
        // An event handler gets whole messages.
        if eventHandler != nil { protocolConfiguration.deliversFragments = false }
        let connection = WebSocketConnection(
            role: role,
            configuration: protocolConfiguration,
            extensions: extensions.map { $0.makeExtension(role: role) }
        )
        let closeStatus = NIOLockedValueBox<CloseStatus?>(nil)
        if let eventHandler {
            let handler = WebSocketChannelHandler(
                connection: connection, session: session, consumer: .handler(eventHandler),
                closeStatus: closeStatus, eventLoop: channel.eventLoop
            )
            return (handler, nil)
        }
        let queue = InboundQueue(
            lowWatermark: session.inboundLowWatermark, highWatermark: session.inboundHighWatermark,
            maxBufferedBytes: session.maxBufferedInboundBytes
        )
        let offLoopSends = OffLoopSends(bound: Self.offLoopSendBound, maxMessages: Self.offLoopSendMaxMessages)
        let handler = WebSocketChannelHandler(
            connection: connection, session: session, consumer: .stream(queue), offLoopSends: offLoopSends,
            closeStatus: closeStatus, eventLoop: channel.eventLoop
        )
        let reference = HandlerReference(handler)
        queue.attach(reference)
        let messages = WebSocketMessages(reader: MessageReader(queue: queue, logger: session.telemetry?.logger))
        let webSocket = WebSocket(
            messages: messages, subprotocol: subprotocol, extensions: extensions,
            channel: channel, handler: reference, offLoopSends: offLoopSends, closeStatus: closeStatus,
            clientHandshake: clientHandshake
        )
        return (handler, webSocket)
    }
}
