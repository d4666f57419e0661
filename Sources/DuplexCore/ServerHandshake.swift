/// The server side of the opening handshake (RFC 6455 §4.2).
///
/// CONTRACT STUB — the handshake work fills the bodies; the signatures are what the transport uses.
public enum ServerHandshake {
    /// Validates a request. Returns the upgrade request for the application's decision, or the
    /// error response to send (405, 400, 426 with `Sec-WebSocket-Version: 13`, 505).
    public static func validate(_ request: HandshakeRequest) -> Result<UpgradeRequest, HandshakeRejection> {
        fatalError("not implemented")
    }
}

/// A request that is a valid WebSocket handshake, waiting for the application to accept or reject it.
public struct UpgradeRequest: Sendable {
    /// The request as received.
    public var request: HandshakeRequest
    /// The path part of the target, e.g. `/chat`.
    public var path: String
    /// The query part of the target without `?`, if any.
    public var query: String?
    /// The `Host` header.
    public var host: String
    /// The `Origin` header, if any (browsers always send it).
    public var origin: String?
    /// The subprotocols the client offered, in its order of preference.
    public var subprotocols: [String]
    /// The extension offers, in the client's order.
    public var extensionOffers: [ExtensionHeaderElement]
    /// The trimmed `Sec-WebSocket-Key`.
    public var key: String

    /// Builds the 101 response: the accept value, the chosen subprotocol (which must be one the
    /// client offered) and the extensions that `negotiators` accept from the offers, plus `headers`.
    public func accept(
        subprotocol: String? = nil,
        extensions negotiators: [any ExtensionNegotiator] = [],
        headers: HeaderFields = HeaderFields()
    ) -> ServerHandshakeResult {
        fatalError("not implemented")
    }
}

/// A refused handshake: the HTTP error response to send, and why.
public struct HandshakeRejection: Error, Sendable, Hashable {
    /// The response to send (status, headers such as `Sec-WebSocket-Version: 13`, a short text body).
    public var response: HandshakeResponse
    /// Creates a rejection.
    public init(response: HandshakeResponse) { self.response = response }
}

/// An accepted handshake: the 101 response to send and what was agreed.
public struct ServerHandshakeResult: Sendable {
    /// The 101 response.
    public var response: HandshakeResponse
    /// The chosen subprotocol, if any.
    public var subprotocol: String?
    /// The negotiated extensions, in response order.
    public var extensions: [any NegotiatedExtension]
}
