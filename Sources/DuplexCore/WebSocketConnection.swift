import NIOCore

/// The sans-I/O WebSocket protocol for one connection after the opening handshake: feed it the
/// bytes received, read the events, send messages, and write the bytes it produces.
///
/// ```swift
/// var connection = WebSocketConnection(role: .server)
/// connection.receive(bytesFromSocket)
/// while let event = connection.nextEvent() { ... }
/// if let bytes = connection.takeOutbound() { write(bytes) }
/// if connection.shouldCloseTransport { closeSocket() }
/// ```
///
/// It reassembles fragmented messages (control frames may come between fragments), validates text
/// as UTF-8 as each piece arrives, applies the negotiated extensions, answers pings and the peer's
/// close, and fails the connection with the right close code on any protocol violation.
@_spi(Core) public struct WebSocketConnection {
    /// The role this side plays.
    public let role: Role
    /// Where the close handshake stands.
    public private(set) var state: ConnectionState = .open
    /// Set once the TCP connection should be closed by this side: a server after the close
    /// handshake completed, either role after failing the connection on a protocol error.
    public private(set) var shouldCloseTransport = false
    /// The code and reason the connection ended with, once it has: the peer's close frame (1005 when
    /// it carried no code), the code we failed it with, or 1006 after ``receiveEOF()`` without a close.
    public private(set) var closeStatus: CloseStatus?
    /// A protocol violation found by ``nextEvent(deferringFailure:)`` and not acted on yet (see
    /// ``failPending()``); while one is pending, nothing more is parsed.
    public private(set) var pendingFailure: ProtocolError?

    private let configuration: ConnectionConfiguration
    private let extensions: [any WebSocketExtension]
    private let writer: FrameWriter
    private var parser: FrameParser
    private var outbound = ByteBuffer()
    /// Bytes that go out before ``outbound``: the frames before a large payload, then that payload,
    /// which a server writes as its own buffer instead of copying it in (``emit``).
    private var outboundAhead: [ByteBuffer] = []
    /// The data message being received, from its first frame's header until its final frame.
    private var incoming: IncomingMessage?
    /// Whether this side sent its close frame.
    private var sentClose = false
    /// The streamed message being sent (``sendFragment(_:payload:isFinal:compression:)``), from its
    /// first fragment until its final one: its opcode and the RSV bits its first frame got.
    private var outgoingFragments: (opcode: Opcode, bits: ReservedBits)?

    /// Creates the protocol state for `role`. `extensions` are the negotiated extensions' instances
    /// in the order they were negotiated. `maskingKeys` makes the masks a client uses (by default
    /// ``MaskingKeySource/secureRandom`` for a client; a server, which never masks, makes none).
    /// Inject a fixed one for reproducible tests.
    public init(
        role: Role,
        configuration: ConnectionConfiguration = ConnectionConfiguration(),
        extensions: [any WebSocketExtension] = [],
        maskingKeys: MaskingKeySource? = nil
    ) {
        self.role = role
        self.configuration = configuration
        self.extensions = extensions
        self.writer = FrameWriter(role: role, maskingKeys: maskingKeys)
        let allowedBits = extensions.reduce(into: ReservedBits()) { $0.formUnion($1.reservedBits) }
        self.parser = FrameParser(role: role, allowedReservedBits: allowedBits, maxFrameSize: configuration.maxFrameSize)
    }

    // MARK: Receiving

    /// Hands over bytes received from the peer. They are parsed lazily by ``nextEvent()``.
    public mutating func receive(_ bytes: ByteBuffer) {
        guard state != .closed, pendingFailure == nil else { return }
        parser.append(bytes)
    }

    /// Tells the protocol the peer closed the TCP connection (or it broke). Ends the connection with
    /// 1006 unless the close handshake had completed. Read the events of the bytes received before
    /// calling it: buffered bytes are dropped.
    public mutating func receiveEOF() {
        if state != .closed {
            state = .closed
            closeStatus = CloseStatus(code: .abnormalClosure)
        }
        shouldCloseTransport = true
    }

    /// The next event from the bytes received so far, or `nil` when more bytes are needed. A
    /// protocol violation queues the close frame, ends the connection, and is returned as
    /// ``ConnectionEvent/protocolError(_:)``; after that no more events come. Frames after the
    /// peer's close frame are ignored.
    public mutating func nextEvent() -> ConnectionEvent? {
        nextEvent(deferringFailure: false)
    }

