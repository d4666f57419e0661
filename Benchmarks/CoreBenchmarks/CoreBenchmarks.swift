import Benchmark
@_spi(Core) import CoreBenchmarkBodies
import NIOCore

// The core's micro-benchmarks: `swift package --package-path Benchmarks benchmark`.
// Throughput is in operations per second; a scaled iteration is one call of the body.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(2),
        maxIterations: 10_000
    )

    for (label, size) in [("16 B", 16), ("1 KiB", 1024), ("64 KiB", 64 * 1024), ("1 MiB", 1 << 20)] {
        let count = FrameFixtures.frameCount(forPayloadSize: size)
        let frames = FrameFixtures.maskedTextFrames(payloadSize: size, count: count)
        Benchmark("parse+unmask+UTF-8 \(label) frames (\(count) per iteration)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(CoreBenchmarkBodies.parseFrames(frames))
            }
        }
    }

    let maskInput = TextSamples.ascii(size: 1 << 16)
    Benchmark("mask 64 KiB") { benchmark in
        var buffer = maskInput
        for _ in benchmark.scaledIterations {
            CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
        }
        blackHole(buffer)
    }

    for (label, text) in [("ASCII", TextSamples.ascii(size: 1 << 16)), ("mixed scripts", TextSamples.mixedScripts(size: 1 << 16))] {
        Benchmark("UTF-8 validate 64 KiB \(label)") { benchmark in
            for _ in benchmark.scaledIterations {
                blackHole(CoreBenchmarkBodies.validateUTF8(text))
            }
        }
    }

    for (label, make) in [("event-loop", EventLoopEcho.make), ("async", AsyncEcho.make)] {
        Benchmark("\(label) echo 32 B binary (allocations per message)") { benchmark in
            let echo = try make(32)
            for _ in 0..<100 { _ = try echo.echo() }  // warm up: buffers reach their steady sizes
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                blackHole(try echo.echo())
            }
            benchmark.stopMeasurement()
            try echo.finish()
        }
    }

    let message = TextSamples.mixedScripts(size: 16 * 1024)
    Benchmark("permessage-deflate round trip 16 KiB text") { benchmark in
        var pair = CoreBenchmarkBodies.deflatePair()
        for _ in benchmark.scaledIterations {
            blackHole(CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair))
        }
    }
}
