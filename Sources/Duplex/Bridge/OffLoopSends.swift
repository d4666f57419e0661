import NIOConcurrencyHelpers
import NIOCore

/// Messages that tasks off the connection's event loop sent, on their way to the loop: a sender
/// queues its message and goes on at once, without waiting for a round trip to the loop, while
/// at most ``maxMessages`` messages and ``bound`` bytes wait; past either it waits until the loop
/// has taken the queue down to half of both, so that a sender that outruns the loop is paced by
/// it (a few messages ahead, never thousands) and one wake-up serves several messages.
///
/// The loop drains the queue in order, while the channel is writable; one drain takes the
/// messages that waited when it began, so senders that keep refilling the queue cannot hold the
/// loop: what they add meanwhile schedules the next drain, behind the loop's other work.
///
/// A send on the loop first drains what waits here, so that one task's messages keep their order
/// when it moves between the loop and other executors.
final class OffLoopSends: @unchecked Sendable {
    /// What ``enqueue(_:)`` did.
    enum Enqueued {
        /// The message waits; the sender goes on. `scheduleDrain`: the caller must schedule a drain.
        case queued(scheduleDrain: Bool)
        /// The message waits, and the sender must wait (``waitForRoom(_:)``) before it goes on.
        case full(scheduleDrain: Bool)
        /// The connection is closing or closed: the message was not queued.
        case closed
    }

    /// Bytes that may wait before senders wait too.
    let bound: Int
    /// Messages that may wait before senders wait too.
    let maxMessages: Int
    private let lock = NIOLock()
    // Under `lock`.
    /// Arrays, not `CircularBuffer`s, so that a connection whose tasks never send off the loop
    /// allocates nothing here; `messages[next...]` wait.
    private var messages: [OutgoingMessage] = []
    private var next = 0
    private var queuedBytes = 0
    private var drainScheduled = false
    private var closed = false
    private var waiters: [UnsafeContinuation<Void, any Error>] = []

    init(bound: Int, maxMessages: Int) {
        self.bound = bound
        self.maxMessages = maxMessages
    }

    /// Under `lock`: the number of messages waiting.
    private var waitingCount: Int { messages.count - next }

    /// Under `lock`: whether a sender must wait.
    private var isFull: Bool { queuedBytes > bound || waitingCount > maxMessages }

    /// Under `lock`: whether waiting senders may go on (down to half of both bounds).
    private var hasRoom: Bool { queuedBytes <= bound / 2 && waitingCount <= maxMessages / 2 }

    /// Queues a message from a sender off the loop.
    func enqueue(_ message: OutgoingMessage) -> Enqueued {
        lock.withLock {
            guard !closed else { return .closed }
            messages.append(message)
            queuedBytes += message.byteCount
            let scheduleDrain = !drainScheduled
            drainScheduled = true
            return isFull ? .full(scheduleDrain: scheduleDrain) : .queued(scheduleDrain: scheduleDrain)
        }
    }

    /// Waits until the loop has taken the queue down to half of both bounds; throws ``WebSocketError/connectionClosed``
    /// when the connection closes first.
    func waitForRoom() async throws {
        try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Void, any Error>) in
            let ready: Bool? = lock.withLock {
                if closed { return nil }
                if hasRoom { return true }
                waiters.append(continuation)
                return false
            }
            switch ready {
            case nil: continuation.resume(throwing: WebSocketError.connectionClosed)
            case true?: continuation.resume()
            case false?: break
            }
        }
    }

    /// Starts a drain: returns how many messages wait now, which the drain takes; a sender that
    /// queues from now on schedules the next drain. On the loop.
    func beginDrain() -> Int {
        lock.withLock {
            drainScheduled = false
            return waitingCount
        }
    }

    /// Takes the oldest message, if any; senders waiting for room go on once the queue is down to
    /// half of both bounds. On the loop.
    func popFirst() -> OutgoingMessage? {
        let (message, released) = lock.withLock { () -> (OutgoingMessage?, [UnsafeContinuation<Void, any Error>]?) in
            guard next < messages.count else { return (nil, nil) }
            let message = messages[next]
            next += 1
            if next == messages.count {
                messages.removeAll(keepingCapacity: true)
                next = 0
            }
            queuedBytes -= message.byteCount
            guard hasRoom, !waiters.isEmpty else { return (message, nil) }
            defer { waiters.removeAll() }
            return (message, waiters)
        }
        released?.forEach { $0.resume() }
        return message
    }

    /// The connection is closing or closed: what waits is dropped, waiting senders and later ones
    /// get ``WebSocketError/connectionClosed``.
    func close() {
        let released = lock.withLock { () -> [UnsafeContinuation<Void, any Error>] in
            closed = true
            messages.removeAll()
            next = 0
            queuedBytes = 0
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in released { waiter.resume(throwing: WebSocketError.connectionClosed) }
    }
}
