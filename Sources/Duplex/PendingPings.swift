import NIOCore

/// The pings ``WebSocket/ping(_:)`` sent and whose pongs have not arrived, oldest first, and the
/// observer of pongs (``WebSocket/pongs()``), kept by the channel handler on its event loop.
///
/// A pong answers the ping with the same payload and every ping sent before it: RFC 6455 §5.5.3
/// lets a peer answer only the most recent of several pings, so an earlier ping never waits for a
/// pong that may not come. Each gets the time since it was sent. A pong matching no waiting ping
/// (an unsolicited heartbeat, the answer to a keepalive ping) answers none.
///
/// A class, made by a connection's first ping or observer, so that connections that have neither
/// hold only the reference. Used on the handler's event loop only.
final class PendingPings {
    private struct Entry {
        let payload: ByteBuffer
        let sentAt: NIODeadline
        let waiter: PingWaiter
    }

    private var entries: [Entry] = []
    private var observer: AsyncStream<ByteBuffer>.Continuation?
    /// The number in the payload of the latest ping made by ``nextPayload()``.
    private var pingNumber: UInt64 = 0

    /// A payload that no other ping of this connection carries: 8 bytes numbering it.
    func nextPayload() -> ByteBuffer {
        pingNumber &+= 1
        var payload = ByteBuffer()
        payload.writeInteger(pingNumber)
        return payload
    }

    /// Whether a ping with `payload` waits for its pong (cancelled waiters are forgotten here).
    func isWaiting(for payload: ByteBuffer) -> Bool {
        entries.removeAll { !$0.waiter.isWaiting }
        return entries.contains { $0.payload == payload }
    }

    /// Records a ping just sent.
    func sent(_ payload: ByteBuffer, at time: NIODeadline, waiter: PingWaiter) {
        entries.append(Entry(payload: payload, sentAt: time, waiter: waiter))
    }

    /// A pong arrived at `time`: answers the ping it matches and the ones before it, and hands it to
    /// the observer.
    func received(_ payload: ByteBuffer, at time: NIODeadline) {
        observer?.yield(payload)
        guard let index = entries.firstIndex(where: { $0.payload == payload }) else { return }
        for entry in entries[...index] {
            entry.waiter.resume(with: .success(.nanoseconds((time - entry.sentAt).nanoseconds)))
        }
        entries.removeSubrange(...index)
    }

    /// Replaces the observer (the previous one finishes).
    func observe(with continuation: AsyncStream<ByteBuffer>.Continuation) {
        observer?.finish()
        observer = continuation
    }

    /// The connection is closing or closed: every waiting ping fails with `error`, the observer finishes.
    func fail(with error: any Error) {
        for entry in entries { entry.waiter.resume(with: .failure(error)) }
        entries.removeAll()
        observer?.finish()
        observer = nil
    }
}
