@_spi(Core) import DuplexCore

/// A proxy the client reaches the server through: an HTTP proxy that opens a tunnel on `CONNECT`
/// (RFC 9110 §9.3.6), or a SOCKS5 proxy (RFC 1928). Set it as
/// ``WebSocketClientConfiguration/proxy``; take it from the environment, as curl does, with
/// ``fromEnvironment(for:environment:)``.
///
/// Every value is checked here, where it enters the API, so a proxy that exists can be written to
/// the wire: the initializers throw ``WebSocketProxyError/invalid(_:)`` for a host or port that
/// cannot be used and ``WebSocketProxyError/invalidCredentials(_:)`` for credentials that cannot be
/// sent (a control character such as CR or LF, a `:` in an HTTP user name, more than 255 bytes for
/// SOCKS5).
///
/// The tunnel carries the connection to the server: for `wss://` the TLS handshake, its server
/// name (SNI) and the certificate check are for the server's host, never the proxy's.
public struct WebSocketProxy: Sendable, Hashable, CustomStringConvertible {
    /// How the client asks the proxy for a tunnel.
    public enum Kind: Sendable, Hashable {
        /// HTTP/1.1 `CONNECT host:port` (`http://` proxy URLs); credentials go in a
        /// `Proxy-Authorization: Basic` header (RFC 7617).
        case httpConnect
        /// SOCKS5 (`socks5://`): the client resolves the server's name itself and sends the
        /// address; credentials use the username/password method (RFC 1929).
        case socks5
        /// SOCKS5 sending the server's name for the proxy to resolve (`socks5h://`).
        case socks5h
    }

    /// The protocol spoken to the proxy.
    public let kind: Kind
    /// The proxy's host: a name, an IPv4 literal, or an IPv6 literal without brackets.
    public let host: String
    /// The proxy's port.
    public let port: Int
    /// The user name sent to the proxy, if any.
    public let username: String?
    /// The password sent with ``username``.
    let password: String

    /// The port a proxy URL without one means: 1080, as in curl, for every kind.
    public static let defaultPort = 1080

    /// A proxy of `kind` at `host` and `port`, with credentials when `username` is set
    /// (`password` is then sent with it; without a user name it must be empty).
    ///
    /// Throws ``WebSocketProxyError/invalid(_:)`` when `host` is empty or holds a character no
    /// host name or IP literal holds, or `port` is outside 1...65535, and
    /// ``WebSocketProxyError/invalidCredentials(_:)`` when the credentials cannot be sent: a
    /// control character (CR, LF, …) in either, a `:` in the user name of an HTTP proxy (Basic
    /// authentication separates the two with it), an empty user name, more than 255 UTF-8 bytes in
    /// either for SOCKS5, or a password without a user name.
    public init(
        _ kind: Kind, host: String, port: Int, username: String? = nil, password: String = ""
    ) throws(WebSocketProxyError) {
        let host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        guard Self.isValidHost(host) else {
            throw .invalid("the host is empty or holds a character no host name or IP address holds")
        }
        guard (1...65535).contains(port) else { throw .invalid("port \(port) is outside 1...65535") }
        try Self.validateCredentials(kind, username: username, password: password)
        self.kind = kind
        self.host = host
        self.port = port
        self.username = username
        self.password = password
    }

    /// The proxy a URL names, as curl and the `*_proxy` environment variables write it:
    /// `http://[user:password@]host[:port]`, `socks5://…` or `socks5h://…`; no scheme means
    /// `http://`. The port defaults to ``defaultPort``; the user name and password are
    /// percent-decoded; a `/` after the authority is allowed and nothing after it.
    ///
    /// Throws ``WebSocketProxyError/invalid(_:)`` for another scheme (an `https://` proxy, which
    /// would need TLS to the proxy, is not supported; nor is SOCKS4), a missing host, a port that
    /// is not a number in 1...65535, a path, a bad percent escape, and what
    /// ``init(_:host:port:username:password:)`` throws. The error's reason never holds the URL,
    /// which may hold a password.
    public init(url: String) throws(WebSocketProxyError) {
        let components = try ProxyURLComponents(parsing: url)
        try self.init(
            components.kind, host: String(components.host), port: components.port ?? Self.defaultPort,
            username: components.username, password: components.password ?? "")
    }

    /// The proxy as a URL, with the password left out (`socks5://alice@proxy.example:1080`).
    public var description: String {
        let scheme = switch kind {
        case .httpConnect: "http"
        case .socks5: "socks5"
        case .socks5h: "socks5h"
        }
        let user = username.map { "\($0)@" } ?? ""
        let name = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(user)\(name):\(port)"
    }

    /// Letters, digits, `.`, `-` and `_` for a name; hex digits, `:` and `.` for an IPv6 literal
    /// (with a `%zone` suffix).
    private static func isValidHost(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 255 else { return false }
        if host.contains(":") {
            let address = host.split(separator: "%", maxSplits: 1).first ?? ""
            return address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return host.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }

    private static func validateCredentials(
        _ kind: Kind, username: String?, password: String
    ) throws(WebSocketProxyError) {
        guard let username else {
            guard password.isEmpty else { throw .invalidCredentials("a password without a user name") }
            return
        }
        guard !username.isEmpty else { throw .invalidCredentials("the user name is empty") }
        for (name, value) in [("user name", username), ("password", password)] {
            if HTTPGrammar.checkText(value) != nil || value.contains("\t") {
                throw .invalidCredentials("the \(name) holds a control character")
            }
            if kind != .httpConnect, value.utf8.count > 255 {
                throw .invalidCredentials("the \(name) is longer than the 255 bytes SOCKS5 allows")
            }
        }
        if kind == .httpConnect, username.contains(":") {
            throw .invalidCredentials("the user name holds ':', which Basic authentication cannot send")
        }
    }
}
