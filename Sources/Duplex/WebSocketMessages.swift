import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The messages received on a ``WebSocket``, in order. The sequence finishes when the connection
/// closes, whatever the reason; ``WebSocket/closeStatus`` then says how it ended.
///
/// Every iterator reads from the same queue: a second `for await` loop (after a `break` out of the
/// first, say) continues with the next message, and ``WebSocket/receive()`` takes one message the
/// same way. One task reads at a time: a `next()` called while another task's `next()` is waiting
/// returns `nil` at once and logs a warning.
///
/// Backpressure: at most ``SessionConfiguration/inboundHighWatermark`` messages, and at most
/// ``SessionConfiguration/maxBufferedInboundBytes`` payload bytes plus the message that passed
/// that bound (plus those decoded from one socket read), wait here; past either the transport
/// stops reading from the socket until the consumer has taken the queue down to
/// ``SessionConfiguration/inboundLowWatermark`` messages and to the byte bound. Messages nobody
/// reads therefore hold reading back, as in any bounded queue; closing the connection
/// (``WebSocket/close(code:reason:)``) reads on, so that the peer's close frame is seen.
public struct WebSocketMessages: AsyncSequence, Sendable {
    /// The message type.
    public typealias Element = WebSocketMessage
    /// The sequence never throws.
    public typealias Failure = Never

    typealias Producer = NIOAsyncSequenceProducer<
        WebSocketMessage, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, InboundDemand
    >
    typealias Source = Producer.Source

    let reader: MessageReader

    /// Makes the sequence and the source the channel handler yields into; `demand` is told when to
    /// resume reading and when the consumer went away.
    static func make(session: SessionConfiguration, demand: InboundDemand) -> (WebSocketMessages, Source) {
        let made = Producer.makeSequence(
            elementType: WebSocketMessage.self,
            backPressureStrategy: .init(
                lowWatermark: session.inboundLowWatermark,
                highWatermark: session.inboundHighWatermark
            ),
            finishOnDeinit: true,
            delegate: demand
        )
        let reader = MessageReader(
            iterator: made.sequence.makeAsyncIterator(), demand: demand, logger: session.telemetry?.logger)
        return (WebSocketMessages(reader: reader), made.source)
    }

    /// Creates an iterator; every iterator continues where the previous one stopped.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader)
    }

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// The iterator never throws.
        public typealias Failure = Never

        let reader: MessageReader

        /// The next message, or `nil` once the connection has closed (or while another task is
        /// waiting for a message on the same connection).
        public mutating func next() async -> WebSocketMessage? {
            await reader.next()
        }
    }
}

/// The one reader of a connection's message queue, shared by every iterator of its
/// ``WebSocketMessages``.
///
/// NIO's producer allows a single iterator, made once, and traps when two tasks wait on it at the
/// same time; this keeps that iterator and lets one task at a time use it.
final class MessageReader: @unchecked Sendable {
    private let lock = NIOLock()
    /// Used only by the task that set `isReading`.
    private let iterator: WebSocketMessages.Producer.AsyncIterator
    private var isReading = false
    /// How many messages were returned so far.
    private var returned = 0
    private let demand: InboundDemand
    private let logger: Logger?

    init(iterator: WebSocketMessages.Producer.AsyncIterator, demand: InboundDemand, logger: Logger?) {
        self.iterator = iterator
        self.demand = demand
        self.logger = logger
    }

    /// Whether a task is waiting in ``next()`` now.
    var hasWaitingReader: Bool {
        lock.withLock { isReading }
    }

    /// The next message, or `nil` once the connection has closed or while another task reads.
    func next() async -> WebSocketMessage? {
        let handled = lock.withLock { () -> Int? in
            guard !isReading else { return nil }
            isReading = true
            return returned
        }
        guard let handled else {
            (logger ?? Logger(label: "duplex")).warning(
                "two tasks read messages of one WebSocket at the same time; the second one got nil")
            return nil
        }
        demand.consumerHandled(handled)
        let message = await iterator.next()
        lock.withLock {
            if message != nil { returned += 1 }
            isReading = false
        }
        if let message { demand.consumerTook(bytes: message.byteCount) }
        return message
    }
}

/// Relays the consumer's demand from whatever thread it runs on to the channel handler's event loop,
/// counts the payload bytes waiting in the sequence against
/// ``SessionConfiguration/maxBufferedInboundBytes``, and tells the handler when the consumer has
/// handled the messages delivered before a protocol violation (see
/// ``WebSocketChannelHandler/consumerCaughtUp()``).
final class InboundDemand: NIOAsyncSequenceProducerDelegate {
    private let handler: HandlerReference
    private let maxBufferedBytes: Int
    private let progress = NIOLockedValueBox(Progress())

    private struct Progress {
        /// Messages the consumer is done with: it asked for the one after them.
        var handled = 0
        /// The count of handled messages the handler waits for, if it waits.
        var awaited: Int?
        /// Payload bytes delivered into the sequence and not yet taken by the consumer.
        var bufferedBytes = 0
    }

    init(handler: HandlerReference, maxBufferedBytes: Int) {
        self.handler = handler
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// Whether more bytes wait in the sequence than the bound allows, so reading must stay paused.
    var exceedsByteBound: Bool {
        progress.withLockedValue { $0.bufferedBytes > maxBufferedBytes }
    }

    /// A message of `bytes` payload bytes went into the sequence. Call on the event loop.
    func delivered(bytes: Int) {
        progress.withLockedValue { $0.bufferedBytes += bytes }
    }

    /// The consumer took a message of `bytes` payload bytes; when that brings the buffered bytes
    /// back within the bound, the handler may read again.
    func consumerTook(bytes: Int) {
        let drained = progress.withLockedValue { progress in
            let wasOver = progress.bufferedBytes > maxBufferedBytes
            progress.bufferedBytes -= bytes
            return wasOver && progress.bufferedBytes <= maxBufferedBytes
        }
        if drained { handler.onLoop { $0.inboundBytesDrained() } }
    }

    func produceMore() {
        handler.onLoop { $0.resumeReading() }
    }

    func didTerminate() {
        handler.onLoop { $0.consumerTerminated() }
    }

    /// The consumer asks for the next message, having received `count` so far.
    func consumerHandled(_ count: Int) {
        let caughtUp = progress.withLockedValue { progress in
            progress.handled = count
            guard let awaited = progress.awaited, count >= awaited else { return false }
            progress.awaited = nil
            return true
        }
        if caughtUp { handler.onLoop { $0.consumerCaughtUp() } }
    }

    /// Whether the consumer is done with the first `count` messages; if not, the handler is told
    /// (``WebSocketChannelHandler/consumerCaughtUp()``) once it is. Call on the event loop.
    func hasHandled(_ count: Int) -> Bool {
        progress.withLockedValue { progress in
            if progress.handled >= count { return true }
            progress.awaited = count
            return false
        }
    }
}
