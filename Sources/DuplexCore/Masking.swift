import NIOCore

/// The XOR masking of frame payloads (RFC 6455 §5.3), applied eight bytes at a time.
///
/// A masking key is a `UInt32` whose big-endian bytes are the four key bytes as they appear on the
/// wire: the key `37 fa 21 3d` is `0x37fa_213d`. Masking and unmasking are the same operation.
@_spi(Core) public enum Masking {
    /// XORs `bytes` in place with `key`, starting at key byte `offset` (0–3), which is the position
    /// of the first byte within its frame's payload modulo 4.
    @inlinable
    public static func apply(key: UInt32, to bytes: UnsafeMutableRawBufferPointer, offset: Int = 0) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        // The key rotated so its first byte is the one for `bytes[0]`, laid out in memory order.
        let shift = UInt32(truncatingIfNeeded: (offset & 3) &* 8)
        let rotated = (key &<< shift | key &>> (32 &- shift)).bigEndian
        let word = UInt64(rotated) | UInt64(rotated) << 32
        var index = 0
        while index &+ 32 <= count {
            let pointer = base + index
            pointer.storeBytes(of: pointer.loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            (pointer + 8).storeBytes(of: (pointer + 8).loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            (pointer + 16).storeBytes(of: (pointer + 16).loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            (pointer + 24).storeBytes(of: (pointer + 24).loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            index &+= 32
        }
        while index &+ 8 <= count {
            let pointer = base + index
            pointer.storeBytes(of: pointer.loadUnaligned(as: UInt64.self) ^ word, as: UInt64.self)
            index &+= 8
        }
        // Every step above consumed a multiple of 4 bytes, so the key is still aligned with `word`.
        var tail = word
        while index < count {
            let pointer = base + index
            let byte = pointer.load(as: UInt8.self) ^ UInt8(truncatingIfNeeded: tail.littleEndian)
            pointer.storeBytes(of: byte, as: UInt8.self)
            tail = UInt64(littleEndian: tail.littleEndian >> 8)
            index &+= 1
        }
    }

    /// XORs `length` bytes of `buffer` starting at absolute index `index` in place with `key`,
    /// starting at key byte `offset` (0–3). Copies the storage first only if it is shared.
    @inlinable
    public static func apply(key: UInt32, to buffer: inout ByteBuffer, at index: Int, length: Int, offset: Int = 0) {
        guard length > 0 else { return }
        let start = index - buffer.readerIndex
        buffer.withUnsafeMutableReadableBytes { bytes in
            apply(key: key, to: UnsafeMutableRawBufferPointer(rebasing: bytes[start..<start + length]), offset: offset)
        }
    }
}
