/// The peer broke RFC 6455 or RFC 7692, or exceeded a configured limit; or, in the one case
/// ``decompressionUnavailable``, this side could not process what the peer sent.
///
/// This is the one place where a protocol violation is mapped to the close code sent to the peer
/// (``closeCode``) and to the short reason that goes with it (``closeReason``), which never carries
/// internal details. Misuse of the API by the application is a different type, ``UsageError``.
public enum ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A frame used an opcode that RFC 6455 reserves (3–7, 0xB–0xF).
    case reservedOpcode(UInt8)
    /// A frame set an RSV bit that no negotiated extension defines.
    case reservedBitsSet
    /// A server received a frame that was not masked.
    case unmaskedFrame
    /// A client received a frame that was masked.
    case maskedFrame
    /// A control frame carried more than 125 bytes.
    case controlFrameTooLong
    /// A control frame did not have FIN set.
    case fragmentedControlFrame
    /// A 64-bit payload length had its most significant bit set.
    case invalidPayloadLength
    /// A frame announced a payload larger than the configured maximum frame size.
    case frameTooLarge(limit: Int)
    /// A message (after decompression, if any) grew larger than the configured maximum message size.
    case messageTooLarge(limit: Int)
    /// A continuation frame arrived with no fragmented message in progress.
    case unexpectedContinuation
    /// A new text or binary frame arrived while a fragmented message was unfinished.
    case expectedContinuation
    /// A text message, or a close reason, was not valid UTF-8.
    case invalidUTF8
    /// A close frame carried a code that may not appear on the wire.
    case invalidCloseCode(UInt16)
    /// A close frame carried a one-byte payload.
    case invalidClosePayload
    /// RSV1 (compression) was set on a continuation or control frame.
    case compressedNonDataFrame
    /// A compressed message was not a valid DEFLATE stream.
    case invalidCompressedData
    /// zlib could not get the memory to inflate a compressed message (`Z_MEM_ERROR`): not the
    /// peer's fault, so the close code is 1011 (internal error).
    case decompressionUnavailable

    /// The close code this violation is answered with.
    public var closeCode: CloseCode {
        switch self {
        case .reservedOpcode, .reservedBitsSet, .unmaskedFrame, .maskedFrame, .controlFrameTooLong,
            .fragmentedControlFrame, .invalidPayloadLength, .unexpectedContinuation, .expectedContinuation,
            .invalidCloseCode, .invalidClosePayload, .compressedNonDataFrame, .invalidCompressedData:
            return .protocolError
        case .frameTooLarge, .messageTooLarge:
            return .messageTooBig
        case .invalidUTF8:
            return .invalidPayloadData
        case .decompressionUnavailable:
            return .internalError
        }
    }

    /// The reason sent to the peer in the close frame: short, and free of internal details.
    public var closeReason: String {
        switch self {
        case .reservedOpcode: return "reserved opcode"
        case .reservedBitsSet: return "reserved bits set"
        case .unmaskedFrame: return "frame not masked"
        case .maskedFrame: return "frame masked"
        case .controlFrameTooLong: return "control frame too long"
        case .fragmentedControlFrame: return "fragmented control frame"
        case .invalidPayloadLength: return "invalid payload length"
        case .frameTooLarge: return "frame too large"
        case .messageTooLarge: return "message too large"
        case .unexpectedContinuation: return "unexpected continuation frame"
        case .expectedContinuation: return "expected continuation frame"
        case .invalidUTF8: return "invalid UTF-8"
        case .invalidCloseCode: return "invalid close code"
        case .invalidClosePayload: return "invalid close payload"
        case .compressedNonDataFrame: return "RSV1 on a non-first frame"
        case .invalidCompressedData: return "invalid compressed data"
        case .decompressionUnavailable: return "decompression unavailable"
        }
    }

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .reservedOpcode(let op): return "peer sent a frame with reserved opcode \(op)"
        case .frameTooLarge(let limit): return "peer sent a frame larger than the limit of \(limit) bytes"
        case .messageTooLarge(let limit): return "peer sent a message larger than the limit of \(limit) bytes"
        case .invalidCloseCode(let code): return "peer sent close code \(code), which may not appear on the wire"
        case .decompressionUnavailable: return "zlib could not get memory to inflate a compressed message"
        default: return "peer broke the protocol: \(closeReason)"
        }
    }
}

/// The application misused the API: for example sending after closing, or a control payload over
/// 125 bytes. Never caused by the peer.
public enum UsageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A message or close was sent after this side had already sent its close frame.
    case alreadyClosed
    /// A ping, pong or close payload was longer than 125 bytes.
    case controlPayloadTooLong
    /// The close code may not be sent on the wire (1005, 1006, 1015, or a reserved code).
    case invalidCloseCode(CloseCode)
    /// A fragment was sent while no streamed message was in progress, or a new message was started
    /// while one was.
    case fragmentOutOfSequence
    /// A close frame was passed to `send(_:payload:)`; `close(code:reason:)` sends one.
    case closeSentAsMessage
    /// Pre-encoded, unmasked frames were queued on a client connection, which must mask each frame.
    case unmaskedFramesFromClient

    /// A sentence for logs and error messages.
    public var description: String {
        switch self {
        case .alreadyClosed: return "the connection is closing or closed; nothing more can be sent"
        case .controlPayloadTooLong: return "control frame payloads are limited to 125 bytes"
        case .invalidCloseCode(let code): return "close code \(code) may not be sent"
        case .fragmentOutOfSequence: return "message fragments sent out of sequence"
        case .closeSentAsMessage: return "a close frame is sent with close(code:reason:), not as a message"
        case .unmaskedFramesFromClient: return "a client must mask every frame; pre-encoded frames are for servers"
        }
    }
}
