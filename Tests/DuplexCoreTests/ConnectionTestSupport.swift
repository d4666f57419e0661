import NIOCore

@_spi(Core) @testable import DuplexCore

/// A connection under test with the peer's side of the wire: frames the peer sends, and the frames
/// the connection wrote, parsed back.
struct ConnectionHarness {
    var connection: WebSocketConnection
    private let peerWriter: FrameWriter
    private var outboundParser: FrameParser

    init(
        role: Role = .server, configuration: ConnectionConfiguration = ConnectionConfiguration(),
        extensions: [any WebSocketExtension] = []
    ) {
        connection = WebSocketConnection(
            role: role, configuration: configuration, extensions: extensions, maskingKeys: .fixed(0x0102_0304)
        )
        let peer: Role = role == .server ? .client : .server
        peerWriter = FrameWriter(role: peer, maskingKeys: .fixed(0x37FA_213D))
        outboundParser = FrameParser(role: peer, allowedReservedBits: [.rsv1, .rsv2, .rsv3], maxFrameSize: .max)
    }

    /// The bytes of one frame as the peer would send it.
    func frame(
        _ opcode: Opcode, _ payload: ByteBuffer, isFinal: Bool = true, reservedBits: ReservedBits = []
    ) -> ByteBuffer {
        var bytes = ByteBuffer()
        peerWriter.write(opcode, payload: payload, isFinal: isFinal, reservedBits: reservedBits, into: &bytes)
        return bytes
    }

    /// Feeds bytes and returns every event they produce.
    mutating func feed(_ bytes: ByteBuffer) -> [ConnectionEvent] {
        connection.receive(bytes)
        var events: [ConnectionEvent] = []
        while let event = connection.nextEvent() { events.append(event) }
        return events
    }

    /// Feeds one frame from the peer and returns the events.
    mutating func feed(
        _ opcode: Opcode, _ payload: ByteBuffer, isFinal: Bool = true, reservedBits: ReservedBits = []
    ) -> [ConnectionEvent] {
        feed(frame(opcode, payload, isFinal: isFinal, reservedBits: reservedBits))
    }

    /// Feeds one text frame from the peer.
    mutating func feed(text: String, isFinal: Bool = true) -> [ConnectionEvent] {
        feed(.text, ByteBuffer(string: text), isFinal: isFinal)
    }

    /// The frames the connection wrote since the last call.
    mutating func sent() throws -> [Frame] {
        while let bytes = connection.takeOutbound() { outboundParser.append(bytes) }
        var frames: [Frame] = []
        while let frame = try outboundParser.nextFrame() { frames.append(frame) }
        return frames
    }

    /// The close frame the connection wrote since the last call, decoded, if it wrote exactly one frame.
    mutating func sentClose() throws -> CloseStatus? {
        let frames = try sent()
        guard frames.count == 1, frames[0].header.opcode == .close else { return nil }
        var payload = frames[0].payload
        guard let code = payload.readInteger(as: UInt16.self) else { return CloseStatus(code: .noStatusReceived) }
        return CloseStatus(code: CloseCode(code), reason: payload.readString(length: payload.readableBytes) ?? "")
    }
}

/// A close frame payload.
func closePayload(_ code: UInt16, _ reason: [UInt8] = []) -> ByteBuffer {
    var payload = ByteBuffer()
    payload.writeInteger(code)
    payload.writeBytes(reason)
    return payload
}
