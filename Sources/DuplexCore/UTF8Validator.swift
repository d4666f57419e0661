import NIOCore

/// An incremental UTF-8 validator: feed it a text message's bytes in pieces split anywhere, and it
/// rejects the first byte that cannot start or continue a well-formed sequence (Unicode Table 3-7):
/// overlong forms, surrogates (`ED A0`–`ED BF`), code points above U+10FFFF and stray bytes.
///
/// Runs of ASCII are skipped sixteen bytes at a time; other bytes go through a small state machine
/// whose state carries over between calls.
@_spi(Core) public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current sequence; `failed` once invalid.
    @usableFromInline var pending: UInt8 = 0
    /// The smallest byte allowed next in the current sequence.
    @usableFromInline var lower: UInt8 = 0x80
    /// The largest byte allowed next in the current sequence.
    @usableFromInline var upper: UInt8 = 0xBF

    @usableFromInline static let failed: UInt8 = .max
    @usableFromInline static let highBits: UInt64 = 0x8080_8080_8080_8080

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

    /// Feeds the next bytes. Returns `false` at the first invalid byte (and from then on).
    @inlinable
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard pending != Self.failed else { return false }
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            if pending == 0 {
                while index &+ 16 <= count {
                    let words = (base + index).loadUnaligned(as: UInt64.self)
                        | (base + index + 8).loadUnaligned(as: UInt64.self)
                    if words & Self.highBits != 0 { break }
                    index &+= 16
                }
                while index &+ 8 <= count {
                    let high = UInt64(littleEndian: (base + index).loadUnaligned(as: UInt64.self)) & Self.highBits
                    if high != 0 {
                        // Jump straight to the first non-ASCII byte of the word.
                        index &+= high.trailingZeroBitCount &>> 3
                        break
                    }
                    index &+= 8
                }
                guard index < count else { return true }
            }
            if !step(base.load(fromByteOffset: index, as: UInt8.self)) { return false }
            index &+= 1
        }
        return true
    }

    /// Feeds the readable bytes of `buffer`. Returns `false` at the first invalid byte.
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

    /// Advances the state machine by one byte.
    @inlinable
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
