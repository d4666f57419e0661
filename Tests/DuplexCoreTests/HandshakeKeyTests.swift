import Testing

@testable import DuplexCore

@Suite("Sec-WebSocket-Key and Sec-WebSocket-Accept (RFC 6455 §4)", .timeLimit(.minutes(1)))
struct HandshakeKeyTests {
    /// Returns the words it was given, in a loop.
    struct FixedGenerator: RandomNumberGenerator {
        var words: [UInt64]
        var index = 0
        mutating func next() -> UInt64 {
            defer { index = (index + 1) % words.count }
            return words[index]
        }
    }

    @Test("the RFC 6455 §1.3 example key gives the example accept value")
    func rfcVector() {
        #expect(HandshakeKey.acceptValue(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("the key is trimmed of surrounding spaces and tabs before hashing")
    func trimmedKey() {
        #expect(HandshakeKey.acceptValue(for: " \tdGhlIHNhbXBsZSBub25jZQ==  ") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test("10 000 generated keys are distinct, valid, and decode to 16 bytes")
    func generatedKeys() {
        var seen = Set<String>()
        for _ in 0..<10_000 {
            let key = HandshakeKey.generate()
            #expect(key.utf8.count == 24)
            #expect(Base64.decode(Substring(key))?.count == 16)
            #expect(HandshakeKey.isValid(key))
            seen.insert(key)
        }
        #expect(seen.count == 10_000)
    }

    @Test("a key takes the generator's words as bytes, least significant first")
    func keyFromGenerator() {
        var generator = FixedGenerator(words: [0x0706_0504_0302_0100, 0x0F0E_0D0C_0B0A_0908])
        #expect(HandshakeKey.generate(using: &generator) == "AAECAwQFBgcICQoLDA0ODw==")
    }

    @Test(
        "a server accepts only the base64 of exactly 16 bytes",
        arguments: [
            ("AAECAwQFBgcICQoLDA0ODw==", true),
            ("  AAECAwQFBgcICQoLDA0ODw==\t", true),
            ("AAECAwQFBgcICQoLDA0ODw", false),  // padding missing
            ("AAECAwQFBgcICQoLDA0O", false),  // 15 bytes
            ("AAECAwQFBgcICQoLDA0ODxA=", false),  // 17 bytes
            ("AAECAwQFBgcICQoLDA0ODx==", false),  // unused bits set
            ("AAECAwQFBgcICQoLDA0OD!==", false),  // outside the alphabet
            ("AAECAwQFBgcI CQoLDA0ODw==", false),  // inner whitespace
            ("", false),
        ]
    )
    func keyValidity(key: String, isValid: Bool) {
        #expect(HandshakeKey.isValid(key) == isValid)
    }

    @Test(
        "base64 encodes and decodes the RFC 4648 §10 vectors",
        arguments: [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
        ]
    )
    func base64Vectors(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(Substring(encoded)) == Array(plain.utf8))
    }

    @Test("base64 encodes every byte value and decodes it back")
    func base64AllBytes() {
        let bytes = (0...255).map(UInt8.init)
        #expect(Base64.decode(Substring(Base64.encode(bytes))) == bytes)
        #expect(Base64.encode([0xFB, 0xFF]) == "+/8=")
    }

    @Test(
        "base64 decoding is strict",
        arguments: ["Zg=", "Zg", "Z===", "====", "Zh==", "Zm9=", "=Zm9", "Zg==Zg==", "Zm9v\n", "Zm-v"]
    )
    func base64Rejects(text: String) {
        #expect(Base64.decode(Substring(text)) == nil)
    }
}
