import DuplexCore

/// An HTTP status code and reason phrase, used to refuse a handshake or answer a plain request.
public struct HTTPStatus: Sendable, Hashable {
    /// The numeric code, e.g. 403.
    public private(set) var code: Int
    /// The reason phrase, e.g. `Forbidden`.
    public private(set) var reason: String

    /// Creates a status. Throws ``HTTPFieldError`` (field `status code` or `reason phrase`) when
    /// `code` is outside 100...999 or `reason` holds a control character other than tab.
    public init(code: Int, reason: String) throws(HTTPFieldError) {
        try HTTPGrammar.validateStatusLine(code: code, reason: reason)
        self.init(constantCode: code, reason: reason)
    }

    /// A status whose code and reason phrase are constants known to be valid.
    private init(constantCode code: Int, reason: String) {
        self.code = code
        self.reason = reason
    }

    /// 200 OK.
    public static let ok = HTTPStatus(constantCode: 200, reason: "OK")
    /// 400 Bad Request.
    public static let badRequest = HTTPStatus(constantCode: 400, reason: "Bad Request")
    /// 401 Unauthorized.
    public static let unauthorized = HTTPStatus(constantCode: 401, reason: "Unauthorized")
    /// 403 Forbidden.
    public static let forbidden = HTTPStatus(constantCode: 403, reason: "Forbidden")
    /// 404 Not Found.
    public static let notFound = HTTPStatus(constantCode: 404, reason: "Not Found")
    /// 431 Request Header Fields Too Large.
    public static let requestHeaderFieldsTooLarge = HTTPStatus(constantCode: 431, reason: "Request Header Fields Too Large")
    /// 500 Internal Server Error: what the server answers when the application throws while
    /// deciding a handshake or answering a plain request.
    public static let internalServerError = HTTPStatus(constantCode: 500, reason: "Internal Server Error")
    /// 501 Not Implemented: what the server answers a request with a `Transfer-Encoding`.
    public static let notImplemented = HTTPStatus(constantCode: 501, reason: "Not Implemented")
    /// 503 Service Unavailable.
    public static let serviceUnavailable = HTTPStatus(constantCode: 503, reason: "Service Unavailable")
}
