@testable import Duplex
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

/// When each probe's deadline fired, by probe number.
private typealias FiringLog = NIOLockedValueBox<[Int: [NIODeadline]]>

/// A deadline owner that records when its deadline fires.
private final class Probe: DeadlineSweeperClient {
    let number: Int
    let log: FiringLog
    var deadlineSlot = DeadlineSweeper.Slot()
    /// Run when the deadline fires, after it is recorded.
    var onFire: (() -> Void)?

    init(number: Int, log: FiringLog) {
        self.number = number
        self.log = log
    }

    func deadlineReached(now: NIODeadline) {
        log.withLockedValue { $0[number, default: []].append(now) }
        onFire?()
    }
}

/// Probe number of the sentinel a test arms after the deadlines it checks: once the sentinel fired,
/// every earlier deadline had its chance to fire.
private let sentinel = -1

@Suite("Deadline sweeper", .timeLimit(.minutes(1)))
struct DeadlineSweeperTests {
    @Test func aDeadlineFiresNoEarlierThanAskedAndItsWakeUpIsWithinOneTick() async throws {
        try await withLoop { loop in
            let log = FiringLog([:])
            let deadline = NIODeadline.now() + .milliseconds(250)
            let wakeUp = try await loop.submit {
                let sweeper = DeadlineSweeper.on(loop)
                sweeper.arm(Probe(number: 0, log: log), at: deadline)
                return sweeper.scheduledWakeUp
            }.get()
            let scheduled = try #require(wakeUp)
            #expect(scheduled >= deadline && scheduled < deadline + DeadlineSweeper.resolution)
            try await eventually { log.withLockedValue { $0[0]?.count == 1 } }
            let firedAt = try #require(log.withLockedValue { $0[0]?.first })
            #expect(firedAt >= deadline)
        }
    }

    @Test func aDisarmedDeadlineNeverFiresAndLeavesNothingScheduled() async throws {
        try await withLoop { loop in
            let log = FiringLog([:])
            let (wasScheduled, afterDisarm) = try await loop.submit {
                let sweeper = DeadlineSweeper.on(loop)
                let probes = (0..<3).map { Probe(number: $0, log: log) }
                for probe in probes { sweeper.arm(probe, at: .now() + .milliseconds(150)) }
                let wasScheduled = sweeper.scheduledWakeUp != nil
                for probe in probes { sweeper.disarm(probe) }
                let afterDisarm = sweeper.scheduledWakeUp
                sweeper.arm(Probe(number: sentinel, log: log), at: .now() + .milliseconds(300))
                return (wasScheduled, afterDisarm)
            }.get()
            #expect(wasScheduled)
            #expect(afterDisarm == nil)
            try await eventually { log.withLockedValue { $0[sentinel] != nil } }
            try await loop.submit {}.get()  // the sweep that fired the sentinel is over
            #expect(log.withLockedValue { $0.count } == 1)
        }
    }

    @Test func thousandsArmedMovedAndDisarmedFireOnceEachNoEarlierThanLastArmed() async throws {
        try await withLoop { loop in
            let log = FiringLog([:])
            // Every third probe is disarmed, other even ones re-armed later: the swaps that keep each
            // bucket dense must leave every other entry where the sweeper finds it.
            let state = try await loop.submit {
                let sweeper = DeadlineSweeper.on(loop)
                let start = NIODeadline.now()
                var expected: [Int: NIODeadline] = [:]
                let probes = (0..<6000).map { Probe(number: $0, log: log) }
                for probe in probes {
                    sweeper.arm(probe, at: start + .milliseconds(Int64(100 + probe.number % 300)))
                }
                for probe in probes {
                    if probe.number % 3 == 0 {
                        sweeper.disarm(probe)
                    } else if probe.number % 2 == 0 {
                        expected[probe.number] = start + .milliseconds(Int64(400 + probe.number % 200))
                        sweeper.arm(probe, at: expected[probe.number])
                    } else {
                        expected[probe.number] = start + .milliseconds(Int64(100 + probe.number % 300))
                    }
                }
                sweeper.arm(Probe(number: sentinel, log: log), at: start + .milliseconds(700))
                return NIOLoopBound((sweeper, expected), eventLoop: loop)
            }.get()
            let expected = try await loop.submit { state.value.1 }.get()
            try await eventually(timeout: .seconds(20)) { log.withLockedValue { $0[sentinel] != nil } }
            try await loop.submit {}.get()  // the sweep that fired the sentinel is over
            let fired = log.withLockedValue { $0 }
            #expect(Set(fired.keys) == Set(expected.keys).union([sentinel]))
            for (number, times) in fired where number != sentinel {
                #expect(times.count == 1)
                #expect(times.first.flatMap { firedAt in expected[number].map { firedAt >= $0 } } == true)
            }
            let idle = try await loop.submit { state.value.0.scheduledWakeUp == nil }.get()
            #expect(idle)
        }
    }

    @Test func aDueClientDisarmedByAnEarlierOneInTheSameSweepIsNotCalled() async throws {
        try await withLoop { loop in
            let log = FiringLog([:])
            let probes = try await loop.submit {
                let sweeper = DeadlineSweeper.on(loop)
                let first = Probe(number: 0, log: log)
                let second = Probe(number: 1, log: log)
                first.onFire = { sweeper.disarm(second) }
                second.onFire = { sweeper.disarm(first) }
                let deadline = NIODeadline.now() + .milliseconds(100)
                sweeper.arm(first, at: deadline)
                sweeper.arm(second, at: deadline)
                sweeper.arm(Probe(number: sentinel, log: log), at: deadline + .milliseconds(200))
                return NIOLoopBound([first, second], eventLoop: loop)
            }.get()
            try await eventually { log.withLockedValue { $0[sentinel] != nil } }
            try await loop.submit {}.get()  // the sweep that fired the sentinel is over
            #expect(log.withLockedValue { $0.count } == 2)
            try await loop.submit { probes.value.forEach { $0.onFire = nil } }.get()
        }
    }

    @Test func eachLoopHasItsOwnSweeper() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = group.makeIterator().map { $0 }
        let (same, distinct) = try await loops[0].submit {
            let sweeper = DeadlineSweeper.on(loops[0])
            return (sweeper === DeadlineSweeper.on(loops[0]), sweeper !== DeadlineSweeper.on(loops[1]))
        }.get()
        #expect(same && distinct)
        try await group.shutdownGracefully()
    }

    private func withLoop(_ body: (any EventLoop) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await body(group.next())
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }
}
