/// The client side of the opening handshake (RFC 6455 §4.1): builds the request and validates the
/// server's response.
///
/// ```swift
/// let handshake = try ClientHandshake(host: "example.org", target: "/chat", subprotocols: ["chat"])
/// send(handshake.request)
/// let agreed = try handshake.validate(responseFromServer)
/// ```
@_spi(Core) public struct ClientHandshake: Sendable {
    /// The key sent in `Sec-WebSocket-Key`: base64 of 16 random bytes.
    public let key: String
    /// The request to send.
    public let request: HandshakeRequest

    /// The subprotocols offered, in order of preference.
    private let subprotocols: [String]
    /// The negotiators that offered something; only their extensions may appear in the response.
    private let offeringNegotiators: [any ExtensionNegotiator]

    /// Builds a request for `target` (path and query) on `host` (the `Host` header value, with the
    /// port when it is not the scheme's default). A fresh key comes from a cryptographically secure
    /// generator unless `key` is given (for tests).
    ///
    /// The headers are, in order: `Host`, `Upgrade`, `Connection`, `Sec-WebSocket-Key`,
    /// `Sec-WebSocket-Version`, then `Origin`, `Sec-WebSocket-Protocol` and
    /// `Sec-WebSocket-Extensions` when there is something to send, then `additionalHeaders`.
    ///
    /// Throws ``HTTPFieldError`` when a value cannot be written: `target` not in origin-form
    /// (`request target`), `host`, `origin` or `key` not a field value (`header Host`,
    /// `header Origin`, `header Sec-WebSocket-Key`), a subprotocol that is not a token
    /// (`subprotocol N`, 1-based), or an extension offer with a name that is not a token
    /// (`extension N name`).
    public init(
        host: String,
        target: String,
        origin: String? = nil,
        subprotocols: [String] = [],
        extensions: [any ExtensionNegotiator] = [],
        additionalHeaders: HeaderFields = HeaderFields(),
        key: String? = nil
    ) throws(HTTPFieldError) {
        let key = key ?? HandshakeKey.generate()
        var offers: [ExtensionHeaderElement] = []
        var offeringNegotiators: [any ExtensionNegotiator] = []
        for negotiator in extensions {
            let negotiatorOffers = negotiator.clientOffers()
            guard !negotiatorOffers.isEmpty else { continue }
            offers += negotiatorOffers
            offeringNegotiators.append(negotiator)
        }
        for (index, subprotocol) in subprotocols.enumerated() {
            try HTTPFieldError.check(HTTPGrammar.checkToken(subprotocol), field: "subprotocol \(index + 1)")
        }

        var headers = HeaderFields()
        try headers.add(name: "Host", value: host)
        headers.add(uncheckedName: "Upgrade", value: "websocket")
        headers.add(uncheckedName: "Connection", value: "Upgrade")
        try headers.add(name: "Sec-WebSocket-Key", value: key)
        headers.add(uncheckedName: "Sec-WebSocket-Version", value: "13")
        if let origin { try headers.add(name: "Origin", value: origin) }
        if !subprotocols.isEmpty {
            headers.add(uncheckedName: "Sec-WebSocket-Protocol", value: subprotocols.joined(separator: ", "))
        }
        if !offers.isEmpty {
            try headers.add(name: "Sec-WebSocket-Extensions", value: ExtensionHeader.serialize(offers))
        }
        for field in additionalHeaders { headers.add(uncheckedName: field.name, value: field.value) }

        self.key = key
        self.request = try HandshakeRequest(method: "GET", target: target, version: .http1_1, headers: headers)
        self.subprotocols = subprotocols
        self.offeringNegotiators = offeringNegotiators
    }

    /// Validates the server's response. On success returns the chosen subprotocol and the
    /// negotiated extensions, in the order the server listed them.
    ///
    /// The checks, each failing with its own ``HandshakeError``: status 101; `Upgrade` lists
    /// `websocket` and `Connection` lists `upgrade` (without regard to case);
    /// `Sec-WebSocket-Accept` is present and matches ``key``; a subprotocol only if it is one of
    /// those offered; extensions only if offered, each at most once and with parameters its
    /// negotiator accepts.
    public func validate(_ response: HandshakeResponse) throws(HandshakeError) -> ClientHandshakeResult {
        let headers = response.headers
        guard response.status == 101 else {
            throw .unexpectedStatus(response)
        }
        guard headers.containsToken("websocket", name: "Upgrade") else { throw .missingUpgradeHeader }
        guard headers.containsToken("upgrade", name: "Connection") else { throw .missingConnectionHeader }

        let acceptValues = headers["Sec-WebSocket-Accept"]
        guard !acceptValues.isEmpty else { throw .missingAcceptHeader }
        let expected = HandshakeKey.acceptValue(for: key)
        let received = acceptValues.map { String(Substring($0).trimmingWhitespace()) }.joined(separator: ", ")
        guard received == expected else { throw .acceptMismatch(expected: expected, received: received) }

        return ClientHandshakeResult(
            subprotocol: try chosenSubprotocol(headers),
            extensions: try negotiatedExtensions(headers),
            headers: headers
        )
    }

    /// The subprotocol the server chose, checked against the offers.
    private func chosenSubprotocol(_ headers: HeaderFields) throws(HandshakeError) -> String? {
        let values = headers["Sec-WebSocket-Protocol"]
        guard !values.isEmpty else { return nil }
        // The server names exactly one subprotocol; a list, or several fields, is not one of the offers.
        let chosen = values.map { String(Substring($0).trimmingWhitespace()) }.joined(separator: ", ")
        guard subprotocols.contains(chosen) else { throw .unexpectedSubprotocol(chosen) }
        return chosen
    }

    /// The extensions the server enabled, each accepted by the negotiator that offered it.
    private func negotiatedExtensions(_ headers: HeaderFields) throws(HandshakeError) -> [any NegotiatedExtension] {
        let elements: [ExtensionHeaderElement]
        do {
            elements = try ExtensionHeader.parse(fieldValues: headers["Sec-WebSocket-Extensions"])
        } catch {
            throw .malformedExtensionHeader(error.description)
        }
        var negotiated: [any NegotiatedExtension] = []
        var seenNames: [String] = []
        for element in elements {
            guard let negotiator = offeringNegotiators.first(where: { $0.name.equalsIgnoringASCIICase(element.name) }) else {
                throw .unexpectedExtension(element.name)
            }
            guard !seenNames.contains(where: { $0.equalsIgnoringASCIICase(element.name) }) else {
                throw .duplicateExtension(element.name)
            }
            seenNames.append(element.name)
            negotiated.append(try negotiator.clientAccept(element))
        }
        return negotiated
    }
}

/// What a successful client handshake agreed on.
@_spi(Core) public struct ClientHandshakeResult: Sendable {
    /// The subprotocol the server chose, if any.
    public var subprotocol: String?
    /// The negotiated extensions, in the order the server listed them.
    public var extensions: [any NegotiatedExtension]
    /// The response's headers.
    public var headers: HeaderFields
}
