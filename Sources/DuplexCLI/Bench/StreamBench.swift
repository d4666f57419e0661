import ArgumentParser
import Duplex
import Foundation
import NIOCore

/// `duplex bench stream`: one large text message streamed by a Duplex client through an in-process
/// Duplex server that echoes it chunk by chunk, and back; reports the process's peak resident
/// memory growth while it passes, which bounds what the client holds of it.
///
/// The client sends the message with `send(_:chunks:)` and receives its echo with
/// `receiveStreaming()`, both sides with `deliversFragments` on, so neither ever holds the message
/// whole. The server runs in the same process, so the growth reported bounds the client's own. A
/// warm-up message goes through first, so that buffers and zlib streams exist before the baseline
/// is read.
struct StreamBenchOptions: ParsableArguments {
    @Option(name: .customLong("message-mib"), help: "Stream mode: the message's size in MiB.")
    var mebibytes = 1024

    @Option(name: .customLong("chunk-kib"), help: "Stream mode: the chunk (frame) size in KiB.")
    var chunk = 64

    @Option(name: .customLong("warmup-mib"), help: "Stream mode: the warm-up message's size in MiB.")
    var warmup = 16

    func validate() throws {
        guard mebibytes > 0, chunk > 0, warmup >= 0 else {
            throw ValidationError("--message-mib and --chunk-kib must be positive, --warmup-mib not negative")
        }
    }

    /// Runs the measurement and prints its report; with `deflate`, every chunk is compressed both ways.
    func run(deflate: Bool) async throws {
        let chunkBytes = chunk << 10
        let session = {
            var session = SessionConfiguration()
            session.connection.deliversFragments = true
            session.connection.maxMessageSize = .max
            session.connection.maxFrameSize = chunkBytes
            return session
        }()
        var serverConfiguration = WebSocketServerConfiguration(host: "127.0.0.1", port: 0)
        serverConfiguration.session = session
        serverConfiguration.extensions = deflate ? [PerMessageDeflate()] : []
        var client = WebSocketClientConfiguration()
        client.session = session
        client.extensions = deflate ? [PerMessageDeflate()] : []
        let server = WebSocketServer(configuration: serverConfiguration)
        let port = try await server.bind().port!
        let pattern = EchoPlan.makePayload(size: chunkBytes, text: true)
        let (mebibytes, warmup) = (mebibytes, warmup)
        let report = try await withThrowingTaskGroup(of: StreamReport?.self) { group in
            group.addTask {
                try await server.run { _ in
                    .accept { ws in
                        while let message = await ws.receiveStreaming() { try await ws.send(message.kind, chunks: message) }
                    }
                }
                return nil
            }
            let report = try await WebSocket.connect(to: "ws://127.0.0.1:\(port)/", configuration: client) { ws in
                _ = try await Self.roundTrip(ws, chunks: (warmup << 20) / chunkBytes, pattern: pattern)
                let sampler = RSSSampler()
                let started = ContinuousClock.now
                let mismatches = try await Self.roundTrip(ws, chunks: (mebibytes << 20) / chunkBytes, pattern: pattern)
                return StreamReport(
                    bytes: (mebibytes << 20) / chunkBytes * chunkBytes, elapsed: ContinuousClock.now - started,
                    baseline: sampler.baseline, peak: await sampler.stop(), mismatches: mismatches)
            }
            await server.shutdown()
            try await group.waitForAll()
            return report
        }
        print(report.summary(deflate: deflate, chunk: chunkBytes))
        if report.mismatches > 0 { throw ExitCode(1) }
    }

    /// Sends `chunks` copies of `pattern` (JSON-like text) as one text message while receiving its echo; returns
    /// the number of echoed chunks that differ from `pattern`.
    private static func roundTrip(_ ws: WebSocket, chunks: Int, pattern: ByteBuffer) async throws -> Int {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await ws.send(.text, chunks: RepeatedChunk(chunk: pattern, count: chunks)) }
            guard let echo = await ws.receiveStreaming() else { throw WebSocketError.connectionClosed }
            var (received, mismatches) = (0, 0)
            for try await piece in echo {
                if piece != pattern { mismatches += 1 }
                received += 1
            }
            try await group.waitForAll()
            return mismatches + abs(chunks - received)
        }
    }
}

/// The same chunk `count` times, with nothing buffered.
private struct RepeatedChunk: AsyncSequence, Sendable {
    let chunk: ByteBuffer
    let count: Int

    func makeAsyncIterator() -> Iterator { Iterator(chunk: chunk, left: count) }

    struct Iterator: AsyncIteratorProtocol {
        let chunk: ByteBuffer
        var left: Int

        mutating func next() async -> ByteBuffer? {
            guard left > 0 else { return nil }
            left -= 1
            return chunk
        }
    }
}

/// Samples this process's resident set every 5 ms from its creation until ``stop()``.
private final class RSSSampler: Sendable {
    let baseline: Int
    private let sampling: Task<Int, Never>

    init() {
        let baseline = ProcessMetrics.residentBytes(pid: getpid()) ?? 0
        self.baseline = baseline
        sampling = Task.detached {
            var peak = baseline
            while !Task.isCancelled {
                peak = max(peak, ProcessMetrics.residentBytes(pid: getpid()) ?? 0)
                try? await Task.sleep(for: .milliseconds(5))
            }
            return peak
        }
    }

    /// Stops sampling; returns the largest resident set seen.
    func stop() async -> Int {
        sampling.cancel()
        return max(await sampling.value, ProcessMetrics.residentBytes(pid: getpid()) ?? 0)
    }
}

/// What `duplex bench stream` measured.
private struct StreamReport: Sendable {
    let bytes: Int
    let elapsed: Duration
    let baseline: Int
    let peak: Int
    let mismatches: Int

    func summary(deflate: Bool, chunk: Int) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let mib = { (bytes: Int) in String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        return """
            streamed \(mib(bytes)) out and back in \(chunk >> 10) KiB chunks\(deflate ? ", permessage-deflate" : "") \
            in \(String(format: "%.2f", seconds)) s (\(String(format: "%.0f", Double(bytes) / seconds / 1e6)) MB/s each way)
            RSS: baseline \(mib(baseline)), peak \(mib(peak)), growth \(mib(peak - baseline))
            echoed chunks differing from what was sent: \(mismatches)
            """
    }
}