    /// ``nextEvent()``, except that with `deferringFailure` a protocol violation is returned as
    /// ``ConnectionEvent/protocolError(_:)`` without being acted on: it becomes ``pendingFailure``,
    /// nothing more is parsed (and bytes received are dropped), but messages can still be sent, so
    /// that the application answers the messages received before the violation before the close
    /// frame goes out. Call ``failPending()`` once it has.
    public mutating func nextEvent(deferringFailure: Bool) -> ConnectionEvent? {
        while state != .closed && pendingFailure == nil {
            do {
                switch try step() {
                case .needMoreBytes: return nil
                case .frameConsumed: continue
                case .event(let event): return event
                }
            } catch {
                if deferringFailure {
                    pendingFailure = error
                } else {
                    fail(error)
                }
                return .protocolError(error)
            }
        }
        return nil
    }

    /// Acts on the ``pendingFailure``: queues the close frame with its code (unless this side already
    /// sent one) and ends the connection. Does nothing when none is pending or the connection has
    /// already ended.
    public mutating func failPending() {
        guard let error = pendingFailure else { return }
        pendingFailure = nil
        if state != .closed { fail(error) }
    }

    /// What one step of parsing produced.
    private enum Step {
        case needMoreBytes
        case frameConsumed
        case event(ConnectionEvent)
    }

    /// Reads (part of) one frame.
    private mutating func step() throws(ProtocolError) -> Step {
        let header: FrameHeader
        if let pending = parser.pendingHeader {
            header = pending
        } else {
            guard let next = try parser.nextHeader() else { return .needMoreBytes }
            try begin(next)
            header = next
        }
        if !header.opcode.isControl, incoming?.validatesRawPayload == true {
            // Validate text as it arrives, even inside an incomplete frame, to fail fast.
            while let arrived = parser.unmaskArrivedPayload() {
                guard incoming!.validator.validate(arrived) else { throw .invalidUTF8 }
            }
        }
        guard let payload = parser.readPayload() else { return .needMoreBytes }
        switch header.opcode {
        case .ping:
            if configuration.automaticPong && !sentClose {
                emit(.pong, payload: payload)
            }
            return .event(.ping(payload))
        case .pong:
            return .event(.pong(payload))
        case .close:
            return .event(.close(try receiveClose(payload)))
        case .text, .binary, .continuation:
            return try receiveData(payload, isFinal: header.isFinal)
        }
    }

    /// Checks a new frame's header against the message in progress and the size limit.
    private mutating func begin(_ header: FrameHeader) throws(ProtocolError) {
        if header.opcode.isControl {
            guard header.reservedBits.isEmpty else { throw .compressedNonDataFrame }
            return
        }
        if header.opcode == .continuation {
            guard incoming != nil else { throw .unexpectedContinuation }
            guard header.reservedBits.isEmpty else { throw .compressedNonDataFrame }
        } else {
            guard incoming == nil else { throw .expectedContinuation }
            incoming = IncomingMessage(opcode: header.opcode, extensionBits: header.reservedBits)
        }
        // Without an extension the message grows by exactly the frame's length: fail before buffering.
        if incoming!.extensionBits.isEmpty,
            header.payloadLength > configuration.maxMessageSize - incoming!.size
        {
            throw .messageTooLarge(limit: configuration.maxMessageSize)
        }
    }

    /// Adds a data frame's payload to the message in progress; returns the message when it is whole,
    /// or, with ``ConnectionConfiguration/deliversFragments``, the frame's payload as a fragment.
    private mutating func receiveData(_ payload: ByteBuffer, isFinal: Bool) throws(ProtocolError) -> Step {
        guard var message = incoming else { preconditionFailure("data frame without a message") }
        incoming = nil
        var data = payload
        if !message.extensionBits.isEmpty {
            let remaining = configuration.maxMessageSize - message.size
            // A fragment delivered on its own is a frame the application holds: maxFrameSize bounds
            // it after decompression as well.
            let frameLimit = configuration.deliversFragments ? configuration.maxFrameSize : .max
            do throws(ProtocolError) {
                data = try decode(payload, messageBits: message.extensionBits, isFinal: isFinal, limit: min(remaining, frameLimit))
            } catch .messageTooLarge where frameLimit < remaining {
                throw .frameTooLarge(limit: configuration.maxFrameSize)
            }
            if message.opcode == .text {
                guard message.validator.validate(data) else { throw .invalidUTF8 }
            }
        }
        message.size += data.readableBytes
        guard message.size <= configuration.maxMessageSize else {
            throw .messageTooLarge(limit: configuration.maxMessageSize)
        }
        if isFinal {
            guard message.opcode != .text || message.validator.isComplete else { throw .invalidUTF8 }
        }
        if configuration.deliversFragments {
            let opcode: Opcode = message.reportedFragments ? .continuation : message.opcode
            message.reportedFragments = true
            if !isFinal { incoming = message }
            return .event(.fragment(opcode: opcode, payload: data, isFinal: isFinal))
        }
        guard isFinal else {
            message.append(data)
            incoming = message
            return .frameConsumed
        }
        let whole = message.finish(with: data)
        return .event(message.opcode == .text ? .text(whole) : .binary(whole))
    }

