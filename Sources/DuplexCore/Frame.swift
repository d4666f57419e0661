import NIOCore

/// One whole frame: its header and its unmasked payload.
public struct Frame: Sendable, Hashable {
    /// The header as received (its `maskingKey` is the key the payload was unmasked with).
    public var header: FrameHeader
    /// The payload, unmasked.
    public var payload: ByteBuffer

    /// Creates a frame.
    public init(header: FrameHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }
}
