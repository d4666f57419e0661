import CUTF8
import NIOCore

/// An incremental UTF-8 validator: feed it a text message's bytes in pieces split anywhere, and it
/// rejects the first piece holding a byte that cannot start or continue a well-formed sequence
/// (Unicode Table 3-7): overlong forms, surrogates (`ED A0`–`ED BF`), code points above U+10FFFF
/// and stray bytes.
///
/// Within a piece, the run of whole sequences is checked 16 or 32 bytes at a time by a vector
/// kernel (the `CUTF8` target: AVX2 or SSSE3 on x86_64, chosen at run time, NEON on arm64). Only a
/// sequence cut by the end of a piece goes through a small byte-at-a-time state machine, whose state
/// carries over to the next piece. On a processor with no vector kernel, the state machine checks
/// every byte, skipping runs of ASCII eight bytes at a time.
@_spi(Core) public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current sequence; `failed` once invalid.
    @usableFromInline var pending: UInt8 = 0
    /// The smallest byte allowed next in the current sequence.
    var lower: UInt8 = 0x80
    /// The largest byte allowed next in the current sequence.
    var upper: UInt8 = 0xBF

    @usableFromInline static let failed: UInt8 = .max
    static let highBits: UInt64 = 0x8080_8080_8080_8080
    /// Shorter runs go to the state machine when the kernel is `.best`: for them the call and the
    /// kernel's setup cost more than the bytes (16-byte frames parsed 5% slower through the kernel).
    static let shortestVectorRun = 32

    /// A validator at the start of a text.
    @inlinable
    public init() {}

    /// Whether the bytes fed so far end on a sequence boundary and were all valid: what a whole
    /// message must satisfy.
    @inlinable
    public var isComplete: Bool { pending == 0 }

    /// Whether an invalid byte was seen.
    @inlinable
    public var hasFailed: Bool { pending == Self.failed }

    /// Feeds the next bytes. Returns `false` if they hold an invalid byte (and from then on).
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        validate(bytes, kernel: .best)
    }

    /// Feeds the readable bytes of `buffer`. Returns `false` if they hold an invalid byte.
    @inlinable
    public mutating func validate(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { validate($0) }
    }

    /// Whether `buffer` on its own is a whole, valid UTF-8 text.
    @inlinable
    public static func isValid(_ buffer: ByteBuffer) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(buffer) && validator.isComplete
    }

    /// How a piece's run of whole sequences is checked.
    enum Kernel: CaseIterable {
        /// The fastest vector kernel of this processor, else the state machine.
        case best
        /// 16 bytes at a time (x86_64 with SSSE3).
        case ssse3
        /// 32 bytes at a time (x86_64 with AVX2).
        case avx2
        /// 16 bytes at a time (arm64).
        case neon
        /// The byte-at-a-time state machine alone.
        case stateMachine

        /// The kernel's number for `duplex_utf8_check_run`; -1, which it refuses, for the state machine.
        var code: Int32 {
            switch self {
            case .best: DUPLEX_UTF8_KERNEL_BEST
            case .ssse3: DUPLEX_UTF8_KERNEL_SSSE3
            case .avx2: DUPLEX_UTF8_KERNEL_AVX2
            case .neon: DUPLEX_UTF8_KERNEL_NEON
            case .stateMachine: -1
            }
        }

        /// Whether this processor can run the kernel (the state machine runs everywhere).
        var isAvailable: Bool {
            self == .stateMachine || duplex_utf8_check_run(code, nil, 0) != -1
        }
    }

    /// Feeds the next bytes, checking their run of whole sequences with `kernel` (the state machine
    /// if this processor cannot run it, or if the kernel is `.best` and the run is short).
    mutating func validate(_ bytes: UnsafeRawBufferPointer, kernel: Kernel) -> Bool {
        guard pending != Self.failed else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        // Finish the sequence that the previous piece left open.
        while pending != 0 && index < count {
            guard step(base.load(fromByteOffset: index, as: UInt8.self)) else { return false }
            index &+= 1
        }
        let openStart = Self.openSequenceStart(base, from: index, to: count)
        if openStart &- index >= (kernel == .best ? Self.shortestVectorRun : 1) {
            switch duplex_utf8_check_run(kernel.code, base + index, openStart &- index) {
            case 1: index = openStart
            case 0:
                pending = Self.failed
                return false
            default: break  // no vector kernel: the state machine checks the whole piece
            }
        }
        return stepThrough(base, from: index, to: count)
    }

    /// Where a sequence cut off by the end of `base[start ..< end]` begins, or `end` if none is: a
    /// lead byte among the last three whose sequence needs more bytes than are left. The bytes
    /// before it must then be whole sequences.
    static func openSequenceStart(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Int {
        var index = end
        while index > start && end &- index < 3 {
            index &-= 1
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            guard byte & 0xC0 == 0x80 else {  // not a continuation byte
                let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                return index &+ length > end ? index : end
            }
        }
        return end
    }

    /// Runs the state machine over `base[start ..< end]`, skipping ASCII a word at a time.
    mutating func stepThrough(_ base: UnsafeRawPointer, from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end {
            if pending == 0 {
                while index &+ 8 <= end {
                    let high = UInt64(littleEndian: (base + index).loadUnaligned(as: UInt64.self)) & Self.highBits
                    if high != 0 {
                        // Jump straight to the first non-ASCII byte of the word.
                        index &+= high.trailingZeroBitCount &>> 3
                        break
                    }
                    index &+= 8
                }
                guard index < end else { return true }
            }
            if !step(base.load(fromByteOffset: index, as: UInt8.self)) { return false }
            index &+= 1
        }
        return true
    }

    /// Advances the state machine by one byte.
    mutating func step(_ byte: UInt8) -> Bool {
        if pending != 0 {
            guard byte >= lower && byte <= upper else {
                pending = Self.failed
                return false
            }
            pending &-= 1
            lower = 0x80
            upper = 0xBF
            return true
        }
        switch byte {
        case 0x00...0x7F: return true
        case 0xC2...0xDF: pending = 1
        case 0xE0: pending = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: pending = 2
        case 0xED: pending = 2; upper = 0x9F
        case 0xF0: pending = 3; lower = 0x90
        case 0xF1...0xF3: pending = 3
        case 0xF4: pending = 3; upper = 0x8F
        default:
            pending = Self.failed
            return false
        }
        return true
    }
}
