import NIOConcurrencyHelpers
import NIOCore

/// The messages received on a ``WebSocket``, in order. The sequence finishes when the connection
/// closes, whatever the reason; ``WebSocket/closeStatus`` then says how it ended.
///
/// Backpressure: at most ``SessionConfiguration/inboundHighWatermark`` messages, and at most
/// ``SessionConfiguration/maxBufferedInboundBytes`` payload bytes plus the message that passed
/// that bound (plus those decoded from one socket read), wait here; past either the transport
/// stops reading from the socket until the consumer has taken the queue down to
/// ``SessionConfiguration/inboundLowWatermark`` messages and to the byte bound. Iterate it once:
/// the connection reads on without backpressure once the iteration ends.
public struct WebSocketMessages: AsyncSequence, Sendable {
    /// The message type.
    public typealias Element = WebSocketMessage
    /// The sequence never throws.
    public typealias Failure = Never

    typealias Producer = NIOAsyncSequenceProducer<
        WebSocketMessage, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, InboundDemand
    >
    typealias Source = Producer.Source

    private let producer: Producer
    private let demand: InboundDemand

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
        return (WebSocketMessages(producer: made.sequence, demand: demand), made.source)
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator(), demand: demand)
    }

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// The iterator never throws.
        public typealias Failure = Never

        var base: Producer.AsyncIterator
        let demand: InboundDemand
        /// How many messages this iterator returned.
        var returned = 0

        /// The next message, or `nil` once the connection has closed.
        public mutating func next() async -> WebSocketMessage? {
            demand.consumerHandled(returned)
            let message = await base.next()
            if let message {
                returned += 1
                demand.consumerTook(bytes: message.byteCount)
            }
            return message
        }
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
