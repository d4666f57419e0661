import CoreBenchmarkBodies
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

// Runs every micro-benchmark body once and checks its result, so the benchmarks' code paths cannot
// rot unnoticed. Timing is never checked.

/// The tally of the checks.
struct Checks {
    var passed = 0
    var failed = 0

    /// Counts `condition`, printing `name` when it does not hold.
    mutating func expect(_ condition: Bool, _ name: String) {
        if condition {
            passed += 1
        } else {
            failed += 1
            print("FAILED: \(name)")
        }
    }
}

var checks = Checks()

for size in [16, 1024, 64 * 1024, 1 << 20] {
    let count = min(FrameFixtures.frameCount(forPayloadSize: size), 64)
    let result = CoreBenchmarkBodies.parseFrames(FrameFixtures.maskedTextFrames(payloadSize: size, count: count))
    checks.expect(result.messages == count && result.bytes == count * size, "parse \(size) B frames")
}

for size in [15, 1 << 16] {
    let original = TextSamples.ascii(size: size)
    var buffer = original
    CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
    let changed = buffer != original
    CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
    checks.expect(changed && buffer == original, "mask \(size) B twice restores it")
}

checks.expect(CoreBenchmarkBodies.validateUTF8(TextSamples.ascii(size: 1 << 16)), "UTF-8 ASCII valid")
checks.expect(CoreBenchmarkBodies.validateUTF8(TextSamples.mixedScripts(size: 1 << 16)), "UTF-8 mixed scripts valid")
var broken = TextSamples.mixedScripts(size: 1 << 10)
broken.writeInteger(UInt8(0xC0))
checks.expect(!CoreBenchmarkBodies.validateUTF8(broken), "UTF-8 invalid byte rejected")

var pair = CoreBenchmarkBodies.deflatePair()
let message = TextSamples.mixedScripts(size: 16 * 1024)
checks.expect(CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair) == message, "deflate round trip")
checks.expect(CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair) == message, "deflate round trip, context kept")

print("core-bench-check: \(checks.passed) passed, \(checks.failed) failed")
exit(checks.failed == 0 ? 0 : 1)
