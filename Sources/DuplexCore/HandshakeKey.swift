import Crypto

/// The `Sec-WebSocket-Key` / `Sec-WebSocket-Accept` pair of the opening handshake (RFC 6455 §4.1,
/// §4.2.2): the client sends a fresh random nonce, the server proves it read the request by
/// answering with a hash of it.
package enum HandshakeKey {
    /// The GUID RFC 6455 appends to the key before hashing.
    package static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// A fresh key: base64 of 16 bytes from the system's cryptographically secure generator.
    package static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// A key made of 16 bytes from `generator`. Only a cryptographically secure generator gives
    /// the unpredictability RFC 6455 asks for; others are for reproducible tests.
    package static func generate(using generator: inout some RandomNumberGenerator) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for _ in 0..<2 {
            let word: UInt64 = generator.next()
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: word >> shift)) }
        }
        return Base64.encode(bytes)
    }

    /// Whether `key`, trimmed of surrounding spaces and tabs, is the base64 encoding of exactly
    /// 16 bytes (24 characters ending in `==`), as a server requires of `Sec-WebSocket-Key`.
    package static func isValid(_ key: String) -> Bool {
        Base64.decode(Substring(key).trimmingWhitespace())?.count == 16
    }

    /// The `Sec-WebSocket-Accept` value for `key`: base64 of the SHA-1 of the key, trimmed of
    /// surrounding spaces and tabs, followed by ``guid``.
    package static func acceptValue(for key: String) -> String {
        let input = Substring(key).trimmingWhitespace() + guid
        return Base64.encode(Array(Insecure.SHA1.hash(data: Array(input.utf8))))
    }
}
