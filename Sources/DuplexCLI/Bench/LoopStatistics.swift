import Histogram

/// What the connections of one event loop measured. Touched only on that loop (through
/// `NIOLoopBound`), so the hot path takes no lock; the generator merges the loops' snapshots.
final class LoopStatistics {
    /// Completed operations: echoed messages, or handshake-and-close cycles.
    var operations: UInt64 = 0
    /// Payload bytes received in echoed messages.
    var bytes: UInt64 = 0
    /// Echoes whose payload differed from what was sent (only counted with `--verify`).
    var verifyFailures: UInt64 = 0
    /// Failed connects, handshakes and protocol errors.
    var errors: UInt64 = 0
    /// The first error seen, for the report.
    var firstError: String?
    /// Whether handlers keep the load going; cleared when the measurement ends.
    var running = true
    /// Latency of each operation in nanoseconds.
    var latency = LoopStatistics.makeHistogram()

    /// An empty histogram tracking 1 ns to 60 s at three significant digits.
    static func makeHistogram() -> Histogram<UInt64> {
        Histogram(highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Records an error, keeping the first description.
    func recordError(_ description: String) {
        errors += 1
        if firstError == nil { firstError = description }
    }

    /// Starts a new measurement window (after the warm-up).
    func reset() {
        operations = 0
        bytes = 0
        verifyFailures = 0
        errors = 0
        firstError = nil
        latency.reset()
    }

    /// The figures so far, as a value that can leave the loop.
    var snapshot: StatisticsSnapshot {
        StatisticsSnapshot(
            operations: operations, bytes: bytes, verifyFailures: verifyFailures,
            errors: errors, firstError: firstError, latency: latency
        )
    }
}

/// The figures of one or more loops, merged.
struct StatisticsSnapshot: Sendable {
    /// Completed operations.
    var operations: UInt64 = 0
    /// Payload bytes received.
    var bytes: UInt64 = 0
    /// Echoes that differed from what was sent.
    var verifyFailures: UInt64 = 0
    /// Errors.
    var errors: UInt64 = 0
    /// The first error seen.
    var firstError: String?
    /// Latency in nanoseconds.
    var latency = LoopStatistics.makeHistogram()

    /// Adds `other`'s figures to these.
    mutating func merge(_ other: StatisticsSnapshot) {
        operations += other.operations
        bytes += other.bytes
        verifyFailures += other.verifyFailures
        errors += other.errors
        firstError = firstError ?? other.firstError
        latency.add(other.latency)
    }
}
