import NIOCore

/// The sans-I/O WebSocket protocol for one connection after the opening handshake: feed it the
/// bytes received, read the events, send messages, and write the bytes it produces.
///
/// CONTRACT STUB — the framing work fills the bodies; the signatures are what the transport uses.
///
/// ```swift
/// var connection = WebSocketConnection(role: .server)
/// connection.receive(bytesFromSocket)
/// while let event = connection.nextEvent() { ... }
/// if let bytes = connection.takeOutbound() { write(bytes) }
/// if connection.shouldCloseTransport { closeSocket() }
/// ```
public struct WebSocketConnection {
    /// Creates the protocol state for `role`. `extensions` are the negotiated extensions' instances
    /// in the order they were negotiated. `maskingKeys` makes the masks a client uses (a secure
    /// random source by default; inject a fixed one for reproducible tests).
    public init(
        role: Role,
        configuration: ConnectionConfiguration = ConnectionConfiguration(),
        extensions: [any WebSocketExtension] = [],
        maskingKeys: MaskingKeySource = .secureRandom
    ) {
        fatalError("not implemented")
    }

    /// The role this side plays.
    public var role: Role { fatalError("not implemented") }
    /// Where the close handshake stands.
    public var state: ConnectionState { fatalError("not implemented") }
    /// Set once the TCP connection should be closed by this side: a server after the close
    /// handshake completed, either role after failing the connection on a protocol error.
    public var shouldCloseTransport: Bool { fatalError("not implemented") }
    /// The code and reason the connection ended with, once it has: the peer's close frame (1005 when
    /// it carried no code), the code we failed it with, or 1006 after ``receiveEOF()`` without a close.
    public var closeStatus: CloseStatus? { fatalError("not implemented") }

    /// Hands over bytes received from the peer. They are parsed lazily by ``nextEvent()``.
    public mutating func receive(_ bytes: ByteBuffer) { fatalError("not implemented") }
    /// Tells the protocol the peer closed the TCP connection (or it broke). Ends the connection with
    /// 1006 unless the close handshake had completed.
    public mutating func receiveEOF() { fatalError("not implemented") }
    /// The next event from the bytes received so far, or `nil` when more bytes are needed. A
    /// protocol violation queues the close frame, ends the connection, and is returned as
    /// ``ConnectionEvent/protocolError(_:)``; after that no more events come.
    public mutating func nextEvent() -> ConnectionEvent? { fatalError("not implemented") }

    /// Queues a text message.
    public mutating func send(text: String) throws(UsageError) { fatalError("not implemented") }
    /// Queues a message of `opcode` (`.text` payloads must be valid UTF-8; the caller guarantees it).
    public mutating func send(_ opcode: Opcode, payload: ByteBuffer) throws(UsageError) { fatalError("not implemented") }
    /// Queues one fragment of a streamed message: the first carries `.text` or `.binary`, the ones
    /// after it are continuations; `isFinal` ends the message. Streamed messages are not compressed.
    public mutating func sendFragment(_ opcode: Opcode, payload: ByteBuffer, isFinal: Bool) throws(UsageError) {
        fatalError("not implemented")
    }
    /// Queues a ping (payload at most 125 bytes).
    public mutating func ping(_ payload: ByteBuffer = ByteBuffer()) throws(UsageError) { fatalError("not implemented") }
    /// Queues a pong (payload at most 125 bytes); unsolicited pongs serve as heartbeats.
    public mutating func pong(_ payload: ByteBuffer = ByteBuffer()) throws(UsageError) { fatalError("not implemented") }
    /// Starts the close handshake (or answers the peer's) with `code` and a reason of at most 123
    /// bytes of UTF-8. Nothing can be sent after it.
    public mutating func close(code: CloseCode = .normalClosure, reason: String = "") throws(UsageError) {
        fatalError("not implemented")
    }

    /// The bytes to write to the peer since the last call, or `nil` when there are none.
    public mutating func takeOutbound() -> ByteBuffer? { fatalError("not implemented") }
}

/// Where the close handshake stands (RFC 6455 §7).
public enum ConnectionState: Sendable, Hashable {
    /// Messages flow both ways.
    case open
    /// This side sent a close frame and waits for the peer's.
    case closing
    /// Both close frames were exchanged, the connection was failed, or the transport ended.
    case closed
}

/// The close code and reason a connection ended with.
public struct CloseStatus: Sendable, Hashable {
    /// The code: from the peer's close frame, 1005 when it carried none, 1006 when none arrived.
    public var code: CloseCode
    /// The reason, possibly empty.
    public var reason: String
    /// Creates a status.
    public init(code: CloseCode, reason: String = "") {
        self.code = code
        self.reason = reason
    }
}

/// Something the peer did, as reported by ``WebSocketConnection/nextEvent()``.
public enum ConnectionEvent {
    /// A whole text message; the payload is valid UTF-8.
    case text(ByteBuffer)
    /// A whole binary message.
    case binary(ByteBuffer)
    /// A ping (already answered when automatic pongs are on).
    case ping(ByteBuffer)
    /// A pong.
    case pong(ByteBuffer)
    /// The peer's close frame arrived (and, if this side had not closed yet, was answered).
    case close(CloseStatus)
    /// The peer broke the protocol; the close frame with ``ProtocolError/closeCode`` is queued and the
    /// connection is over.
    case protocolError(ProtocolError)
}

/// Where a client's masking keys come from.
public struct MaskingKeySource: Sendable {
    /// Returns the next 4-byte masking key.
    public var next: @Sendable () -> UInt32
    /// Creates a source from a function.
    public init(next: @escaping @Sendable () -> UInt32) { self.next = next }
    /// Keys from the system's cryptographically secure generator.
    public static var secureRandom: MaskingKeySource {
        MaskingKeySource { UInt32.random(in: .min ... .max) }
    }
    /// The same key every time (for reproducible tests).
    public static func fixed(_ key: UInt32) -> MaskingKeySource { MaskingKeySource { key } }
}
