/// A refused handshake: the HTTP error response to send, and why.
///
/// ``ServerHandshake/validate(_:)`` produces one for a request that is not a valid handshake; an
/// application refuses a valid one with a convenience constructor, e.g. `.forbidden("Bad origin.\n")`.
@_spi(Core) public struct HandshakeRejection: Error, Sendable, Hashable {
    /// The response to send (status, headers such as `Sec-WebSocket-Version: 13`, a short text body).
    public var response: HandshakeResponse
    /// Creates a rejection.
    public init(response: HandshakeResponse) { self.response = response }

    /// A rejection with `status`, its standard reason phrase, a `text/plain` `body` saying what was
    /// wrong, and `headers` (added after `Content-Type`). Throws ``HTTPFieldError`` when `status`
    /// is outside 100...999.
    public init(status: Int, body: String, headers: HeaderFields = HeaderFields()) throws(HTTPFieldError) {
        try HTTPFieldError.check(HTTPGrammar.checkStatusCode(status), field: "status code")
        self.init(constantStatus: status, body: body, headers: headers)
    }

    /// A rejection with a constant status known to be valid.
    private init(constantStatus status: Int, body: String, headers: HeaderFields = HeaderFields()) {
        var allHeaders = HeaderFields(uncheckedFields: [("Content-Type", "text/plain; charset=utf-8")])
        for field in headers { allHeaders.add(uncheckedName: field.name, value: field.value) }
        self.init(
            response: HandshakeResponse(
                uncheckedStatus: status, reason: Self.reasonPhrase(status), headers: allHeaders, body: body))
    }

    /// 400 Bad Request: the request is not a well-formed handshake.
    public static func badRequest(_ body: String = "Bad Request\n") -> HandshakeRejection {
        HandshakeRejection(constantStatus: 400, body: body)
    }
    /// 403 Forbidden: the application refuses this client (for example, its `Origin`).
    public static func forbidden(_ body: String = "Forbidden\n") -> HandshakeRejection {
        HandshakeRejection(constantStatus: 403, body: body)
    }
    /// 404 Not Found: no WebSocket endpoint at this path.
    public static func notFound(_ body: String = "Not Found\n") -> HandshakeRejection {
        HandshakeRejection(constantStatus: 404, body: body)
    }
    /// 405 Method Not Allowed, with `Allow: GET`.
    public static func methodNotAllowed(_ body: String = "Method Not Allowed\n") -> HandshakeRejection {
        HandshakeRejection(constantStatus: 405, body: body, headers: HeaderFields(uncheckedFields: [("Allow", "GET")]))
    }
    /// 426 Upgrade Required, with `Upgrade: websocket`, `Connection: Upgrade` and
    /// `Sec-WebSocket-Version: 13`: the client must use WebSocket version 13.
    public static func upgradeRequired(_ body: String = "Upgrade Required\n") -> HandshakeRejection {
        HandshakeRejection(
            constantStatus: 426,
            body: body,
            headers: HeaderFields(uncheckedFields: [
                ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
            ])
        )
    }
    /// 503 Service Unavailable: the server cannot take the connection now (overload, shutdown).
    public static func serviceUnavailable(_ body: String = "Service Unavailable\n") -> HandshakeRejection {
        HandshakeRejection(constantStatus: 503, body: body)
    }
    /// 505 HTTP Version Not Supported: the handshake needs HTTP/1.1 or later.
    public static func httpVersionNotSupported(_ body: String = "HTTP Version Not Supported\n") -> HandshakeRejection {
        HandshakeRejection(constantStatus: 505, body: body)
    }

    /// The standard reason phrase for the statuses a handshake is refused with (RFC 9110 §15).
    private static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Error"
        }
    }
}
