@_spi(Core) import DuplexCore
import NIOCore

/// Checks each event a connection reports against the rules that must hold whatever the peer sent,
/// and records the events for comparison between runs.
struct EventChecker {
    private let configuration: ConnectionConfiguration
    /// The events seen so far, in order.
    private(set) var events: [RecordedEvent] = []
    /// Set after a close or a protocol error, after which no event may follow.
    private(set) var ended = false
    /// The message being delivered frame by frame: its opcode and the bytes so far.
    private var fragmented: (opcode: Opcode, bytes: [UInt8])?

    init(configuration: ConnectionConfiguration) {
        self.configuration = configuration
    }

    /// Checks `event`, just returned by `connection.nextEvent()`.
    mutating func check(_ event: ConnectionEvent, from connection: WebSocketConnection) {
        require(!ended, "event \(event) after the connection ended with \(events.last.map(String.init(describing:)) ?? "")")
        switch event {
        case .text(let payload):
            require(isValidUTF8(payload.readableBytesView), "text message is not valid UTF-8")
            requireWithinLimit(payload.readableBytes)
        case .binary(let payload):
            requireWithinLimit(payload.readableBytes)
        case .fragment(let opcode, let payload, let isFinal):
            checkFragment(opcode, payload.readableBytesView, isFinal: isFinal)
        case .ping(let payload), .pong(let payload):
            require(payload.readableBytes <= 125, "control payload of \(payload.readableBytes) bytes")
        case .close(let status):
            require(
                status.code.isValidOnWire || status.code == .noStatusReceived,
                "close event with code \(status.code), which cannot come from a valid close frame")
            require(status.reason.utf8.count <= 123, "close reason of \(status.reason.utf8.count) bytes")
            require(connection.state == .closed, "state \(connection.state) after answering the peer's close")
            ended = true
        case .protocolError(let error):
            require(error.closeCode.isValidOnWire, "\(error) is answered with close code \(error.closeCode)")
            require(connection.state == .closed, "state \(connection.state) after \(error)")
            require(connection.shouldCloseTransport, "transport kept open after \(error)")
            require(
                connection.closeStatus?.code == error.closeCode,
                "close status \(String(describing: connection.closeStatus)) after \(error)")
            ended = true
        }
        events.append(RecordedEvent(event))
    }

    /// Frame-by-frame delivery: the opcodes follow the message's sequence, each payload is within
    /// the frame limit, the message within the message limit, and a whole text message is UTF-8.
    private mutating func checkFragment(_ opcode: Opcode, _ payload: ByteBufferView, isFinal: Bool) {
        require(configuration.deliversFragments, "a fragment event without deliversFragments")
        require(payload.count <= configuration.maxFrameSize, "fragment of \(payload.count) bytes with maxFrameSize \(configuration.maxFrameSize)")
        var message = fragmented ?? (opcode, [])
        if fragmented == nil {
            require(opcode == .text || opcode == .binary, "a message's first fragment has opcode \(opcode)")
        } else {
            require(opcode == .continuation, "a fragment with opcode \(opcode) inside a \(message.opcode) message")
        }
        message.bytes.append(contentsOf: payload)
        requireWithinLimit(message.bytes.count)
        if isFinal {
            if message.opcode == .text {
                require(isValidUTF8(message.bytes), "a text message delivered in fragments is not valid UTF-8")
            }
            fragmented = nil
        } else {
            fragmented = message
        }
    }

    private func requireWithinLimit(_ size: Int) {
        require(
            size <= configuration.maxMessageSize,
            "message of \(size) bytes delivered with maxMessageSize \(configuration.maxMessageSize)")
    }
}
