import ArgumentParser
import Foundation
import NIOCore

/// `duplex bench`: a load generator for WebSocket echo servers, built on SwiftNIO and DuplexCore,
/// with every connection driven on its event loop.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a WebSocket echo server: echo throughput and latency, handshakes per second, memory per idle connection.",
        discussion: """
            echo     keeps -d messages of -s bytes in flight on each of -c connections and times every echo.
            connect  runs handshake-and-close cycles on -c connections at a time; with --idle N it first \
            opens N idle connections and holds them, and after the measurement closes them at once \
            (with --server-pid, reporting the server's CPU time for that, from /proc/PID/stat).
            idle     opens -c connections and holds them; with --server-pid, reports the server's \
            resident memory growth per connection (VmRSS from /proc/PID/status). With --exchange, \
            each connection first sends one -s byte message and receives its echo.
            stream   streams one --message-mib message in --chunk-kib chunks through a Duplex client and \
            an in-process streaming echo server (the URL is not used), and reports the peak RSS growth.
            """
    )

    @Argument(help: "echo, connect, idle or stream.")
    var mode: BenchMode

    @Argument(help: "The server's ws:// or wss:// URL.")
    var url = BenchTarget(argument: "ws://127.0.0.1:8080/")!

    @Option(name: [.short, .customLong("connections")], help: "Connections (concurrent cycles in connect mode).")
    var connections = 100

    @Option(name: [.short, .customLong("depth")], help: "Echo messages in flight per connection.")
    var depth = 1

    @Option(name: [.short, .customLong("size")], help: "Echo message size in bytes.")
    var size = 32

    @Flag(help: "Echo message kind.")
    var payload: PayloadKind = .binary

    @Flag(help: "Offer permessage-deflate.")
    var deflate = false

    @Flag(help: "Check every echoed byte against what was sent.")
    var verify = false

    @Option(help: "Seconds measured.")
    var duration = 5.0

    @Option(help: "Seconds of load before the measurement starts (idle mode: seconds to let the server settle).")
    var warmup = 1.0

    @Option(name: [.short, .customLong("threads")], help: "Event loop threads of the generator.")
    var threads = 1

    @Option(help: "Connect mode: idle connections held open during the measurement, then closed at once.")
    var idle = 0

    @Option(
        name: .customLong("idle-source"),
        help: """
            Connect mode: the local address the idle connections leave from (e.g. 127.0.0.2), so that the \
            kernel's ephemeral-port search for the measured connections does not scan theirs.
            """)
    var idleSource: String?

    @Option(name: .customLong("server-pid"), help: "The server's process id, for idle mode's memory figure and connect mode's mass-close CPU.")
    var serverPID: Int32?

    @Flag(help: "Idle mode: exchange one message on each connection before holding it.")
    var exchange = false

    @Flag(help: "wss://: do not verify the server's certificate.")
    var insecure = false

    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    @OptionGroup(title: "Stream mode")
    var stream: StreamBenchOptions

    func validate() throws {
        guard connections > 0, depth > 0, size >= 0, threads > 0 else {
            throw ValidationError("-c, -d and -t must be positive, -s not negative")
        }
        guard duration > 0, warmup >= 0 else { throw ValidationError("--duration must be positive, --warmup not negative") }
        guard idle >= 0, idle == 0 || mode == .connect else { throw ValidationError("--idle is for connect mode, and not negative") }
        guard idleSource == nil || idle > 0 else { throw ValidationError("--idle-source goes with --idle") }
    }

    func run() async throws {
        if mode == .stream { return try await stream.run(deflate: deflate) }
        ProcessMetrics.raiseOpenFileLimit()
        let generator = try await LoadGenerator(
            threads: threads, target: url, deflate: deflate, tls: try url.makeTLSContext(insecure: insecure))
        let report: BenchReport
        do {
            switch mode {
            case .echo: report = try await runEcho(generator)
            case .connect: report = try await runConnect(generator)
            case .idle: report = try await runIdle(generator)
            case .stream: return  // run above, without the load generator
            }
        } catch {
            try? await generator.shutdown()
            throw error
        }
        try await generator.shutdown()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(report.summary)
        }
        if report.verifyFailures ?? 0 > 0 { throw ExitCode(1) }
    }

    /// The echo messages the options describe.
    private var plan: EchoPlan {
        EchoPlan(
            payload: EchoPlan.makePayload(size: size, text: payload == .text),
            opcode: payload == .text ? .text : .binary, depth: depth, verify: verify
        )
    }

    private func runEcho(_ generator: LoadGenerator) async throws -> BenchReport {
        let plan = plan
        let opened = try await generator.openAll(connections, workload: .echo(plan))
        let window = try await MeasurementWindow.measure(generator, label: "echo", warmup: warmup, duration: duration)
        await generator.close(opened.channels)
        var report = makeReport(window)
        report.depth = depth
        report.size = size
        report.payload = payload.rawValue
        report.deflateOffered = deflate
        report.deflateNegotiated = deflate ? opened.deflated : nil
        report.messagesPerSecond = Double(window.statistics.operations) / window.seconds
        report.megabytesPerSecond = Double(window.statistics.bytes) / window.seconds / 1e6
        report.latency = .init(window.statistics.latency)
        report.verifyFailures = verify ? window.statistics.verifyFailures : nil
        return report
    }

    private func runConnect(_ generator: LoadGenerator) async throws -> BenchReport {
        let baselineFiles = serverPID.flatMap { ProcessMetrics.openFiles(pid: $0) }
        let source = try idleSource.map { try SocketAddress(ipAddress: $0, port: 0) }
        let held = try await generator.openAll(idle, workload: .idle(nil), source: source).channels
        let cycles = generator.runCycles(slots: connections)
        let window = try await MeasurementWindow.measure(
            generator, label: "connect", warmup: warmup, duration: duration, serverPID: serverPID)
        try await cycles.get()
        var report = makeReport(window)
        report.handshakesPerSecond = Double(window.statistics.operations) / window.seconds
        if let serverCPU = window.serverCPUSeconds, window.statistics.operations > 0 {
            report.serverMicrosecondsPerHandshake = serverCPU * 1e6 / Double(window.statistics.operations)
        }
        report.latency = .init(window.statistics.latency)
        guard idle > 0 else { return report }
        report.idleConnections = idle
        if let serverPID, let baselineFiles {
            report.massClose = try await MassClose.measure(generator, held: held, serverPID: serverPID, baselineFiles: baselineFiles)
        } else {
            await generator.close(held)
        }
        return report
    }

    private func runIdle(_ generator: LoadGenerator) async throws -> BenchReport {
        let before = serverPID.flatMap { ProcessMetrics.residentBytes(pid: $0) }
        let clock = ContinuousClock()
        let start = clock.now
        let opened = try await generator.openAll(connections, workload: .idle(exchange ? plan : nil))
        let seconds = start.duration(to: clock.now).inSeconds
        try await Task.sleep(for: .seconds(warmup))
        let after = serverPID.flatMap { ProcessMetrics.residentBytes(pid: $0) }
        try await Task.sleep(for: .seconds(duration))
        let statistics = try await generator.snapshot()
        try await generator.stop()
        await generator.close(opened.channels)
        var report = makeReport(MeasurementWindow(statistics: statistics, seconds: seconds, cpuSeconds: 0))
        report.operations = UInt64(opened.channels.count)
        report.generatorCPU = nil
        if let before, let after {
            report.idleMemory = .init(
                serverRSSBefore: before, serverRSSAfter: after,
                bytesPerConnection: Double(after - before) / Double(connections)
            )
        } else if let serverPID {
            throw BenchError.invalidOptions("cannot read VmRSS of process \(serverPID)")
        }
        return report
    }

    private func makeReport(_ window: MeasurementWindow) -> BenchReport {
        let cores = window.cpuSeconds / window.seconds
        let utilization = cores / Double(threads)
        return BenchReport(
            mode: mode.rawValue, url: url.description, connections: connections, threads: threads,
            seconds: window.seconds, operations: window.statistics.operations,
            generatorCPU: .init(cores: cores, utilization: utilization, saturated: utilization > 0.9),
            errors: window.statistics.errors, firstError: window.statistics.firstError
        )
    }
}
