import NIOCore

/// The measured part of a run: a warm-up whose figures are dropped, then `duration` seconds whose
/// figures are kept, with a live progress line on a terminal.
struct MeasurementWindow {
    /// The merged statistics of the window.
    var statistics: StatisticsSnapshot
    /// Wall-clock seconds measured.
    var seconds: Double
    /// The generator's CPU seconds over the window.
    var cpuSeconds: Double
    /// The server's CPU seconds over the window, when its process id was given and readable.
    var serverCPUSeconds: Double? = nil

    /// Waits out the warm-up, resets the statistics, measures for `duration` seconds (with the CPU
    /// time of server `serverPID`, if given) and stops the load.
    static func measure(
        _ generator: LoadGenerator, label: String, warmup: Double, duration: Double, serverPID: Int32? = nil
    ) async throws -> MeasurementWindow {
        let progress = ProcessMetrics.standardErrorIsTerminal ? ProgressLine(label: label) : nil
        try await wait(warmup, generator: generator, progress: progress, phase: "warm-up")
        try await generator.reset()
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = ProcessMetrics.cpuSeconds()
        let serverStart = serverPID.flatMap { ProcessMetrics.cpuSeconds(pid: $0) }
        try await wait(duration, generator: generator, progress: progress, phase: "measuring")
        let statistics = try await generator.snapshot()
        let elapsed = start.duration(to: clock.now)
        let cpuSeconds = ProcessMetrics.cpuSeconds() - cpuStart
        let serverEnd = serverPID.flatMap { ProcessMetrics.cpuSeconds(pid: $0) }
        try await generator.stop()
        progress?.finish()
        return MeasurementWindow(
            statistics: statistics, seconds: elapsed.inSeconds, cpuSeconds: cpuSeconds,
            serverCPUSeconds: serverStart.flatMap { start in serverEnd.map { $0 - start } }
        )
    }

    private static func wait(_ seconds: Double, generator: LoadGenerator, progress: ProgressLine?, phase: String) async throws {
        guard let progress else {
            try await Task.sleep(for: .seconds(seconds))
            return
        }
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(seconds))
        var last = try await generator.progress()
        var lastTime = clock.now
        while clock.now < end {
            try await Task.sleep(for: min(.seconds(1), clock.now.duration(to: end)))
            let now = try await generator.progress()
            let interval = lastTime.duration(to: clock.now)
            lastTime = clock.now
            // The counters restart at the end of the warm-up.
            let done = now.operations >= last.operations ? now.operations - last.operations : now.operations
            let rate = Double(done) / max(interval.inSeconds, 1e-3)
            last = now
            progress.update(phase: phase, rate: rate, errors: now.errors)
        }
    }
}

extension Duration {
    /// The duration in seconds.
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
