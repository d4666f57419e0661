import NIOConcurrencyHelpers
import NIOCore

/// The messages a connection received and its async consumer has not taken yet (whole, or in
/// fragments with ``ConnectionConfiguration/deliversFragments``): the channel handler puts them in
/// on its event loop, the consumer's task takes them out (``WebSocket/messages``,
/// ``WebSocket/receiveStreaming()``, through ``MessageReader``).
///
/// Built for a consumer on the same event loop (the default, see ``EventLoopTaskExecutor``): a
/// `next()` while messages wait returns without suspending, and a message that arrives while the
/// consumer waits resumes it once, however many more come in the same read burst. Before the
/// consumer suspends it flushes what it sent, so the replies to one burst leave in one write. A
/// consumer on another thread works the same way, with a thread hop per resume.
///
/// Backpressure: the handler stops reading from the socket once ``highWatermark`` items, or more
/// than ``maxBufferedBytes`` payload bytes, wait here; the consumer lets it read again once it took
/// the queue down to ``lowWatermark`` items and within the byte bound. A fragment counts as an item.
///
/// One task reads at a time: a `next()` while another task waits in `next()` returns `nil` at once.
final class InboundQueue: @unchecked Sendable {
    /// What ``next()`` returns.
    enum Received {
        /// The next message or fragment.
        case item(InboundItem)
        /// The connection is over, or the consumer was cancelled.
        case end
        /// Another task is waiting in `next()`.
        case anotherReader
    }

    /// What ``next()`` found, under the lock.
    private enum Take {
        case item(InboundItem)
        case end
        case wait
        case anotherReader
    }

    private let lowWatermark: Int
    private let highWatermark: Int
    private let maxBufferedBytes: Int
    private let lock = NIOLock()
    // Everything below is under `lock`.
    private var items = CircularBuffer<InboundItem>(initialCapacity: 4)
    private var bufferedBytes = 0
    private var waiter: UnsafeContinuation<InboundItem?, Never>?
    /// The connection is over: no more messages will come.
    private var finished = false
    /// The consumer went away (its task was cancelled, or nothing can read the queue any more).
    private var terminated = false
    /// Whether a task is inside ``next()``.
    private var reading = false
    /// Whether the handler stopped reading because of this queue.
    private var holdsReading = false
    /// Items handed to the consumer so far.
    private var returned = 0
    /// Items the consumer is done with: it asked for the one after them.
    private var handled = 0
    /// The count of handled items the handler waits for, if it waits (a deferred failure).
    private var awaited: Int?
    /// Where the consumer stands in a message taken in fragments (``MessageReader``'s state).
    private var fragments = FragmentCursor()
    /// Set once, on the event loop, before the consumer can see the queue.
    private var handler: HandlerReference?