    /// Runs a frame of an extension-transformed message through the extensions, last negotiated first.
    private func decode(
        _ payload: ByteBuffer, messageBits: ReservedBits, isFinal: Bool, limit: Int
    ) throws(ProtocolError) -> ByteBuffer {
        var data = payload
        for ext in extensions.reversed() where !ext.reservedBits.isDisjoint(with: messageBits) {
            do {
                data = try ext.decodeFrame(data, messageBits: messageBits, isFinal: isFinal, limit: limit)
            } catch .messageTooLarge {
                throw .messageTooLarge(limit: configuration.maxMessageSize)
            }
        }
        return data
    }

    /// Checks the peer's close frame, answers it with the same code and reason if this side has not
    /// closed (1000 when it carried no code), and ends the connection.
    private mutating func receiveClose(_ payload: ByteBuffer) throws(ProtocolError) -> CloseStatus {
        var payload = payload
        let status: CloseStatus
        switch payload.readableBytes {
        case 0:
            status = CloseStatus(code: .noStatusReceived)
        case 1:
            throw .invalidClosePayload
        default:
            let code = CloseCode(payload.readInteger(as: UInt16.self)!)
            guard code.isValidOnWire else { throw .invalidCloseCode(code.rawValue) }
            guard UTF8Validator.isValid(payload) else { throw .invalidUTF8 }
            status = CloseStatus(code: code, reason: payload.readString(length: payload.readableBytes)!)
        }
        if !sentClose {
            writeClose(code: status.code == .noStatusReceived ? .normalClosure : status.code, reason: status.reason)
        }
        state = .closed
        closeStatus = status
        shouldCloseTransport = role == .server
        return status
    }

    /// Ends the connection after an extension failed in the middle of an outgoing message, which
    /// cannot be finished: 1011, like any failure on this side.
    private mutating func failSending() {
        let status = CloseStatus(code: .internalError, reason: "message encoding failed")
        writeClose(code: status.code, reason: status.reason)
        state = .closed
        closeStatus = status
        shouldCloseTransport = true
    }

    /// Ends the connection after the peer broke the protocol.
    private mutating func fail(_ error: ProtocolError) {
        if !sentClose {
            writeClose(code: error.closeCode, reason: error.closeReason)
        }
        state = .closed
        closeStatus = CloseStatus(code: error.closeCode, reason: error.closeReason)
        shouldCloseTransport = true
    }

    // MARK: Sending

    /// Queues a text message.
    public mutating func send(text: String) throws(UsageError) {
        try send(.text, payload: ByteBuffer(string: text))
    }

    /// Queues a message of `opcode` (`.text` payloads must be valid UTF-8; the caller guarantees it).
    /// It goes through the extensions (`compression` says whether a compressing one compresses it)
    /// and is split at ``ConnectionConfiguration/fragmentSize``.
    /// `.ping` and `.pong` are the same as ``ping(_:)`` and ``pong(_:)``; `.continuation` throws
    /// ``UsageError/fragmentOutOfSequence``; `.close` throws ``UsageError/closeSentAsMessage`` (use
    /// ``close(code:reason:)``, which checks the code and reason).
    public mutating func send(
        _ opcode: Opcode, payload: ByteBuffer, compression: MessageCompression = .automatic
    ) throws(UsageError) {
        switch opcode {
        case .ping: return try ping(payload)
        case .pong: return try pong(payload)
        case .close: throw .closeSentAsMessage
        case .continuation: throw .fragmentOutOfSequence
        case .text, .binary: break
        }
        try checkCanSend()
        guard outgoingFragments == nil else { throw .fragmentOutOfSequence }
        var payload = payload
        var bits = ReservedBits()
        for ext in extensions {
            let encoded = ext.encodeMessage(payload, opcode: opcode, compression: compression)
            payload = encoded.payload
            bits.formUnion(encoded.reservedBits)
        }
        guard let fragmentSize = configuration.fragmentSize, fragmentSize > 0, payload.readableBytes > fragmentSize else {
            emit(opcode, payload: payload, reservedBits: bits)
            return
        }
        var frameOpcode = opcode
        while let fragment = payload.readSlice(length: min(fragmentSize, payload.readableBytes)) {
            let isFinal = payload.readableBytes == 0
            emit(frameOpcode, payload: fragment, isFinal: isFinal, reservedBits: bits)
            if isFinal { break }
            frameOpcode = .continuation
            bits = []
        }
    }

