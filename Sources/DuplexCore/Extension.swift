import NIOCore

/// The RSV1–RSV3 bits of a frame header, which only a negotiated extension may set (RFC 6455 §5.2).
public struct ReservedBits: OptionSet, Sendable, Hashable {
    /// The bits, positioned as in the first header byte (RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10).
    public var rawValue: UInt8
    /// Wraps bits positioned as in the first header byte.
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue & 0x70 }
    /// RSV1, which permessage-deflate uses to mark a compressed message.
    public static let rsv1 = ReservedBits(rawValue: 0x40)
    /// RSV2.
    public static let rsv2 = ReservedBits(rawValue: 0x20)
    /// RSV3.
    public static let rsv3 = ReservedBits(rawValue: 0x10)
}

/// One element of a `Sec-WebSocket-Extensions` header: an extension token with its parameters,
/// e.g. `permessage-deflate; client_max_window_bits`.
public struct ExtensionHeaderElement: Sendable, Hashable {
    /// The extension token, e.g. `permessage-deflate`.
    public var name: String
    /// The parameters in the order they appeared; a parameter without `=value` has a `nil` value.
    public var parameters: [Parameter]

    /// One `name[=value]` parameter.
    public struct Parameter: Sendable, Hashable {
        /// The parameter name.
        public var name: String
        /// The value with any quoting removed, or `nil` when the parameter had no value.
        public var value: String?
        /// Creates a parameter.
        public init(name: String, value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    /// Creates an element.
    public init(name: String, parameters: [Parameter] = []) {
        self.name = name
        self.parameters = parameters
    }
}

/// An extension in use on one connection: it transforms data messages and may use RSV bits.
///
/// Instances hold per-connection state (for permessage-deflate, the zlib streams) and are owned by
/// one connection; they are not shared between connections or threads.
public protocol WebSocketExtension: AnyObject {
    /// The extension token, e.g. `permessage-deflate`.
    var name: String { get }
    /// The RSV bits this extension may set on the first frame of a data message.
    var reservedBits: ReservedBits { get }
    /// Transforms the payload of one outgoing data frame. `opcode` is the message's (`.text` or
    /// `.binary`, also for its continuation frames); `messageBits` is `nil` for a message's first
    /// frame, and for the frames after it the RSV bits that the first one got (from every
    /// extension); `isFinal` is the frame's FIN bit, so a whole message is one call with `nil` and
    /// `true`. `compression` is what the application asked for the message (an extension that does
    /// not compress ignores it). Returns the payload to frame and the RSV bits to set on this frame
    /// (an empty set when the extension left the message as it was, and on every frame after the
    /// first), or `nil` when the extension cannot go on with a message it began transforming: the
    /// connection then fails with 1011.
    func encodeFrame(
        _ payload: ByteBuffer, opcode: Opcode, messageBits: ReservedBits?, isFinal: Bool, compression: MessageCompression
    ) -> (payload: ByteBuffer, reservedBits: ReservedBits)?
    /// Transforms one incoming data frame's payload. `messageBits` are the RSV bits of the
    /// message's first frame; `isFinal` is the frame's FIN bit; `limit` is how many bytes the
    /// transformed payload may have at most: more throws ``ProtocolError/messageTooLarge(limit:)``
    /// (the connection reports its configured limit). Never holds more than `limit` bytes of output.
    func decodeFrame(
        _ payload: ByteBuffer, messageBits: ReservedBits, isFinal: Bool, limit: Int
    ) throws(ProtocolError) -> ByteBuffer
}

extension WebSocketExtension {
    /// Transforms an outgoing whole message (one ``encodeFrame(_:opcode:messageBits:isFinal:compression:)``
    /// call for its only frame); an extension that cannot transform it leaves it as it was.
    public func encodeMessage(
        _ payload: ByteBuffer, opcode: Opcode, compression: MessageCompression = .automatic
    ) -> (payload: ByteBuffer, reservedBits: ReservedBits) {
        encodeFrame(payload, opcode: opcode, messageBits: nil, isFinal: true, compression: compression) ?? (payload, [])
    }
}

/// Negotiates one extension during the opening handshake, for either role (RFC 6455 §9.1).
public protocol ExtensionNegotiator: Sendable {
    /// The extension token this negotiator handles.
    var name: String { get }
    /// Client: the offers to send, in order of preference.
    func clientOffers() -> [ExtensionHeaderElement]
    /// Client: checks the server's response element (whose name is ``name``) against what was
    /// offered, and returns the negotiated extension, or throws
    /// ``HandshakeError/invalidExtensionResponse(_:)`` when the server answered with parameters the
    /// offers did not allow.
    func clientAccept(_ response: ExtensionHeaderElement) throws(HandshakeError) -> any NegotiatedExtension
    /// Server: given the client's offers for this extension in the client's order, accepts the first
    /// one it can satisfy, or returns `nil` to decline them all (an unacceptable offer never fails
    /// the handshake).
    func serverAccept(_ offers: [ExtensionHeaderElement]) -> (any NegotiatedExtension)?
}

/// The outcome of negotiating one extension: its agreed parameters, from which each connection
/// makes its own ``WebSocketExtension`` instance.
public protocol NegotiatedExtension: Sendable {
    /// The element as it appears (or appeared) in the server's `Sec-WebSocket-Extensions` response.
    var responseElement: ExtensionHeaderElement { get }
    /// Makes the per-connection state for `role`.
    func makeExtension(role: Role) -> any WebSocketExtension
}
