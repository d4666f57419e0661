import NIOCore

/// The server side of the opening handshake (RFC 6455 §4.2).
///
/// ```swift
/// switch ServerHandshake.validate(request) {
/// case .failure(let rejection): send(rejection.response)
/// case .success(let upgrade):
///     let result = try upgrade.accept(subprotocol: upgrade.subprotocols.first, extensions: negotiators)
///     send(result.response)
/// }
/// ```
@_spi(Core) public enum ServerHandshake {
    /// Validates a request. Returns the upgrade request for the application's decision, or the
    /// error response to send (405, 400, 426 with `Sec-WebSocket-Version: 13`, 505).
    ///
    /// The checks, in order:
    /// 1. the method is `GET`, else 405 with `Allow: GET`;
    /// 2. the version is HTTP/1.1 or later, else 505 (the handshake needs HTTP/1.1 Upgrade);
    /// 3. there is exactly one `Host`, else 400;
    /// 4. `Upgrade` lists `websocket` and `Connection` lists `upgrade`, without regard to case;
    ///    a request with neither is a plain HTTP request and gets 426 (``HandshakeRejection/upgradeRequired(_:)``),
    ///    one with only one of them is broken and gets 400;
    /// 5. `Sec-WebSocket-Version` is exactly `13`, else 426 with `Sec-WebSocket-Version: 13`, checked
    ///    before the key so that a client speaking another version learns which one to use;
    /// 6. there is exactly one `Sec-WebSocket-Key` and, trimmed, it is base64 of 16 bytes, else 400.
    ///
    /// A malformed `Sec-WebSocket-Extensions` header does not fail the handshake: its offers are
    /// ignored, so no extension is negotiated. Likewise an element of `Sec-WebSocket-Protocol`
    /// that is not a token is not an offer: it is left out of ``UpgradeRequest/subprotocols``, so
    /// the application cannot choose it.
    ///
    /// `remoteAddress` is the peer's address as the transport knows it, passed on as
    /// ``UpgradeRequest/remoteAddress``; the handshake itself does not look at it.
    public static func validate(
        _ request: HandshakeRequest, remoteAddress: SocketAddress? = nil
    ) -> Result<UpgradeRequest, HandshakeRejection> {
        let headers = request.headers
        guard request.method == "GET" else {
            return .failure(.methodNotAllowed("A WebSocket handshake must use GET, not \(request.method).\n"))
        }
        guard request.version >= .http1_1 else {
            return .failure(.httpVersionNotSupported("A WebSocket handshake needs HTTP/1.1 or later.\n"))
        }
        let hosts = headers["Host"]
        guard hosts.count == 1, let host = hosts.first else {
            return .failure(.badRequest(hosts.isEmpty ? "Missing Host header.\n" : "More than one Host header.\n"))
        }

        let upgradesToWebSocket = headers.containsToken("websocket", name: "Upgrade")
        let connectionUpgrade = headers.containsToken("upgrade", name: "Connection")
        switch (upgradesToWebSocket, connectionUpgrade) {
        case (false, false):
            return .failure(.upgradeRequired("This endpoint only speaks WebSocket.\n"))
        case (false, true):
            return .failure(.badRequest("Missing 'Upgrade: websocket' header.\n"))
        case (true, false):
            return .failure(.badRequest("Missing 'Connection: Upgrade' header.\n"))
        case (true, true):
            break
        }

        let versions = headers["Sec-WebSocket-Version"]
        guard versions.count == 1, Substring(versions[0]).trimmingWhitespace() == "13" else {
            return .failure(.upgradeRequired("Unsupported WebSocket version: only version 13 is supported.\n"))
        }

        let keys = headers["Sec-WebSocket-Key"]
        guard keys.count == 1 else {
            return .failure(.badRequest(keys.isEmpty ? "Missing Sec-WebSocket-Key header.\n" : "More than one Sec-WebSocket-Key header.\n"))
        }
        guard HandshakeKey.isValid(keys[0]) else {
            return .failure(.badRequest("Sec-WebSocket-Key must be the base64 encoding of 16 bytes.\n"))
        }

        let (path, query) = splitTarget(request.target)
        return .success(
            UpgradeRequest(
                request: request,
                path: path,
                query: query,
                host: host,
                origin: headers.first(name: "Origin"),
                subprotocols: headers.tokens(name: "Sec-WebSocket-Protocol")
                    .filter { HTTPGrammar.checkToken($0) == nil }.map(String.init),
                extensionOffers: (try? ExtensionHeader.parse(fieldValues: headers["Sec-WebSocket-Extensions"])) ?? [],
                key: String(Substring(keys[0]).trimmingWhitespace()),
                remoteAddress: remoteAddress
            )
        )
    }

