import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite(.timeLimit(.minutes(1))) struct UTF8ValidatorTests {
    static let valid: [[UInt8]] = [
        [],
        Array("hello, world, and a long enough ASCII run to take the fast path".utf8),
        [0xC2, 0x80], [0xDF, 0xBF],  // two bytes, both ends
        [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF],
        [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],  // U+10000, U+10FFFF
        Array("κόσμε — 𝄞 ascii after multibyte ascii ascii ascii".utf8),
    ]

    static let invalid: [(bytes: [UInt8], firstBad: Int)] = [
        ([0x80], 0),  // stray continuation
        ([0xC0, 0xAF], 0), ([0xC1, 0xBF], 0),  // overlong two-byte lead
        ([0xE0, 0x80, 0xAF], 1),  // overlong three bytes
        ([0xF0, 0x8F, 0xBF, 0xBF], 1),  // overlong four bytes
        ([0xED, 0xA0, 0x80], 1), ([0xED, 0xBF, 0xBF], 1),  // surrogates
        ([0xF4, 0x90, 0x80, 0x80], 1),  // above U+10FFFF
        ([0xF5, 0x80, 0x80, 0x80], 0), ([0xFF], 0), ([0xFE], 0),
        ([0xC2, 0x41], 1),  // continuation missing
        (Array("0123456789abcdefXYZ".utf8) + [0xCE, 0xBA, 0xE1, 0xBD, 0xC0], 23),  // bad after fast path
    ]

    @Test func acceptsValidSequences() {
        for bytes in Self.valid {
            #expect(UTF8Validator.isValid(ByteBuffer(bytes: bytes)), "\(bytes)")
        }
    }

    @Test func rejectsInvalidSequencesAtTheFirstBadByte() {
        for (bytes, firstBad) in Self.invalid {
            #expect(!UTF8Validator.isValid(ByteBuffer(bytes: bytes)), "\(bytes)")
            var validator = UTF8Validator()
            #expect(feed(&validator, bytes[..<firstBad]), "prefix of \(bytes)")
            #expect(!feed(&validator, [bytes[firstBad]]), "bad byte of \(bytes)")
            #expect(validator.hasFailed)
        }
    }

    @Test func truncatedSequenceIsIncompleteAtTheEnd() {
        for bytes: [UInt8] in [[0xC2], [0xE0, 0xA0], [0xF0, 0x90, 0x80], Array("ok".utf8) + [0xF4]] {
            var validator = UTF8Validator()
            #expect(feed(&validator, bytes))
            #expect(!validator.isComplete)
            #expect(!UTF8Validator.isValid(ByteBuffer(bytes: bytes)))
        }
    }

    @Test func validSequencesCutAtEveryPointStayValid() {
        for bytes in Self.valid where bytes.count > 1 {
            for cut in 1..<bytes.count {
                var validator = UTF8Validator()
                #expect(feed(&validator, bytes[..<cut]))
                #expect(feed(&validator, bytes[cut...]))
                #expect(validator.isComplete, "\(bytes) cut at \(cut)")
            }
        }
    }

    @Test func invalidSequencesCutAtEveryPointFailInTheRightPiece() {
        for (bytes, firstBad) in Self.invalid where bytes.count > 1 {
            for cut in 1..<bytes.count {
                var validator = UTF8Validator()
                let first = feed(&validator, bytes[..<cut])
                #expect(first == (cut <= firstBad), "\(bytes) cut at \(cut)")
                #expect(!feed(&validator, bytes[cut...]))
            }
        }
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SeededGenerator(seed: 7)
        var validCount = 0
        for round in 0..<4000 {
            let length = Int.random(in: 0...(round.isMultiple(of: 2) ? 40 : 120), using: &generator)
            let asciiShare = round.isMultiple(of: 2) ? 2 : 30  // mostly ASCII on odd rounds, to use the word path
            let bytes = (0..<length).map { _ in
                Int.random(in: 0..<32, using: &generator) < asciiShare
                    ? UInt8.random(in: 0...0x7F, using: &generator) : UInt8.random(in: 0x80...0xFF, using: &generator)
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(UTF8Validator.isValid(ByteBuffer(bytes: bytes)) == expected, "\(bytes)")
            if expected { validCount += 1 }
        }
        #expect(validCount > 200)  // valid texts are well represented too
    }
}

/// Feeds `bytes` to `validator` (a free function, so `#expect` can take its result).
private func feed<Bytes: Sequence<UInt8>>(_ validator: inout UTF8Validator, _ bytes: Bytes) -> Bool {
    validator.validate(ByteBuffer(bytes: bytes))
}

/// A small deterministic generator (SplitMix64) so that randomized tests reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
