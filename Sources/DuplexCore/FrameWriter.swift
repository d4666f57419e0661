import NIOCore

/// Encodes frames for one side of a connection: a client masks every frame with a fresh key from
/// its ``MaskingKeySource``; a server never masks.
///
/// A server can encode a message once with ``encode(_:payload:isFinal:reservedBits:maskingKey:into:)``
/// and write the same bytes to many connections.
package struct FrameWriter: Sendable {
    /// The role of the side sending these frames.
    package let role: Role
    /// Where a client's masking keys come from.
    package let maskingKeys: MaskingKeySource

    /// Creates a writer for the side playing `role`. A client's keys come from `maskingKeys`, by
    /// default ``MaskingKeySource/secureRandom``; a server, which never masks, needs none.
    package init(role: Role, maskingKeys: MaskingKeySource? = nil) {
        self.role = role
        self.maskingKeys = maskingKeys ?? (role == .client ? .secureRandom : .unused)
    }

    /// Appends one frame to `buffer`, masked with a fresh key when this side is a client.
    @inlinable
    package func write(
        _ opcode: Opcode, payload: ByteBuffer, isFinal: Bool = true, reservedBits: ReservedBits = [],
        into buffer: inout ByteBuffer
    ) {
        let key: UInt32? = role == .client ? maskingKeys.next() : nil
        Self.encode(opcode, payload: payload, isFinal: isFinal, reservedBits: reservedBits, maskingKey: key, into: &buffer)
    }

    /// Appends one frame to `buffer`, masked with `maskingKey` when it is given.
    @inlinable
    package static func encode(
        _ opcode: Opcode, payload: ByteBuffer, isFinal: Bool = true, reservedBits: ReservedBits = [],
        maskingKey: UInt32? = nil, into buffer: inout ByteBuffer
    ) {
        let header = FrameHeader(
            isFinal: isFinal, reservedBits: reservedBits, opcode: opcode, maskingKey: maskingKey,
            payloadLength: payload.readableBytes
        )
        buffer.reserveCapacity(minimumWritableBytes: header.encodedLength + payload.readableBytes)
        header.write(to: &buffer)
        let payloadStart = buffer.writerIndex
        buffer.writeImmutableBuffer(payload)
        if let maskingKey {
            Masking.apply(key: maskingKey, to: &buffer, at: payloadStart, length: payload.readableBytes)
        }
    }
}
