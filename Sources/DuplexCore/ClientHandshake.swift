/// The client side of the opening handshake (RFC 6455 §4.1): builds the request and validates the
/// server's response.
///
/// CONTRACT STUB — the handshake work fills the bodies; the signatures are what the transport uses.
public struct ClientHandshake: Sendable {
    /// The key sent in `Sec-WebSocket-Key`: base64 of 16 random bytes.
    public let key: String
    /// The request to send.
    public let request: HandshakeRequest

    /// Builds a request for `target` (path and query) on `host` (the `Host` header value, with the
    /// port when it is not the scheme's default). A fresh key comes from a cryptographically secure
    /// generator unless `key` is given (for tests).
    public init(
        host: String,
        target: String,
        origin: String? = nil,
        subprotocols: [String] = [],
        extensions: [any ExtensionNegotiator] = [],
        additionalHeaders: HeaderFields = HeaderFields(),
        key: String? = nil
    ) {
        fatalError("not implemented")
    }

    /// Validates the server's response. On success returns the chosen subprotocol and the
    /// negotiated extensions, in the order the server listed them.
    public func validate(_ response: HandshakeResponse) throws(HandshakeError) -> ClientHandshakeResult {
        fatalError("not implemented")
    }
}

/// What a successful client handshake agreed on.
public struct ClientHandshakeResult: Sendable {
    /// The subprotocol the server chose, if any.
    public var subprotocol: String?
    /// The negotiated extensions, in the order the server listed them.
    public var extensions: [any NegotiatedExtension]
    /// The response's headers.
    public var headers: HeaderFields
}
