/// Base64 with the standard alphabet and `=` padding (RFC 4648 §4), as the opening handshake
/// uses it for `Sec-WebSocket-Key` and `Sec-WebSocket-Accept`.
///
/// Decoding is strict: no whitespace, no missing padding, no characters outside the alphabet, and
/// the unused bits of the last group must be zero, so every byte string has exactly one encoding.
package enum Base64 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let padding = UInt8(ascii: "=")

    /// Encodes `bytes`, padding the last group with `=`.
    package static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var start = 0
        while start < bytes.count {
            let remaining = bytes.count - start
            let group = UInt32(bytes[start]) << 16
                | (remaining > 1 ? UInt32(bytes[start + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(bytes[start + 2]) : 0)
            output.append(alphabet[Int(group >> 18 & 0x3F)])
            output.append(alphabet[Int(group >> 12 & 0x3F)])
            output.append(remaining > 1 ? alphabet[Int(group >> 6 & 0x3F)] : padding)
            output.append(remaining > 2 ? alphabet[Int(group & 0x3F)] : padding)
            start += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes the canonical base64 encoding of some bytes, or returns `nil` when `text` is not one.
    static func decode(_ text: Substring) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(characters.count / 4 * 3)
        var start = 0
        while start < characters.count {
            let isLastGroup = start + 4 == characters.count
            var group: UInt32 = 0
            var paddingCount = 0
            for offset in 0..<4 {
                let character = characters[start + offset]
                if character == padding {
                    // Padding may only fill the last one or two places of the last group.
                    guard isLastGroup, offset >= 2 else { return nil }
                    paddingCount += 1
                    group <<= 6
                } else {
                    guard paddingCount == 0, let value = sextet(character) else { return nil }
                    group = group << 6 | UInt32(value)
                }
            }
            // The bits the padding stands for must be zero in a canonical encoding.
            let unusedBits: UInt32 = paddingCount == 0 ? 0 : (paddingCount == 1 ? 0xFF : 0xFFFF)
            guard group & unusedBits == 0 else { return nil }
            output.append(UInt8(group >> 16))
            if paddingCount < 2 { output.append(UInt8(group >> 8 & 0xFF)) }
            if paddingCount < 1 { output.append(UInt8(group & 0xFF)) }
            start += 4
        }
        return output
    }

    /// The 6-bit value of an alphabet character, or `nil` for any other byte.
    private static func sextet(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
