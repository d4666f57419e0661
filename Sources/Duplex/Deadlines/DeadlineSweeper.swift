import NIOConcurrencyHelpers
import NIOCore

/// The one timer of an event loop for the deadlines of every connection on it: a hashed timing
/// wheel of ``slotCount`` buckets, each ``resolution`` wide, swept by a single NIO scheduled
/// callback.
///
/// NIO cancels a scheduled task by a linear search of its loop's task heap, so a `Scheduled` per
/// connection made each handshake and each close cost O(connections on the loop). Here a
/// connection (a ``DeadlineSweeperClient``) holds at most one entry, for its earliest deadline,
/// and arming, moving and disarming it are O(1): an append to the bucket of its tick, or a swap
/// with the bucket's last entry. Arming allocates nothing (beyond a bucket's amortised growth).
///
/// A deadline fires at the first tick boundary at or after it: never early, and at most one
/// ``resolution`` late (plus however late the loop itself runs). The callback is scheduled for the
/// next tick whose bucket holds an entry, and not at all while no deadline is armed on the loop, so
/// a loop without deadlines never wakes up for them. A deadline beyond the wheel's span
/// (``resolution`` × ``slotCount``) stays in its bucket for as many turns as it needs.
///
/// Everything but ``on(_:)`` runs on ``eventLoop``: the sweeper is `Sendable` only so that the
/// registry behind ``on(_:)`` can hand it to the loop's connections.
final class DeadlineSweeper: @unchecked Sendable {
    /// The width of a tick: the resolution of every connection deadline.
    static let resolution = TimeAmount.milliseconds(100)
    /// The buckets of the wheel; with ``resolution`` it spans 51.2 s, past every default timeout.
    static let slotCount = 512

    /// Where a client is in its sweeper; only the sweeper changes it.
    struct Slot {
        fileprivate enum State {
            case idle
            case armed
            case firing
        }

        fileprivate var state = State.idle
        fileprivate var tick = 0
        fileprivate var index = 0

        /// An idle slot.
        init() {}

        /// Whether a deadline is armed (and has not fired yet).
        var isArmed: Bool { state == .armed }
    }

