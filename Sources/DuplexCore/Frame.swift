import NIOCore

/// One whole frame: its header and its unmasked payload.
package struct Frame: Sendable, Hashable {
    /// The header as received (its `maskingKey` is the key the payload was unmasked with).
    package var header: FrameHeader
    /// The payload, unmasked.
    package var payload: ByteBuffer

    /// Creates a frame.
    package init(header: FrameHeader, payload: ByteBuffer) {
        self.header = header
        self.payload = payload
    }
}
