/// A parsed `ws://` or `wss://` URL (RFC 6455 §3): scheme, host, port, and the request target.
public struct WebSocketURL: Sendable, Hashable, CustomStringConvertible {
    /// Whether the scheme is `wss` (TLS).
    public var isSecure: Bool
    /// The host: a name, an IPv4 literal, or an IPv6 literal without brackets.
    public var host: String
    /// The port: the explicit one, or 80 for `ws` and 443 for `wss`.
    public var port: Int
    /// The path and query, e.g. `/chat?room=1`; `/` when the URL has no path.
    public var target: String

    /// Parses `string`; `nil` when it is not a `ws://` or `wss://` URL with a host. A fragment is
    /// not allowed (RFC 6455 §3); user information is not supported.
    public init?(_ string: String) {
        let lowered = string.lowercased()
        let rest: Substring
        if lowered.hasPrefix("ws://") {
            isSecure = false
            rest = string.dropFirst(5)
        } else if lowered.hasPrefix("wss://") {
            isSecure = true
            rest = string.dropFirst(6)
        } else {
            return nil
        }
        guard !rest.contains("#") else { return nil }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]
        guard !authority.contains("@") else { return nil }
        target = path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : String(path)

        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { return nil }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            port = isSecure ? 443 : 80
        }
    }

    /// The port the scheme implies when none is given.
    public var defaultPort: Int { isSecure ? 443 : 80 }

    /// The `Host` header value: the host (bracketed when IPv6) and the port when not the default.
    public var hostHeader: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == defaultPort ? name : "\(name):\(port)"
    }

    /// The URL as text.
    public var description: String {
        "\(isSecure ? "wss" : "ws")://\(hostHeader)\(target)"
    }
}