    /// The loop this sweeper serves.
    let eventLoop: any EventLoop
    private var buckets: [[any DeadlineSweeperClient]]
    private var armedCount = 0
    /// The first tick not swept yet.
    private var nextTick: Int
    private var wakeUp: NIOScheduledCallback?
    private var wakeUpTick = 0
    /// The clients a sweep found due, kept to reuse the storage.
    private var due: [any DeadlineSweeperClient] = []

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        buckets = Array(repeating: [], count: Self.slotCount)
        nextTick = Self.tickPassed(at: .now())
    }

    /// When the callback is scheduled to sweep, if it is (for tests).
    var scheduledWakeUp: NIODeadline? {
        wakeUp == nil ? nil : Self.boundary(ofTick: wakeUpTick)
    }

    /// Arms `client`'s deadline at `deadline`, replacing the one it had; `nil` disarms it.
    func arm(_ client: any DeadlineSweeperClient, at deadline: NIODeadline?) {
        eventLoop.assertInEventLoop()
        guard let deadline else {
            disarm(client)
            return
        }
        if armedCount == 0 && wakeUp == nil { nextTick = Self.tickPassed(at: .now()) }
        let tick = max(Self.firstTick(notBefore: deadline), nextTick)
        if client.deadlineSlot.isArmed {
            if client.deadlineSlot.tick == tick { return }
            remove(client)
        }
        let bucket = tick % Self.slotCount
        client.deadlineSlot.state = .armed
        client.deadlineSlot.tick = tick
        client.deadlineSlot.index = buckets[bucket].count
        buckets[bucket].append(client)
        armedCount += 1
        scheduleWakeUp(at: tick)
    }

    /// Disarms `client`'s deadline, if it has one; once the loop has no deadline left, its
    /// callback is cancelled (NIO's heap then holds only a few tasks, so that is cheap).
    func disarm(_ client: any DeadlineSweeperClient) {
        eventLoop.assertInEventLoop()
        switch client.deadlineSlot.state {
        case .idle:
            return
        case .firing:
            client.deadlineSlot.state = .idle
            return
        case .armed:
            remove(client)
            client.deadlineSlot.state = .idle
        }
        if armedCount == 0, let wakeUp {
            self.wakeUp = nil
            wakeUp.cancel()
        }
    }

    /// Takes an armed client out of its bucket: the bucket's last entry takes its place.
    private func remove(_ client: any DeadlineSweeperClient) {
        let bucket = client.deadlineSlot.tick % Self.slotCount
        let index = client.deadlineSlot.index
        let last = buckets[bucket].removeLast()
        if index < buckets[bucket].count {
            buckets[bucket][index] = last
            last.deadlineSlot.index = index
        }
        armedCount -= 1
    }

    private func scheduleWakeUp(at tick: Int) {
        if let wakeUp {
            if wakeUpTick <= tick { return }
            wakeUp.cancel()
        }
        wakeUpTick = tick
        // Fails only when the loop is shutting down, and then its connections are closing anyway.
        wakeUp = try? eventLoop.assumeIsolated().scheduleCallback(at: Self.boundary(ofTick: tick), handler: self)
    }

    /// Moves the clients of every tick passed by `now` to ``due``.
    private func collectDue(now: NIODeadline) {
        let current = Self.tickPassed(at: now)
        guard current >= nextTick else { return }
        // After a stall longer than the wheel's span, each bucket is swept once.
        for tick in max(nextTick, current - Self.slotCount + 1)...current {
            sweepBucket(tick % Self.slotCount, dueBy: current)
        }
        nextTick = current + 1
    }

    /// Tells each client in ``due`` that its deadline passed, unless it was re-armed or disarmed
    /// meanwhile (by an earlier one's callback).
    private func fireDue(now: NIODeadline) {
        for client in due where client.deadlineSlot.state == .firing {
            client.deadlineSlot.state = .idle
            client.deadlineReached(now: now)
        }
        due.removeAll(keepingCapacity: due.count <= 1024)
    }

    /// Moves the entries of `bucket` whose tick is at most `current` to ``due``; entries of later
    /// turns of the wheel stay.
    private func sweepBucket(_ bucket: Int, dueBy current: Int) {
        var index = 0
        while index < buckets[bucket].count {
            let client = buckets[bucket][index]
            guard client.deadlineSlot.tick <= current else {
                index += 1
                continue
            }
            remove(client)
            client.deadlineSlot.state = .firing
            due.append(client)
        }
    }

    /// The next tick with an entry, if any (at most one turn of the wheel ahead).
    private func nextOccupiedTick() -> Int? {
        guard armedCount > 0 else { return nil }
        for tick in nextTick..<(nextTick + Self.slotCount) where !buckets[tick % Self.slotCount].isEmpty {
            return tick
        }
        return nil
    }

    // Cannot trap: the resolution is a positive constant.
    private static let tickNanoseconds = UInt64(resolution.nanoseconds)

    /// The last tick whose boundary is at or before `deadline`.
    private static func tickPassed(at deadline: NIODeadline) -> Int {
        // Cannot trap: NIO keeps deadlines below 2^63 ns, so the quotient fits in an Int.
        Int(deadline.uptimeNanoseconds / tickNanoseconds)
    }

    /// The start of `tick`.
    private static func boundary(ofTick tick: Int) -> NIODeadline {
        // Cannot trap: ticks are not negative, and tick × resolution is below 2^63 + resolution.
        .uptimeNanoseconds(UInt64(tick) * tickNanoseconds)
    }

    /// The first tick whose boundary is at or after `deadline`.
    private static func firstTick(notBefore deadline: NIODeadline) -> Int {
        let nanoseconds = deadline.uptimeNanoseconds
        // Cannot trap: as in tickPassed(at:), the quotient is far below Int.max.
        return Int(nanoseconds / tickNanoseconds) + (nanoseconds % tickNanoseconds == 0 ? 0 : 1)
    }
}

extension DeadlineSweeper: NIOScheduledCallbackHandler {
    /// The tick came: take the due clients out, schedule the next occupied tick (before the
    /// clients re-arm, so that none of the entries left is skipped), and tell the clients.
    func handleScheduledCallback(eventLoop: some EventLoop) {
        wakeUp = nil
        let now = NIODeadline.now()
        collectDue(now: now)
        if let tick = nextOccupiedTick() { scheduleWakeUp(at: tick) }
        fireDue(now: now)
    }
}

extension DeadlineSweeper {
    private static let registry = PerLoopRegistry { DeadlineSweeper(eventLoop: $0) }

    /// The sweeper of `loop`, made on first use; called when a connection is set up, the only
    /// place a lock is taken.
    static func on(_ loop: any EventLoop) -> DeadlineSweeper {
        registry.object(for: loop)
    }
}
