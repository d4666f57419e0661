import Crypto
import NIOConcurrencyHelpers

/// Where a client's masking keys come from.
@_spi(Core) public struct MaskingKeySource: Sendable {
    /// Returns the next 4-byte masking key.
    public var next: @Sendable () -> UInt32
    /// Creates a source from a function.
    public init(next: @escaping @Sendable () -> UInt32) { self.next = next }
    /// Keys from the system's cryptographically secure generator, fetched 64 at a time so that a
    /// client does not make a system call per frame. Each use of this property makes a new pool.
    public static var secureRandom: MaskingKeySource {
        let pool = MaskingKeyPool()
        return MaskingKeySource { pool.next() }
    }
    /// For a server, which never masks: asking it for a key is a programmer error.
    static let unused = MaskingKeySource { preconditionFailure("a server never masks its frames") }
    /// The same key every time (for reproducible tests).
    public static func fixed(_ key: UInt32) -> MaskingKeySource { MaskingKeySource { key } }
}

/// Masking keys read from a secure generator in batches of 64. Locked, because a
/// ``MaskingKeySource`` may be shared between connections on different threads.
private final class MaskingKeyPool: Sendable {
    private static let batch = 64
    private let state = NIOLockedValueBox(State())

    private struct State {
        var keys = [UInt32](repeating: 0, count: MaskingKeyPool.batch)
        var used = MaskingKeyPool.batch
    }

    func next() -> UInt32 {
        state.withLockedValue { state in
            if state.used == state.keys.count {
                state.keys.withUnsafeMutableBytes { fillRandom($0) }
                state.used = 0
            }
            defer { state.used += 1 }
            return state.keys[state.used]
        }
    }
}

/// Fills `bytes` from a cryptographically secure generator: swift-crypto's (BoringSSL's
/// `RAND_bytes` on Linux, seeded by the kernel), through a random `SymmetricKey`.
private func fillRandom(_ bytes: UnsafeMutableRawBufferPointer) {
    let key = SymmetricKey(size: SymmetricKeySize(bitCount: bytes.count * 8))
    key.withUnsafeBytes { bytes.copyMemory(from: $0) }
}
