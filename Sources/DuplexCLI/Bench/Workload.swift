import DuplexCore
import NIOCore

/// What each connection does once its handshake completed.
enum Workload: Sendable {
    /// Keep `depth` messages of `payload` in flight and time each echo.
    case echo(EchoPlan)
    /// Close at once; the cycle ends when the close handshake does.
    case connectCycle
    /// Stay open and quiet; with a plan, after sending one message of it first (and receiving the
    /// echo), so that each direction has compressed a message.
    case idle(EchoPlan?)
}

/// The messages an echo connection sends.
struct EchoPlan: Sendable {
    /// The payload of every message.
    var payload: ByteBuffer
    /// `.text` or `.binary`.
    var opcode: Opcode
    /// Messages in flight per connection.
    var depth: Int
    /// Whether every echo is compared with what was sent.
    var verify: Bool

    /// A payload of `size` bytes: JSON-like ASCII for text (so it compresses as real traffic does),
    /// bytes from a fixed pseudo-random sequence for binary.
    static func makePayload(size: Int, text: Bool) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(size)
        if text {
            var record = 0
            while buffer.readableBytes < size {
                let item = #"{"id":\#(record),"user":"user-\#(record % 97)","score":\#(record * 7919 % 1000),"tags":["alpha","beta"],"active":\#(record % 3 == 0)},"#
                buffer.writeString(String(item.prefix(size - buffer.readableBytes)))
                record += 1
            }
        } else {
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for _ in 0..<size {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                buffer.writeInteger(UInt8(truncatingIfNeeded: state >> 33))
            }
        }
        return buffer
    }
}
