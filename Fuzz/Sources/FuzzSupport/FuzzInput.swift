/// The bytes of one fuzz input, read from the front: a few leading bytes choose the scenario, the
/// rest is the data under test.
struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    /// Copies the input libFuzzer hands over.
    init(_ data: UnsafePointer<UInt8>, count: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: count))
    }

    /// The next byte, or 0 once the input is exhausted (so that short inputs pick the defaults).
    mutating func takeByte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// Everything not taken yet.
    var remaining: ArraySlice<UInt8> { bytes[min(position, bytes.count)...] }
}

/// Chunk sizes for splitting a byte stream, derived from one input byte: its low three bits pick
/// the largest chunk (from one byte at a time to everything at once), the rest seed the sizes.
struct ChunkSizes: IteratorProtocol {
    private static let largest = [1, 2, 3, 7, 16, 64, 300, Int.max]
    private let limit: Int
    private var state: UInt32

    init(seed: UInt8) {
        limit = Self.largest[Int(seed & 7)]
        state = UInt32(seed >> 3) &* 0x9E37_79B9 | 1
    }

    /// The next chunk size, at least 1.
    mutating func next() -> Int? {
        guard limit != Int.max else { return Int.max }
        state ^= state << 13
        state ^= state >> 17
        state ^= state << 5
        return 1 + Int(state % UInt32(limit))
    }
}
