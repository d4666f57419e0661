import Logging

/// The messages received on a ``WebSocket``, in order. The sequence finishes when the connection
/// closes, whatever the reason; ``WebSocket/closeStatus`` then says how it ended.
///
/// Every iterator reads from the same queue: a second `for await` loop (after a `break` out of the
/// first, say) continues with the next message, and ``WebSocket/receive()`` takes one message the
/// same way. One task reads at a time: a `next()` called while another task's `next()` is waiting
/// returns `nil` at once and logs a warning.
///
/// A `next()` while messages wait returns at once, without suspending; with the connection's task
/// on its event loop (the default) the whole exchange stays on the loop's thread, and what the task
/// sent in reply to the messages it took is flushed in one write when it waits for the next one.
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

    let reader: MessageReader

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

        /// The next message, like ``next()``, run on the caller's isolation (what `for await` calls):
        /// no executor hop on the way in or out.
        public mutating func next(isolation actor: isolated (any Actor)?) async -> WebSocketMessage? {
            await reader.next()
        }
    }
}

/// The consumer's handle on a connection's ``InboundQueue``, shared by every iterator of its
/// ``WebSocketMessages`` and by ``WebSocket/receive()``: once nothing holds it, nothing can read the
/// queue any more, and the queue is terminated so that the connection reads on.
final class MessageReader: Sendable {
    let queue: InboundQueue
    private let logger: Logger?

    init(queue: InboundQueue, logger: Logger?) {
        self.queue = queue
        self.logger = logger
    }

    deinit {
        queue.terminate()
    }

    /// The next message, or `nil` once the connection has closed or while another task reads.
    nonisolated(nonsending) func next() async -> WebSocketMessage? {
        switch await queue.next() {
        case .message(let message):
            return message
        case .end:
            return nil
        case .anotherReader:
            warnAboutAnotherReader()
            return nil
        }
    }

    /// Out of line, so that the logger it builds does not enlarge ``next()``'s async frame, which
    /// every idle connection's task holds while it waits (432 bytes with it inline).
    @inline(never)
    private func warnAboutAnotherReader() {
        (logger ?? Logger(label: "duplex")).warning(
            "two tasks read messages of one WebSocket at the same time; the second one got nil")
    }
}
