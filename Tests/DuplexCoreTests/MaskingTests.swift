import NIOCore
import Testing

@_spi(Core) @testable import DuplexCore

@Suite(.timeLimit(.minutes(1))) struct MaskingTests {
    /// Masks one byte at a time, straight from RFC 6455 §5.3: `j = i MOD 4`.
    static func reference(key: UInt32, bytes: [UInt8], offset: Int) -> [UInt8] {
        let keyBytes: [UInt8] = [UInt8(key >> 24), UInt8(key >> 16 & 0xFF), UInt8(key >> 8 & 0xFF), UInt8(key & 0xFF)]
        return bytes.enumerated().map { $1 ^ keyBytes[($0 + offset) % 4] }
    }

    @Test func matchesTheScalarReferenceForEveryLengthAndOffset() {
        let key: UInt32 = 0x37FA_213D
        for length in 0...100 {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            for offset in 0...3 {
                var output = input
                output.withUnsafeMutableBytes { Masking.apply(key: key, to: $0, offset: offset) }
                #expect(output == Self.reference(key: key, bytes: input, offset: offset), "length \(length) offset \(offset)")
            }
        }
    }

    @Test func maskingTwiceRestoresTheInput() {
        var buffer = ByteBuffer(bytes: Array(0..<77))
        Masking.apply(key: 0xDEAD_BEEF, to: &buffer, at: buffer.readerIndex + 3, length: 70, offset: 1)
        #expect(buffer.readableBytesView.elementsEqual(0..<77) == false)
        Masking.apply(key: 0xDEAD_BEEF, to: &buffer, at: buffer.readerIndex + 3, length: 70, offset: 1)
        #expect(Array(buffer.readableBytesView) == Array(0..<77))
    }

    @Test func maskingARegionLeavesTheRestAlone() {
        var buffer = ByteBuffer(bytes: [1, 2, 3, 4, 5, 6])
        Masking.apply(key: 0xFF00_FF00, to: &buffer, at: buffer.readerIndex + 1, length: 4)
        #expect(Array(buffer.readableBytesView) == [1, 2 ^ 0xFF, 3, 4 ^ 0xFF, 5, 6])
    }
}
