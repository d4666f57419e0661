@_spi(Core) import DuplexCore
import NIOCore

/// Pre-encoded input for the core's micro-benchmarks, built with the core's own API (its `Core` SPI).
public enum FrameFixtures {
    /// The masking key every fixture's client uses.
    public static let maskingKey: UInt32 = 0x37FA_213D

    /// `count` masked text frames of `payloadSize` ASCII bytes each, as a client sends them, in one
    /// buffer.
    public static func maskedTextFrames(payloadSize: Int, count: Int) -> ByteBuffer {
        var client = WebSocketConnection(role: .client, maskingKeys: .fixed(maskingKey))
        let payload = TextSamples.ascii(size: payloadSize)
        var wire = ByteBuffer()
        for _ in 0..<count {
            try! client.send(.text, payload: payload)
            if var bytes = client.takeOutbound() { wire.writeBuffer(&bytes) }
        }
        return wire
    }

    /// How many frames of `payloadSize` make a fixture of about 1 MiB (at least one frame).
    public static func frameCount(forPayloadSize payloadSize: Int) -> Int {
        max(1, (1 << 20) / max(payloadSize, 1))
    }
}

/// Text payloads for the UTF-8 benchmarks.
public enum TextSamples {
    /// `size` bytes of ASCII.
    public static func ascii(size: Int) -> ByteBuffer {
        let line = Array("The quick brown fox jumps over the lazy dog; 0123456789. ".utf8)
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        while buffer.readableBytes < size {
            buffer.writeBytes(line.prefix(size - buffer.readableBytes))
        }
        return buffer
    }

    /// At least `size` bytes of mixed scripts (Latin with accents, Greek, Cyrillic, CJK, emoji),
    /// always whole characters.
    public static func mixedScripts(size: Int) -> ByteBuffer {
        let sentence = "Grüße, καλημέρα, привет, 你好世界, こんにちは 👋🏽 — façade naïve. "
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size + sentence.utf8.count)
        while buffer.readableBytes < size { buffer.writeString(sentence) }
        return buffer
    }
}