    /// Queues one fragment of a streamed message: the first carries `.text` or `.binary`, the ones
    /// after it are continuations; `isFinal` ends the message. Each fragment goes through the
    /// extensions as it is sent: the first fragment's `compression` decides for the whole message
    /// (RSV1 on its first frame only), and permessage-deflate compresses every fragment with the
    /// connection's stream. Until the final fragment no other message can be sent (control frames
    /// can). An extension that fails in the middle of the message fails the connection with 1011
    /// and throws ``UsageError/alreadyClosed``.
    public mutating func sendFragment(
        _ opcode: Opcode, payload: ByteBuffer, isFinal: Bool, compression: MessageCompression = .automatic
    ) throws(UsageError) {
        try checkCanSend()
        let expected: Bool = outgoingFragments != nil ? opcode == .continuation : (opcode == .text || opcode == .binary)
        guard expected else { throw .fragmentOutOfSequence }
        let messageOpcode = outgoingFragments?.opcode ?? opcode
        var payload = payload
        var bits = ReservedBits()
        for ext in extensions {
            guard
                let encoded = ext.encodeFrame(
                    payload, opcode: messageOpcode, messageBits: outgoingFragments?.bits, isFinal: isFinal,
                    compression: compression)
            else {
                failSending()
                throw .alreadyClosed
            }
            payload = encoded.payload
            bits.formUnion(encoded.reservedBits)
        }
        emit(opcode, payload: payload, isFinal: isFinal, reservedBits: bits)
        outgoingFragments = isFinal ? nil : (messageOpcode, outgoingFragments?.bits ?? bits)
    }

    /// Queues frames already encoded with ``FrameWriter/encode(_:payload:isFinal:reservedBits:maskingKey:into:)``
    /// without a mask, for example a message published to many connections. Server only: a client
    /// must mask each frame with a fresh key, so on a client it throws ``UsageError/unmaskedFramesFromClient``.
    public mutating func sendEncoded(_ frames: ByteBuffer) throws(UsageError) {
        guard role == .server else { throw .unmaskedFramesFromClient }
        try checkCanSend()
        guard outgoingFragments == nil else { throw .fragmentOutOfSequence }
        if outbound.readableBytes == 0 {
            outbound = frames  // shares the storage: N connections write the same bytes, not N copies
        } else {
            outbound.writeImmutableBuffer(frames)
        }
    }

    /// Queues a ping (payload at most 125 bytes).
    public mutating func ping(_ payload: ByteBuffer = ByteBuffer()) throws(UsageError) {
        try sendControl(.ping, payload: payload)
    }

    /// Queues a pong (payload at most 125 bytes); unsolicited pongs serve as heartbeats.
    public mutating func pong(_ payload: ByteBuffer = ByteBuffer()) throws(UsageError) {
        try sendControl(.pong, payload: payload)
    }

    /// Starts the close handshake with `code` and a reason of at most 123 bytes of UTF-8. Nothing can
    /// be sent after it. (The peer's close is answered automatically.)
    public mutating func close(code: CloseCode = .normalClosure, reason: String = "") throws(UsageError) {
        try checkCanSend()
        guard code.isValidOnWire else { throw .invalidCloseCode(code) }
        guard reason.utf8.count <= 123 else { throw .controlPayloadTooLong }
        writeClose(code: code, reason: reason)
        state = .closing
    }

    /// How many bytes wait to be taken by ``takeOutbound()``.
    public var pendingOutboundByteCount: Int {
        outboundAhead.reduce(outbound.readableBytes) { $0 + $1.readableBytes }
    }

    /// The next bytes to write to the peer, in order, or `nil` when there are none: call it until
    /// it returns `nil` and write each buffer (a vector write takes them together).
    ///
    /// Small frames come in one buffer that shares its storage with the connection's: once the
    /// transport has written it and let go of it, the next frames are encoded into the same storage
    /// (up to 16 KiB of it), so that a steady exchange of small messages allocates nothing. A
    /// server's payload of ``separatePayloadThreshold`` bytes or more comes as its own buffer, the
    /// one it was sent (or compressed) in, behind the buffer that ends with its header.
    public mutating func takeOutbound() -> ByteBuffer? {
        if !outboundAhead.isEmpty { return outboundAhead.removeFirst() }
        guard outbound.readableBytes > 0 else { return nil }
        let bytes = outbound
        if outbound.capacity <= reusedStorageCapacity {
            outbound.moveReaderIndex(to: outbound.writerIndex)
        } else {
            outbound = ByteBuffer()
        }
        return bytes
    }

