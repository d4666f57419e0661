#if Postgres
import Duplex
import NIOConcurrencyHelpers

/// A publication waiting to be written to PostgreSQL.
struct PendingPublication: Sendable {
    /// This node's number for it: increasing in publish order, unique per node (the table's
    /// `(node, seq)` key makes a retried write idempotent).
    let sequence: Int64
    /// The topic it was published to.
    let topic: String
    /// The message.
    let message: WebSocketMessage
    /// Its payload's size.
    let bytes: Int
    /// When it was published (for the round-trip latency).
    let published: ContinuousClock.Instant
}

/// The publications not yet written, oldest first, bounded in count and bytes: past either bound
/// the oldest are dropped. Entries leave only when their transaction committed, so a batch that
/// failed is written again, first, after a reconnect.
final class PublicationQueue: Sendable {
    private struct State {
        var items: [PendingPublication] = []
        /// Where the oldest entry is in `items` (entries before it are gone).
        var head = 0
        var bytes = 0
        var nextSequence: Int64 = 1
        /// Dropped since the last log line about drops.
        var droppedSinceReport = 0

        var count: Int { items.count - head }

        mutating func removeFirst(_ count: Int) {
            for index in head..<(head + count) { bytes -= items[index].bytes }
            head += count
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
        }
    }

    private let state = NIOLockedValueBox(State())
    private let maxMessages: Int
    private let maxBytes: Int
    private let doorbell: AsyncStream<Void>.Continuation
    /// Rings (coalesced) whenever an entry is added.
    let arrivals: AsyncStream<Void>

    /// A queue of at most `maxMessages` entries and `maxBytes` payload bytes.
    init(maxMessages: Int, maxBytes: Int) {
        self.maxMessages = maxMessages
        self.maxBytes = maxBytes
        (arrivals, doorbell) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds `message` for `topic`; returns how many old entries were dropped to make room and
    /// whether this is the first drop since the last ``takeDropReport()``.
    func append(_ message: WebSocketMessage, bytes: Int, to topic: String) -> (dropped: Int, firstSinceReport: Bool) {
        let result = state.withLockedValue { state in
            let entry = PendingPublication(
                sequence: state.nextSequence, topic: topic, message: message, bytes: bytes, published: .now)
            state.nextSequence += 1
            state.items.append(entry)
            state.bytes += bytes
            var dropped = 0
            while state.count > 1 && (state.count > maxMessages || state.bytes > maxBytes) {
                state.removeFirst(1)
                dropped += 1
            }
            let first = dropped > 0 && state.droppedSinceReport == 0
            state.droppedSinceReport += dropped
            return (dropped, first)
        }
        doorbell.yield()
        return result
    }

    /// The oldest entries, left in the queue: up to `limit` of them and `maxBytes` of payload (at
    /// least one, whatever its size).
    func peek(_ limit: Int, maxBytes: Int) -> [PendingPublication] {
        state.withLockedValue { state in
            var batch: [PendingPublication] = []
            var bytes = 0
            for entry in state.items[state.head...] {
                guard batch.count < limit, batch.isEmpty || bytes + entry.bytes <= maxBytes else { break }
                batch.append(entry)
                bytes += entry.bytes
            }
            return batch
        }
    }

    /// Removes the oldest entries if they are still `batch` (some may have been dropped meanwhile).
    func remove(_ batch: [PendingPublication]) {
        guard let last = batch.last?.sequence else { return }
        state.withLockedValue { state in
            var written = 0
            while written < state.count && state.items[state.head + written].sequence <= last { written += 1 }
            state.removeFirst(written)
        }
    }

    /// How many entries and payload bytes are waiting.
    var depth: (messages: Int, bytes: Int) {
        state.withLockedValue { ($0.count, $0.bytes) }
    }

    /// How many entries were dropped since the last call (for the log line after an outage).
    func takeDropReport() -> Int {
        state.withLockedValue { state in
            defer { state.droppedSinceReport = 0 }
            return state.droppedSinceReport
        }
    }
}
#endif
