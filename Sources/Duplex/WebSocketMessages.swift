import Logging
import NIOCore

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

    /// The next message, or `nil` once the connection has closed or while another task reads. A
    /// message delivered in fragments is put together here (and is lost if the connection ends
    /// before its last fragment, as a message the connection assembles would be).
    nonisolated(nonsending) func next() async -> WebSocketMessage? {
        switch await queue.next() {
        case .item(.message(let message)):
            return message
        case .item(let fragment):
            return await assemble(from: fragment)
        case .end:
            return nil
        case .anotherReader:
            warnAboutAnotherReader()
            return nil
        }
    }

    /// The next message as a stream of chunks, or `nil` once the connection has closed or while
    /// another task reads (``WebSocket/receiveStreaming()``).
    nonisolated(nonsending) func nextStream() async -> WebSocketMessageStream? {
        while true {
            switch await queue.next() {
            case .item(let item):
                if let stream = stream(startingWith: item) { return stream }
            case .end:
                return nil
            case .anotherReader:
                warnAboutAnotherReader()
                return nil
            }
        }
    }

    /// The next fragment of message `number` and whether it is the last. Throws
    /// ``WebSocketError/connectionClosed`` when the connection ended before the message did, and
    /// ``WebSocketError/messageStreamAbandoned`` when the consumer moved on to a later message (or
    /// another task took the fragment).
    nonisolated(nonsending) func nextFragment(of number: UInt64) async throws(WebSocketError) -> (ByteBuffer, isFinal: Bool) {
        guard queue.withFragmentCursor({ $0.message == number && $0.inMessage }) else { throw .messageStreamAbandoned }
        switch await queue.next() {
        case .item(.fragment(nil, let payload, let isFinal)):
            if isFinal { queue.withFragmentCursor { $0.inMessage = false } }
            return (payload, isFinal)
        case .item:
            // Only a second task reading at the same time can have taken this message's fragments.
            throw .messageStreamAbandoned
        case .end:
            throw .connectionClosed
        case .anotherReader:
            warnAboutAnotherReader()
            throw .messageStreamAbandoned
        }
    }

    /// The stream of the message `item` starts, or `nil` for a fragment left over from a message
    /// whose stream the consumer stopped reading (which is skipped). Updates the cursor.
    private func stream(startingWith item: InboundItem) -> WebSocketMessageStream? {
        switch item {
        case .message(.text(let text)):
            return WebSocketMessageStream(kind: .text, reader: self, first: ByteBuffer(string: text), number: nil)
        case .message(.binary(let bytes)):
            return WebSocketMessageStream(kind: .binary, reader: self, first: bytes, number: nil)
        case .fragment(nil, _, let isFinal):
            if isFinal { queue.withFragmentCursor { $0.inMessage = false } }
            return nil
        case .fragment(let kind?, let payload, let isFinal):
            let number = queue.withFragmentCursor { cursor -> UInt64 in
                cursor.message &+= 1
                cursor.inMessage = !isFinal
                return cursor.message
            }
            return WebSocketMessageStream(kind: kind, reader: self, first: payload, number: isFinal ? nil : number)
        }
    }

    /// Puts together the message whose first fragment (or a leftover fragment before it) is
    /// `item`. Out of line, so that ``next()``'s async frame, which every idle connection's task
    /// holds, stays small.
    @inline(never)
    nonisolated(nonsending) private func assemble(from item: InboundItem) async -> WebSocketMessage? {
        var started = stream(startingWith: item)
        while started == nil {
            guard case .item(let next) = await queue.next() else { return nil }
            started = stream(startingWith: next)
        }
        guard let started else { return nil }
        var whole = started.first
        if let number = started.number {
            var isFinal = false
            while !isFinal {
                guard let (chunk, last) = try? await nextFragment(of: number) else { return nil }
                whole.writeImmutableBuffer(chunk)
                isFinal = last
            }
        }
        return started.kind == .text ? .text(String(buffer: whole)) : .binary(whole)
    }

    /// Out of line, so that the logger it builds does not enlarge ``next()``'s async frame, which
    /// every idle connection's task holds while it waits (432 bytes with it inline).
    @inline(never)
    private func warnAboutAnotherReader() {
        (logger ?? Logger(label: "duplex")).warning(
            "two tasks read messages of one WebSocket at the same time; the second one got nil")
    }
}