    /// Appends one frame to the outbound bytes, first recycling their storage when everything in it
    /// was taken (``ByteBuffer/clear()`` reuses it when the transport no longer holds it).
    ///
    /// A server (which does not mask) does not copy a payload of ``separatePayloadThreshold`` bytes
    /// or more: it encodes the header, and queues what is encoded so far and then the payload as
    /// they are, to be written together.
    private mutating func emit(
        _ opcode: Opcode, payload: ByteBuffer, isFinal: Bool = true, reservedBits: ReservedBits = []
    ) {
        if outbound.readableBytes == 0 && outbound.readerIndex > 0 { outbound.clear() }
        guard role == .server, payload.readableBytes >= Self.separatePayloadThreshold else {
            writer.write(opcode, payload: payload, isFinal: isFinal, reservedBits: reservedBits, into: &outbound)
            return
        }
        FrameHeader(
            isFinal: isFinal, reservedBits: reservedBits, opcode: opcode, maskingKey: nil,
            payloadLength: payload.readableBytes
        ).write(to: &outbound)
        // Cannot fail: the slice is of the readable bytes. It shares the storage, which is reused
        // for the next frames once the transport has let go of it.
        if let encoded = outbound.readSlice(length: outbound.readableBytes) { outboundAhead.append(encoded) }
        outboundAhead.append(payload)
    }

    /// The payload size from which a server writes a payload as its own buffer instead of copying
    /// it behind its header: 64 KiB. Below it the copy is cheap, and an echoed payload passed on by
    /// reference would keep the read buffer it is a slice of from being reused (measured: 16 KiB
    /// echoes got slower at an 8 KiB threshold, 1 MiB echoes 30–40% cheaper per CPU second).
    public static let separatePayloadThreshold = 64 << 10

    private func checkCanSend() throws(UsageError) {
        guard !sentClose && state != .closed else { throw .alreadyClosed }
    }

    private mutating func sendControl(_ opcode: Opcode, payload: ByteBuffer) throws(UsageError) {
        try checkCanSend()
        guard payload.readableBytes <= 125 else { throw .controlPayloadTooLong }
        emit(opcode, payload: payload)
    }

    private mutating func writeClose(code: CloseCode, reason: String) {
        var payload = ByteBuffer()
        payload.writeInteger(code.rawValue)
        payload.writeString(reason)
        emit(.close, payload: payload)
        sentClose = true
    }
}

/// A data message being received: its kind, the extension bits of its first frame, what has
/// arrived so far, and the UTF-8 state of its text.
private struct IncomingMessage {
    var opcode: Opcode
    var extensionBits: ReservedBits
    var size = 0
    var validator = UTF8Validator()
    /// Whether a fragment of it was reported (``ConnectionConfiguration/deliversFragments``).
    var reportedFragments = false
    /// The fragments before the current one, copied into the message's own storage.
    var collected: ByteBuffer?

    init(opcode: Opcode, extensionBits: ReservedBits) {
        self.opcode = opcode
        self.extensionBits = extensionBits
    }

    /// Whether text is validated straight from the frames (no extension transforms it).
    var validatesRawPayload: Bool { opcode == .text && extensionBits.isEmpty }

    /// Keeps a non-final fragment. The bytes are copied so that the parser's buffer stays unshared.
    mutating func append(_ fragment: ByteBuffer) {
        if collected == nil {
            collected = ByteBufferAllocator().buffer(capacity: fragment.readableBytes * 2)
        }
        collected!.writeImmutableBuffer(fragment)
    }

    /// The whole message given its final fragment: the fragment itself (no copy) when it is the only one.
    func finish(with last: ByteBuffer) -> ByteBuffer {
        guard var whole = collected else { return last }
        whole.writeImmutableBuffer(last)
        return whole
    }
}

/// Where the close handshake stands (RFC 6455 §7).
@_spi(Core) public enum ConnectionState: Sendable, Hashable {
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
@_spi(Core) public enum ConnectionEvent: Sendable, Hashable {
    /// A whole text message; the payload is valid UTF-8.
    case text(ByteBuffer)
    /// A whole binary message.
    case binary(ByteBuffer)
    /// One frame's payload of a data message, with ``ConnectionConfiguration/deliversFragments``
    /// (which reports no whole messages): `opcode` is `.text` or `.binary` for the message's first
    /// frame and `.continuation` for the ones after it; `isFinal` ends the message. Text payloads
    /// are UTF-8 that may end inside a character; the message as a whole is valid.
    case fragment(opcode: Opcode, payload: ByteBuffer, isFinal: Bool)
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
