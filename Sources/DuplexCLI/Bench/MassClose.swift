import NIOCore

/// Closing many idle connections at once, seen from the server: the CPU time it spends until its
/// open files are back to what they were before those connections opened.
enum MassClose {
    /// How long the server may take to close every connection before the run gives up.
    static let timeout = Duration.seconds(120)

    /// Waits until server `pid` holds `held.count` more files than `baselineFiles` (connections of
    /// earlier cycles still closing would be counted otherwise), closes `held` at once, and reads
    /// the server's CPU time before and after, polling its open files every 10 ms until they are
    /// back to `baselineFiles`.
    static func measure(
        _ generator: LoadGenerator, held: [any Channel], serverPID pid: Int32, baselineFiles: Int
    ) async throws -> BenchReport.MassClose {
        try await waitForOpenFiles(pid: pid, atMost: baselineFiles + held.count)
        guard let cpuBefore = ProcessMetrics.cpuSeconds(pid: pid) else {
            throw BenchError.invalidOptions("cannot read /proc/\(pid)/stat")
        }
        let clock = ContinuousClock()
        let start = clock.now
        await generator.close(held)
        try await waitForOpenFiles(pid: pid, atMost: baselineFiles)
        let seconds = start.duration(to: clock.now).inSeconds
        guard let cpuAfter = ProcessMetrics.cpuSeconds(pid: pid) else {
            throw BenchError.invalidOptions("cannot read /proc/\(pid)/stat")
        }
        return BenchReport.MassClose(connections: held.count, seconds: seconds, serverCPUSeconds: cpuAfter - cpuBefore)
    }

    private static func waitForOpenFiles(pid: Int32, atMost limit: Int) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while true {
            guard let open = ProcessMetrics.openFiles(pid: pid) else {
                throw BenchError.invalidOptions("cannot list /proc/\(pid)/fd")
            }
            if open <= limit { return }
            guard clock.now < deadline else {
                throw BenchError.serverStalled("server \(pid) still has \(open) files open, expected at most \(limit)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