    init(lowWatermark: Int, highWatermark: Int, maxBufferedBytes: Int) {
        self.lowWatermark = lowWatermark
        self.highWatermark = highWatermark
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// Connects the queue to its handler; call once, on the event loop, before handing the queue out.
    func attach(_ handler: HandlerReference) {
        lock.withLock { self.handler = handler }
    }

    // MARK: The producer (the channel handler, on its event loop)

    /// Adds a message or fragment, or hands it to the waiting consumer. Returns whether the handler
    /// may keep reading from the socket.
    func deliver(_ item: InboundItem) -> Bool {
        let (resumed, mayRead) = lock.withLock { () -> (UnsafeContinuation<InboundItem?, Never>?, Bool) in
            guard !terminated, !finished else { return (nil, true) }
            if let waiter {
                self.waiter = nil
                returned += 1
                return (waiter, true)
            }
            items.append(item)
            bufferedBytes += item.byteCount
            if items.count >= highWatermark || bufferedBytes > maxBufferedBytes { holdsReading = true }
            return (nil, !holdsReading)
        }
        resumed?.resume(returning: item)
        return mayRead
    }

    /// No more messages will come: a waiting consumer gets `nil`, later ones get what is left, then `nil`.
    func finish() {
        let resumed = lock.withLock { () -> UnsafeContinuation<InboundItem?, Never>? in
            finished = true
            defer { waiter = nil }
            return waiter
        }
        resumed?.resume(returning: nil)
    }

    /// Whether the consumer is done with the first `count` items; if not, the handler is told
    /// (``WebSocketChannelHandler/consumerCaughtUp()``) once it is.
    func hasHandled(_ count: Int) -> Bool {
        lock.withLock {
            if handled >= count { return true }
            awaited = count
            return false
        }
    }

    // MARK: The consumer (any task)

    /// Whether a task is waiting in ``next()`` now.
    var hasWaitingReader: Bool {
        lock.withLock { waiter != nil }
    }

    /// The next message or fragment, once there is one; the end once the connection has closed (or
    /// the consumer's task was cancelled).
    nonisolated(nonsending) func next() async -> Received {
        var caughtUp = false
        var resumesReading = false
        var handler: HandlerReference?
        let take = lock.withLock { () -> Take in
            guard !reading else { return .anotherReader }
            handler = self.handler
            handled = returned
            if let awaited, handled >= awaited {
                self.awaited = nil
                caughtUp = true
            }
            if let item = takeFirst(resumesReading: &resumesReading) { return .item(item) }
            if finished || terminated { return .end }
            reading = true
            return .wait
        }
        if caughtUp || resumesReading { tell(handler, caughtUp: caughtUp, resumesReading: resumesReading) }
        switch take {
        case .item(let item):
            return .item(item)
        case .end:
            return .end
        case .anotherReader:
            return .anotherReader
        case .wait:
            // What the consumer sent in reply to the messages it took leaves now, in one write.
            handler?.ifOnLoop?.flushTaskWrites()
            let message = await withTaskCancellationHandler {
                await withUnsafeContinuation { continuation in
                    // A consumer off the loop may have missed a message delivered meanwhile.
                    var resumesReading = false
                    let ready = lock.withLock { () -> Take in
                        if let item = takeFirst(resumesReading: &resumesReading) { return .item(item) }
                        if finished || terminated || Task.isCancelled { return .end }
                        waiter = continuation
                        return .wait
                    }
                    if resumesReading { tell(handler, caughtUp: false, resumesReading: true) }
                    switch ready {
                    case .item(let item): continuation.resume(returning: item)
                    case .end, .anotherReader: continuation.resume(returning: nil)
                    case .wait: break
                    }
                }
            } onCancel: {
                terminate()
            }
            lock.withLock { reading = false }
            return message.map { .item($0) } ?? .end
        }
    }

    /// Takes the oldest item, if any; sets `resumesReading` when that lets the handler read again.
    /// Call under `lock`.
    private func takeFirst(resumesReading: inout Bool) -> InboundItem? {
        guard let item = items.popFirst() else { return nil }
        returned += 1
        bufferedBytes -= item.byteCount
        if holdsReading, items.count <= lowWatermark, bufferedBytes <= maxBufferedBytes {
            holdsReading = false
            resumesReading = true
        }
        return item
    }

    /// Runs `body` on the consumer's position in a message taken in fragments, under the lock.
    func withFragmentCursor<T>(_ body: (inout FragmentCursor) -> T) -> T {
        lock.withLock { body(&fragments) }
    }

    /// Tells the handler that the consumer caught up with a deferred failure, or took the queue
    /// down so that reading may resume.
    private func tell(_ handler: HandlerReference?, caughtUp: Bool, resumesReading: Bool) {
        handler?.onLoop { handler in
            if caughtUp { handler.consumerCaughtUp() }
            if resumesReading { handler.resumeReading() }
        }
    }

    /// The consumer is gone: a waiting `next()` returns `nil`, and the handler delivers nothing more
    /// and reads on regardless of backpressure (``WebSocketChannelHandler/consumerTerminated()``).
    func terminate() {
        let (resumed, wasTerminated, handler) = lock.withLock {
            () -> (UnsafeContinuation<InboundItem?, Never>?, Bool, HandlerReference?) in
            defer {
                terminated = true
                waiter = nil
            }
            return (waiter, terminated, self.handler)
        }
        resumed?.resume(returning: nil)
        if !wasTerminated { handler?.onLoop { $0.consumerTerminated() } }
    }
}
