import DuplexCore
import NIOCore
import Testing

/// The micro-benchmarks' bodies (Benchmarks/Sources/CoreBenchmarkBodies, linked into this target
/// under BenchmarkBodies/) run once each and checked for correctness, never for time, so that the
/// benchmarks cannot rot unnoticed.
@Suite(.timeLimit(.minutes(3))) struct BenchmarkBodiesTests {
    @Test(arguments: [16, 1024, 64 * 1024, 1 << 20])
    func parseFrames(payloadSize: Int) {
        let count = min(FrameFixtures.frameCount(forPayloadSize: payloadSize), 64)
        let result = CoreBenchmarkBodies.parseFrames(FrameFixtures.maskedTextFrames(payloadSize: payloadSize, count: count))
        #expect(result.messages == count)
        #expect(result.bytes == count * payloadSize)
    }

    @Test(arguments: [15, 1 << 16])
    func maskingTwiceRestores(size: Int) {
        let original = TextSamples.ascii(size: size)
        var buffer = original
        CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
        #expect(buffer != original)
        CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
        #expect(buffer == original)
    }

    @Test func utf8Validation() {
        #expect(CoreBenchmarkBodies.validateUTF8(TextSamples.ascii(size: 1 << 16)))
        #expect(CoreBenchmarkBodies.validateUTF8(TextSamples.mixedScripts(size: 1 << 16)))
        var broken = TextSamples.mixedScripts(size: 1 << 10)
        broken.writeInteger(UInt8(0xC0))
        #expect(!CoreBenchmarkBodies.validateUTF8(broken))
    }

    @Test func deflateRoundTripKeepsContext() {
        var pair = CoreBenchmarkBodies.deflatePair()
        let message = TextSamples.mixedScripts(size: 16 * 1024)
        #expect(CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair) == message)
        #expect(CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair) == message)
    }

    @Test(arguments: ["event-loop", "async"]) func echo(kind: String) throws {
        let echo = try kind == "async" ? AsyncEcho.make(payloadSize: 32) : EventLoopEcho.make(payloadSize: 32)
        for _ in 0..<1000 { #expect(try echo.echo()) }
        try echo.finish()
    }
}
