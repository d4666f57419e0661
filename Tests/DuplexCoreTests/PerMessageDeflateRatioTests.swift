import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@testable import DuplexCore

/// The compression ratio of each window / memory level choice that docs/compression.md tabulates,
/// on a fixed corpus of chat-like JSON messages, with and without context takeover. The test prints
/// the table (`swift test --filter PerMessageDeflateRatioTests`) and checks its ordering.
@Suite(.timeLimit(.minutes(1)))
struct PerMessageDeflateRatioTests {
    /// 2 000 chat-like JSON messages of 100 to 400 bytes, the same on every run.
    private static let corpus: [ByteBuffer] = {
        let words = ["hello", "world", "deploy", "merge", "review", "lunch", "build", "green", "ship", "today", "issue", "ok"]
        let users = ["ada", "grace", "linus", "barbara", "ken", "margaret", "dennis"]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33) % bound
        }
        return (0..<2000).map { index in
            let text = (0..<(8 + next(40))).map { _ in words[next(words.count)] }.joined(separator: " ")
            return ByteBuffer(string: #"{"type":"message","id":\#(100_000 + index),"room":"room-\#(next(5))","user":"\#(users[next(users.count)])","sent":\#(1_700_000_000 + index * 7),"text":"\#(text)"}"#)
        }
    }()

    /// This thread's CPU time in seconds.
    private static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Compressed bytes over raw bytes for the corpus, and the raw megabytes (10^6) compressed per
    /// second of this thread's CPU time.
    private static func ratio(windowBits: Int, memoryLevel: Int, contextTakeover: Bool) throws -> (ratio: Double, megabytesPerSecond: Double) {
        let corpus = Self.corpus  // built before the clock starts
        let start = threadCPUSeconds()
        var compressor = DeflateCompressor(level: 6, windowBits: windowBits, memoryLevel: memoryLevel)
        var raw = 0
        var compressed = 0
        for message in corpus {
            raw += message.readableBytes
            let output = compressor.compress(message, allocator: ByteBufferAllocator())
            compressed += try #require(output).readableBytes
            if !contextTakeover { compressor.release() }
        }
        return (Double(compressed) / Double(raw), Double(raw) / 1e6 / (threadCPUSeconds() - start))
    }

    @Test func smallerWindowsAndMemoryLevelsCompressLessWell() throws {
        let choices = [(15, 8), (12, 5), (10, 4), (9, 1)]
        var takeover: [Double] = []
        for (windowBits, memoryLevel) in choices {
            let kept = try Self.ratio(windowBits: windowBits, memoryLevel: memoryLevel, contextTakeover: true)
            let reset = try Self.ratio(windowBits: windowBits, memoryLevel: memoryLevel, contextTakeover: false)
            print("window \(windowBits), memLevel \(memoryLevel): ratio \(kept.ratio) at \(kept.megabytesPerSecond) MB/s with context takeover, \(reset.ratio) at \(reset.megabytesPerSecond) MB/s without")
            #expect(kept.ratio < reset.ratio)
            #expect(reset.ratio < 1)
            takeover.append(kept.ratio)
        }
        #expect(takeover.first ?? 1 <= takeover.last ?? 0)
    }
}
