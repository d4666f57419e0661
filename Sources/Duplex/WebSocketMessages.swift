import NIOCore

/// The messages received on a ``WebSocket``, in order. The sequence finishes when the connection
/// closes, whatever the reason; ``WebSocket/closeStatus`` then says how it ended.
///
/// Backpressure: at most ``SessionConfiguration/inboundHighWatermark`` messages (plus those decoded
/// from one socket read) wait here; past that the transport stops reading from the socket until the
/// consumer has taken the queue down to ``SessionConfiguration/inboundLowWatermark``. Iterate it
/// once: the connection reads on without backpressure once the iteration ends.
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
        return (WebSocketMessages(producer: made.sequence), made.source)
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }

    /// Iterates the messages.
    public struct AsyncIterator: AsyncIteratorProtocol {
        /// The iterator never throws.
        public typealias Failure = Never

        var base: Producer.AsyncIterator

        /// The next message, or `nil` once the connection has closed.
        public mutating func next() async -> WebSocketMessage? {
            await base.next()
        }
    }
}

/// Relays the consumer's demand from whatever thread it runs on to the channel handler's event loop.
final class InboundDemand: NIOAsyncSequenceProducerDelegate {
    private let handler: HandlerReference

    init(handler: HandlerReference) {
        self.handler = handler
    }

    func produceMore() {
        handler.onLoop { $0.resumeReading() }
    }

    func didTerminate() {
        handler.onLoop { $0.consumerTerminated() }
    }
}
