import CoreBenchmarkBodies
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

// Runs every micro-benchmark body once and checks its result, so the benchmarks' code paths cannot
// rot unnoticed. Timing is never checked.

var passed = 0
var failed = 0

func check(_ name: String, _ condition: Bool) {
    if condition {
        passed += 1
    } else {
        failed += 1
        print("FAILED: \(name)")
    }
}

for size in [16, 1024, 64 * 1024, 1 << 20] {
    let count = min(FrameFixtures.frameCount(forPayloadSize: size), 64)
    let result = CoreBenchmarkBodies.parseFrames(FrameFixtures.maskedTextFrames(payloadSize: size, count: count))
    check("parse \(size) B frames", result.messages == count && result.bytes == count * size)
}

for size in [15, 1 << 16] {
    let original = TextSamples.ascii(size: size)
    var buffer = original
    CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
    let changed = buffer != original
    CoreBenchmarkBodies.mask(&buffer, key: FrameFixtures.maskingKey)
    check("mask \(size) B twice restores it", changed && buffer == original)
}

check("UTF-8 ASCII valid", CoreBenchmarkBodies.validateUTF8(TextSamples.ascii(size: 1 << 16)))
check("UTF-8 mixed scripts valid", CoreBenchmarkBodies.validateUTF8(TextSamples.mixedScripts(size: 1 << 16)))
var broken = TextSamples.mixedScripts(size: 1 << 10)
broken.writeInteger(UInt8(0xC0))
check("UTF-8 invalid byte rejected", !CoreBenchmarkBodies.validateUTF8(broken))

var pair = CoreBenchmarkBodies.deflatePair()
let message = TextSamples.mixedScripts(size: 16 * 1024)
check("deflate round trip 1", CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair) == message)
check("deflate round trip 2 (context takeover)", CoreBenchmarkBodies.deflateRoundTrip(message, pair: &pair) == message)

print("core-bench-check: \(passed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
