import Testing

@_spi(Core) @testable import DuplexCore

/// The vector kernels against the byte-at-a-time state machine (`UTF8Validator.step`, the
/// validator before the kernels), piece by piece: the same pieces accepted, the same rejected.
@Suite(.timeLimit(.minutes(1))) struct UTF8KernelTests {
    /// Every way of checking a run that this processor has, the state machine included.
    static let kernels = UTF8Validator.Kernel.allCases.filter(\.isAvailable)

    /// Bytes at the edges of every range in Unicode Table 3-7, and some from the middle.
    static let edgeBytes: [UInt8] = [
        0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
        0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xF7, 0xF8, 0xFF,
    ]

    /// ASCII before a sequence, so that it straddles every 16-, 32- and 64-byte boundary.
    static let offsets = [0, 1, 13, 14, 15, 29, 30, 31, 61, 62, 63]

    @Test func aVectorKernelRunsOnThisProcessor() {
        #if arch(x86_64) || arch(arm64)
        #expect(Self.kernels.count >= 3, "\(Self.kernels)")  // best, one vector kernel or more, the state machine
        #endif
        #expect(Self.kernels.contains(.stateMachine))
    }

    @Test func everyOneAndTwoByteSequenceAgrees() {
        for first in 0...255 {
            check([UInt8(first)])
            for second in 0...255 { check([UInt8(first), UInt8(second)]) }
        }
    }

    @Test func threeAndFourByteSequencesAgreeAtEveryBoundary() {
        for first in 0...255 {
            for second in Self.edgeBytes {
                for (index, third) in Self.edgeBytes.enumerated() {
                    let offset = [0, 14, 30, 61][(first + index) % 4]  // each boundary in turn
                    check(Array(repeating: 0x61, count: offset) + [UInt8(first), second, third])
                }
            }
        }
        for first: UInt8 in [0xC2, 0xE0, 0xED, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5] {
            for second in Self.edgeBytes {
                for third in Self.edgeBytes {
                    for fourth in Self.edgeBytes { check([first, second, third, fourth]) }
                }
            }
        }
    }

    @Test func namedClassesAgreeAtEveryOffsetAndSplit() {
        let cases: [[UInt8]] = [
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF],  // valid edges
            [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF],  // overlong
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xED, 0x9F, 0xBF],  // surrogates, and the last before
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF],  // above U+10FFFF, never valid
            [0xC2], [0xE1, 0x80], [0xF1, 0x80, 0x80], [0x80], [0xE1, 0x80, 0x80, 0x80],  // short, long
            [0xC2, 0x41], [0xE1, 0x41, 0x80], [0xF1, 0x80, 0x41, 0x80], [0xE1, 0x80, 0xC2, 0x80],
        ]
        for sequence in cases {
            for offset in Self.offsets {
                let bytes = Array(repeating: 0x61, count: offset) + sequence + Array(repeating: 0x62, count: 40)
                checkSplits(bytes, around: offset, width: sequence.count)
                checkSplits(Array(bytes.prefix(offset + sequence.count)), around: offset, width: sequence.count)
            }
        }
    }

    @Test func mixedScriptTextWithOneCorruptedByteAgrees() {
        var generator = SeededGenerator(seed: 13)
        let words = ["façade", "naïve", "καλημέρα", "привет", "你好世界", "こんにちは", "👋🏽", "𝄞", "plain ascii words"]
        var text: [UInt8] = []
        while text.count < 700 {
            text += Array(words[Int.random(in: 0..<words.count, using: &generator)].utf8) + [0x20]
        }
        check(text)
        let replacements: [UInt8] = [0x41, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]
        for position in 0..<260 {
            for replacement in replacements where replacement != text[position] {
                var corrupted = text
                corrupted[position] = replacement
                check(corrupted)
                let cut = Int.random(in: 1..<corrupted.count, using: &generator)
                let secondCut = Int.random(in: cut...corrupted.count, using: &generator)
                agree(pieces: [corrupted[..<cut], corrupted[cut..<secondCut], corrupted[secondCut...]])
            }
        }
    }

    @Test func randomBytesAgreeInRandomPieces() {
        var generator = SeededGenerator(seed: 29)
        for round in 0..<3000 {
            let length = Int.random(in: 0...200, using: &generator)
            let asciiShare = [4, 16, 28, 31][round % 4]  // out of 32
            let bytes = (0..<length).map { _ in
                Int.random(in: 0..<32, using: &generator) < asciiShare
                    ? UInt8.random(in: 0...0x7F, using: &generator) : UInt8.random(in: 0x80...0xFF, using: &generator)
            }
            check(bytes)
            var cuts = (0..<Int.random(in: 0...3, using: &generator)).map { _ in Int.random(in: 0...length, using: &generator) }
            cuts.sort()
            let bounds = [0] + cuts + [length]
            agree(pieces: zip(bounds, bounds.dropFirst()).map { bytes[$0..<$1] })
        }
    }

    /// Checks `bytes` as one piece, then cut into two and three pieces at every pair of points in
    /// `offset - 1 ... offset + width + 1`.
    func checkSplits(_ bytes: [UInt8], around offset: Int, width: Int) {
        let points = max(0, offset - 1)...min(bytes.count, offset + width + 1)
        for first in points {
            agree(pieces: [bytes[..<first], bytes[first...]])
            for second in points where second >= first {
                agree(pieces: [bytes[..<first], bytes[first..<second], bytes[second...]])
            }
        }
    }

    /// Checks `bytes` as one piece.
    func check(_ bytes: [UInt8]) {
        agree(pieces: [bytes[...]])
    }

    /// Feeds `pieces` to a validator with each kernel and to the state machine byte by byte, and
    /// expects the same answer for every piece and the same completeness at the end.
    func agree(pieces: [ArraySlice<UInt8>]) {
        var reference = UTF8Validator()
        let expected = pieces.map { piece in !reference.hasFailed && piece.allSatisfy { reference.step($0) } }
        for kernel in Self.kernels {
            var validator = UTF8Validator()
            let answers = pieces.map { piece in piece.withUnsafeBytes { validator.validate($0, kernel: kernel) } }
            #expect(answers == expected && validator.pending == reference.pending, "\(kernel) on \(pieces.map(Array.init))")
        }
    }
}
