import DuplexCore

/// A parsed `ws://` or `wss://` URL (RFC 6455 §3): scheme, host, port, and the request target; or
/// a `ws+unix:` URL (as Node's ws spells it): a Unix domain socket's path and the request target.
package struct WebSocketURL: Sendable, Hashable, CustomStringConvertible {
    /// Whether the scheme is `wss` (TLS).
    package private(set) var isSecure: Bool
    /// The host: a name, an IPv4 literal, or an IPv6 literal without brackets.
    package private(set) var host: String
    /// The port: the explicit one, or 80 for `ws` and 443 for `wss`.
    package private(set) var port: Int
    /// The path and query, e.g. `/chat?room=1`; `/` when the URL has no path.
    package internal(set) var target: String
    /// For a `ws+unix:` URL, the socket's path (and ``host`` is `localhost`, the `Host` header's
    /// value); `nil` for TCP.
    package private(set) var unixSocketPath: String?

    /// Parses `string`; `nil` when it is not a `ws://` or `wss://` URL with a host. A fragment is
    /// not allowed (RFC 6455 §3); user information is not supported. Nor are spaces, control and
    /// non-ASCII characters anywhere in the URL: percent-encode them (IDN hosts in their `xn--`
    /// form).
    package init?(_ string: String) {
        guard let url = try? WebSocketURL(validating: string) else { return nil }
        self = url
    }

    /// Parses `string` like ``init(_:)``, throwing ``HTTPFieldError`` (field `URL`, rule
    /// ``HTTPFieldError/Rule/targetCharacter``) for a space, `#`, a control or a non-ASCII
    /// character, and ``WebSocketError/invalidURL(_:)`` when it is not a `ws://` or `wss://` URL
    /// with a host, nor a `ws+unix:` URL: `ws+unix:/path/to/socket` or
    /// `ws+unix:/path/to/socket:/request/path?query` (`ws+unix:///…` too), the socket's path ending
    /// at the first `:`.
    init(validating string: String) throws {
        guard string.utf8.allSatisfy(HTTPGrammar.isTargetCharacter) else {
            throw HTTPFieldError(field: "URL", rule: .targetCharacter)
        }
        let invalid = WebSocketError.invalidURL(string)
        let lowered = string.lowercased()
        let rest: Substring
        if lowered.hasPrefix("ws+unix:") {
            var socket = string.dropFirst(8)
            if socket.hasPrefix("//") { socket = socket.dropFirst(2) }
            let separator = socket.firstIndex(of: ":") ?? socket.endIndex
            let path = socket[separator...].dropFirst()
            guard socket.hasPrefix("/"), separator > socket.index(after: socket.startIndex),
                path.isEmpty || path.hasPrefix("/") || path.hasPrefix("?")
            else { throw invalid }
            isSecure = false
            host = "localhost"
            port = 80
            unixSocketPath = String(socket[..<separator])
            target = path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : String(path)
            return
        } else if lowered.hasPrefix("ws://") {
            isSecure = false
            rest = string.dropFirst(5)
        } else if lowered.hasPrefix("wss://") {
            isSecure = true
            rest = string.dropFirst(6)
        } else {
            throw invalid
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        guard !authority.contains("@") else { throw invalid }
        target = path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : String(path)

        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw invalid }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw invalid }
            self.port = port
        } else {
            port = isSecure ? 443 : 80
        }
    }

    /// The port the scheme implies when none is given.
    package var defaultPort: Int { isSecure ? 443 : 80 }

    /// The `Host` header value: the host (bracketed when IPv6) and the port when not the default.
    package var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == defaultPort ? name : "\(name):\(port)"
    }

    /// The name TLS sends (SNI) and checks the certificate for: the host, unless it is an IPv4 or
    /// IPv6 literal, which TLS may not send as a server name.
    package var tlsServerName: String? {
        host.contains(":") || host.allSatisfy { $0 == "." || $0.isNumber } ? nil : host
    }

    /// The URL as text.
    package var description: String {
        if let unixSocketPath { return "ws+unix:\(unixSocketPath):\(target)" }
        return "\(isSecure ? "wss" : "ws")://\(hostHeader)\(target)"
    }
}
