/// The parts of an HTTP request the opening handshake looks at, independent of how HTTP was parsed.
public struct HandshakeRequest: Sendable, Hashable {
    /// The request method, e.g. `GET`.
    public var method: String
    /// The request target: path and optional query, e.g. `/chat?room=1`.
    public var target: String
    /// The HTTP version as (major, minor).
    public var version: HTTPVersionNumber
    /// The header fields.
    public var headers: HeaderFields

    /// Creates a request.
    public init(method: String = "GET", target: String, version: HTTPVersionNumber = .http1_1, headers: HeaderFields) {
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
public struct HandshakeResponse: Sendable, Hashable {
    /// The status code, e.g. 101 or 426.
    public var status: Int
    /// The reason phrase, e.g. `Switching Protocols`.
    public var reason: String
    /// The header fields.
    public var headers: HeaderFields
    /// The body: empty for a 101; a short text saying what was wrong for a refusal.
    public var body: String

    /// Creates a response.
    public init(status: Int, reason: String, headers: HeaderFields = HeaderFields(), body: String = "") {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }
}