    /// The path and the query (without `?`) of a request target.
    private static func splitTarget(_ target: String) -> (path: String, query: String?) {
        guard let questionMark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<questionMark]), String(target[target.index(after: questionMark)...]))
    }
}

/// A request that is a valid WebSocket handshake, waiting for the application to accept or reject it.
public struct UpgradeRequest: Sendable {
    /// The request as received.
    public var request: HandshakeRequest
    /// The path part of the target, e.g. `/chat`.
    public var path: String
    /// The query part of the target without `?`, if any, as received (still percent-encoded);
    /// ``queryItems`` decodes it.
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
    @_spi(Core) public var key: String
    /// The peer's address (IP and port, or a Unix socket path), as the transport gave it to
    /// ``ServerHandshake/validate(_:remoteAddress:)``: set for every request a `WebSocketServer`
    /// hands to the application; `nil` when the transport does not know it.
    public var remoteAddress: SocketAddress?

    /// The items of ``query``, decoded, in order; empty when there is no query. See
    /// ``QueryItem`` for the decoding rules: it never fails, and a pair without `=` has a `nil`
    /// value. `/chat?room=a%20b&debug` gives `[QueryItem(name: "room", value: "a b"),
    /// QueryItem(name: "debug", value: nil)]`.
    public var queryItems: [QueryItem] {
        query.map { QueryItem.items(in: $0) } ?? []
    }

    /// The decoded value of the first query item named `name` (compared exactly, after
    /// decoding): `nil` when there is none, `""` for a pair without a value (`?debug` or
    /// `?debug=`). Use ``queryItems`` to tell those two apart or to read repeated names.
    public func queryValue(named name: String) -> String? {
        queryItems.first { $0.name == name }.map { $0.value ?? "" }
    }

    /// Builds the 101 response: the accept value, the chosen subprotocol and the extensions that
    /// `negotiators` accept from the offers, plus `headers`.
    ///
    /// Each negotiator is given the offers carrying its name, in the client's order; the extensions
    /// it accepts are listed in the order of `negotiators`. A negotiator whose extension was
    /// already accepted by an earlier one is skipped.
    ///
    /// Throws ``HTTPFieldError`` when the 101 cannot be written: a subprotocol the client did not
    /// offer (``HTTPFieldError/Rule/notOffered``: RFC 6455 §4.2.2 lets the server pick only one of
    /// ``subprotocols``), or a negotiator's response element with a name that is not a token or a
    /// value with a control character (`extension N …`). A server answers either with 500.
    @_spi(Core) public func accept(
        subprotocol: String? = nil,
        extensions negotiators: [any ExtensionNegotiator] = [],
        headers: HeaderFields = HeaderFields()
    ) throws(HTTPFieldError) -> ServerHandshakeResult {
        if let subprotocol, !subprotocols.contains(subprotocol) {
            throw HTTPFieldError(field: "subprotocol", rule: .notOffered)
        }
        var negotiated: [any NegotiatedExtension] = []
        for negotiator in negotiators
        where !negotiated.contains(where: { $0.responseElement.name.equalsIgnoringASCIICase(negotiator.name) }) {
            let offers = extensionOffers.filter { $0.name.equalsIgnoringASCIICase(negotiator.name) }
            guard !offers.isEmpty, let accepted = negotiator.serverAccept(offers) else { continue }
            negotiated.append(accepted)
        }

        var responseHeaders = HeaderFields(uncheckedFields: [
            ("Upgrade", "websocket"),
            ("Connection", "Upgrade"),
            ("Sec-WebSocket-Accept", HandshakeKey.acceptValue(for: key)),
        ])
        if let subprotocol {
            try HTTPFieldError.check(HTTPGrammar.checkToken(subprotocol), field: "subprotocol")
            responseHeaders.add(uncheckedName: "Sec-WebSocket-Protocol", value: subprotocol)
        }
        if !negotiated.isEmpty {
            try responseHeaders.add(
                name: "Sec-WebSocket-Extensions",
                value: ExtensionHeader.serialize(negotiated.map(\.responseElement))
            )
        }
        for field in headers { responseHeaders.add(uncheckedName: field.name, value: field.value) }

        return ServerHandshakeResult(
            response: HandshakeResponse(uncheckedStatus: 101, reason: "Switching Protocols", headers: responseHeaders),
            subprotocol: subprotocol,
            extensions: negotiated
        )
    }
}

/// An accepted handshake: the 101 response to send and what was agreed.
@_spi(Core) public struct ServerHandshakeResult: Sendable {
    /// The 101 response.
    public var response: HandshakeResponse
    /// The chosen subprotocol, if any.
    public var subprotocol: String?
    /// The negotiated extensions, in response order.
    public var extensions: [any NegotiatedExtension]
}
