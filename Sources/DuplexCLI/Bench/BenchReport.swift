import Histogram

/// The outcome of one `duplex bench` run, printed as a summary or as JSON (`--json`).
struct BenchReport: Codable, Sendable {
    /// Latency percentiles in microseconds.
    struct Latency: Codable, Sendable {
        var p50: Double
        var p90: Double
        var p99: Double
        var p999: Double
        var max: Double

        /// Reads the percentiles from a histogram of nanoseconds.
        init(_ histogram: Histogram<UInt64>) {
            func micros(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1000 }
            p50 = micros(histogram.valueAtPercentile(50))
            p90 = micros(histogram.valueAtPercentile(90))
            p99 = micros(histogram.valueAtPercentile(99))
            p999 = micros(histogram.valueAtPercentile(99.9))
            max = micros(histogram.max)
        }
    }

    /// The generator's own CPU use over the measured window.
    struct GeneratorCPU: Codable, Sendable {
        /// CPU seconds per wall second (1.0 is one core busy).
        var cores: Double
        /// The share of its event-loop threads' capacity used, 0...1.
        var utilization: Double
        /// Whether the generator was likely the bottleneck (utilization above 90%).
        var saturated: Bool
    }

    /// Memory the server took for idle connections.
    struct IdleMemory: Codable, Sendable {
        /// The server's resident set before the connections opened, in bytes.
        var serverRSSBefore: Int
        /// The server's resident set with every connection open, in bytes.
        var serverRSSAfter: Int
        /// The growth divided by the connection count.
        var bytesPerConnection: Double
    }

    /// Idle connections closed at once after a connect run (`--idle`), seen from the server.
    struct MassClose: Codable, Sendable {
        /// The connections closed.
        var connections: Int
        /// Wall seconds until the server had closed them all.
        var seconds: Double
        /// The server's user plus system CPU seconds over that time.
        var serverCPUSeconds: Double
    }

    var mode: String
    var url: String
    var connections: Int
    var threads: Int
    /// Seconds measured (after the warm-up).
    var seconds: Double
    var depth: Int?
    var size: Int?
    var payload: String?
    var deflateOffered: Bool?
    var deflateNegotiated: Bool?
    /// Echoed messages, or handshake-and-close cycles.
    var operations: UInt64
    /// Echoed messages per second (echo mode).
    var messagesPerSecond: Double?
    /// Echoed payload megabytes (10^6 bytes) received per second (echo mode).
    var megabytesPerSecond: Double?
    /// Handshake-and-close cycles per second (connect mode).
    var handshakesPerSecond: Double?
    /// The server's CPU time per cycle, in microseconds (connect mode with `--server-pid`).
    var serverMicrosecondsPerHandshake: Double?
    /// Echo round trip or cycle duration.
    var latency: Latency?
    var idleMemory: IdleMemory?
    /// Idle connections held open during a connect run.
    var idleConnections: Int?
    var massClose: MassClose?
    var generatorCPU: GeneratorCPU?
    var errors: UInt64
    var firstError: String?
    var verifyFailures: UInt64?

    /// A few readable lines.
    var summary: String {
        var lines = ["duplex bench \(mode) \(url)  connections \(connections), threads \(threads), \(format(seconds, 1)) s"]
        if let depth, let size, let payload {
            var line = "  \(payload) messages of \(size) B, depth \(depth)"
            if deflateOffered == true { line += ", permessage-deflate \(deflateNegotiated == true ? "negotiated" : "REFUSED by the server")" }
            lines.append(line)
        }
        if let messagesPerSecond, let megabytesPerSecond {
            lines.append("  \(format(messagesPerSecond, 0)) msg/s   \(format(megabytesPerSecond, 1)) MB/s   (\(operations) messages)")
        }
        if let handshakesPerSecond {
            let held = idleConnections.map { ", \($0) idle connections held" } ?? ""
            lines.append("  \(format(handshakesPerSecond, 0)) handshakes/s   (\(operations) cycles\(held))")
            if let serverMicrosecondsPerHandshake {
                lines.append("  server CPU \(format(serverMicrosecondsPerHandshake, 1)) µs per handshake")
            }
        }
        if let latency {
            lines.append(
                "  latency µs  p50 \(format(latency.p50, 1))  p90 \(format(latency.p90, 1))  p99 \(format(latency.p99, 1))  "
                    + "p99.9 \(format(latency.p999, 1))  max \(format(latency.max, 1))"
            )
        }
        if let idleMemory {
            lines.append(
                "  server RSS \(idleMemory.serverRSSBefore / 1024) KiB -> \(idleMemory.serverRSSAfter / 1024) KiB: "
                    + "\(format(idleMemory.bytesPerConnection, 0)) B per connection"
            )
        }
        if let massClose {
            lines.append(
                "  closing \(massClose.connections) idle at once: server CPU \(format(massClose.serverCPUSeconds, 2)) s, "
                    + "\(format(massClose.seconds, 2)) s until all closed"
            )
        }
        if let generatorCPU {
            lines.append("  generator CPU \(format(generatorCPU.cores * 100, 0))% (\(format(generatorCPU.utilization * 100, 0))% of its threads)")
            if generatorCPU.saturated {
                lines.append("  WARNING: the generator used over 90% of its threads: it may be the bottleneck (raise -t)")
            }
        }
        if let verifyFailures { lines.append("  verify failures \(verifyFailures)") }
        if errors > 0 { lines.append("  errors \(errors)\(firstError.map { ", first: \($0)" } ?? "")") }
        return lines.joined(separator: "\n")
    }

    private func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return decimals == 0 ? String(Int(rounded)) : String(rounded)
    }
}
