/// The parts of an HTTP request the opening handshake looks at, independent of how HTTP was parsed.
///
/// The method is an RFC 9110 `token` and the target is in origin-form (see
/// ``init(method:target:version:headers:)``), so a request can always be written as it is.
public struct HandshakeRequest: Sendable, Hashable {
    /// The request method, e.g. `GET`.
    public private(set) var method: String
    /// The request target: path and optional query, e.g. `/chat?room=1`.
    public private(set) var target: String
    /// The HTTP version as (major, minor).
    public var version: HTTPVersionNumber
    /// The header fields.
    public var headers: HeaderFields

    /// Creates a request. Throws ``HTTPFieldError`` (field `method` or `request target`) when
    /// `method` is not a token, or `target` does not start with `/` or holds a space, `#`, a
    /// control or a non-ASCII character.
    public init(
        method: String = "GET", target: String, version: HTTPVersionNumber = .http1_1, headers: HeaderFields
    ) throws(HTTPFieldError) {
        try HTTPFieldError.check(HTTPGrammar.checkToken(method), field: "method")
        try HTTPFieldError.check(HTTPGrammar.checkRequestTarget(target), field: "request target")
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }
}

/// An HTTP version number.
public struct HTTPVersionNumber: Sendable, Hashable, Comparable {
    /// The major number.
    public var major: Int
    /// The minor number.
    public var minor: Int
    /// Creates a version.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }
    /// HTTP/1.0.
    public static let http1_0 = HTTPVersionNumber(major: 1, minor: 0)
    /// HTTP/1.1.
    public static let http1_1 = HTTPVersionNumber(major: 1, minor: 1)

    public static func < (lhs: HTTPVersionNumber, rhs: HTTPVersionNumber) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// An HTTP response of the opening handshake: the 101 that accepts it, or an error that refuses it.
///
/// The status is in 100...999 and the reason phrase holds no control character other than tab
/// (see ``init(status:reason:headers:body:)``), so a response can always be written as it is.
public struct HandshakeResponse: Sendable, Hashable {
    /// The status code, e.g. 101 or 426.
    public private(set) var status: Int
    /// The reason phrase, e.g. `Switching Protocols`.
    public private(set) var reason: String
    /// The header fields.
    public var headers: HeaderFields
    /// The body: empty for a 101; a short text saying what was wrong for a refusal.
    public var body: String

    /// Creates a response. Throws ``HTTPFieldError`` (field `status code` or `reason phrase`)
    /// when `status` is outside 100...999 or `reason` holds a control character other than tab.
    public init(status: Int, reason: String, headers: HeaderFields = HeaderFields(), body: String = "") throws(HTTPFieldError) {
        try HTTPGrammar.validateStatusLine(code: status, reason: reason)
        self.init(uncheckedStatus: status, reason: reason, headers: headers, body: body)
    }

    /// Creates a response with a constant status and reason phrase known to be valid (checked by
    /// an assertion in debug builds).
    package init(uncheckedStatus status: Int, reason: String, headers: HeaderFields = HeaderFields(), body: String = "") {
        assert(HTTPGrammar.checkStatusCode(status) == nil && HTTPGrammar.checkText(reason) == nil)
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }
}
