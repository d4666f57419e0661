import DuplexCore

extension WebSocketURL {
    /// The statuses a client follows: 301, 302, 303, 307 and 308. (Each is followed the same way,
    /// with a new `GET` handshake: the opening handshake has no body to keep or drop.)
    static let redirectStatuses: Set<Int> = [301, 302, 303, 307, 308]

    /// Whether `other` is the same origin (scheme, host and port, or socket): request headers that
    /// carry credentials may be sent to it again.
    func isSameOrigin(as other: WebSocketURL) -> Bool {
        isSecure == other.isSecure && host.lowercased() == other.host.lowercased() && port == other.port
            && unixSocketPath == other.unixSocketPath
    }

    /// The URL a redirect's `Location` names, resolved against this one (RFC 3986 §5.2): an
    /// absolute `ws`, `wss`, `http` or `https` URL (`http` meaning `ws` and `https` `wss`, as the
    /// WebSocket API of browsers maps them), a network-path reference (`//host/path`), an absolute
    /// path or a relative one. A fragment is dropped. Throws what ``init(validating:)`` throws for
    /// a location that is not a WebSocket URL.
    func resolving(location: String) throws -> WebSocketURL {
        var location = Substring(location)
        if let hash = location.firstIndex(of: "#") { location = location[..<hash] }
        let lowered = location.lowercased()
        for (prefix, scheme) in [("http://", "ws://"), ("https://", "wss://")] where lowered.hasPrefix(prefix) {
            return try WebSocketURL(validating: scheme + location.dropFirst(prefix.count))
        }
        if lowered.hasPrefix("ws://") || lowered.hasPrefix("wss://") || lowered.hasPrefix("ws+unix:") {
            return try WebSocketURL(validating: String(location))
        }
        if let colon = location.firstIndex(of: ":"),
            let first = location.first, first.isLetter,
            location[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        {
            // Another scheme (RFC 3986 §3.1: a scheme is what comes before the first `:`, if it
            // is made of letters, digits, `+`, `-` and `.` and starts with a letter).
            throw WebSocketError.invalidURL(String(location))
        }
        if location.hasPrefix("//") {
            return try WebSocketURL(validating: (isSecure ? "wss:" : "ws:") + location)
        }
        var resolved = self
        resolved.target = try Self.mergeTarget(String(location), base: target)
        return resolved
    }

    /// The target a relative reference names from `base`: the reference itself when it is an
    /// absolute path, `base`'s path with a new query when it is only a query, or the reference
    /// after `base`'s last `/`; then without `.` and `..` segments.
    private static func mergeTarget(_ reference: String, base: String) throws -> String {
        let basePath = base.prefix { $0 != "?" }
        let merged: String
        if reference.hasPrefix("/") {
            merged = reference
        } else if reference.isEmpty {
            merged = base
        } else if reference.hasPrefix("?") {
            merged = basePath + reference
        } else {
            merged = (basePath.lastIndex(of: "/").map { basePath[...$0] } ?? "/") + reference
        }
        guard merged.utf8.allSatisfy(HTTPGrammar.isTargetCharacter) else {
            throw HTTPFieldError(field: "URL", rule: .targetCharacter)
        }
        let path = merged.prefix { $0 != "?" }
        let query = merged[path.endIndex...]
        return removingDotSegments(path) + query
    }

    /// `path` without `.` and `..` segments (RFC 3986 §5.2.4); `..` never climbs above `/`.
    private static func removingDotSegments(_ path: Substring) -> String {
        var output: [Substring] = []
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, segment) in segments.enumerated() {
            let isLast = index == segments.count - 1
            switch segment {
            case ".":
                if isLast { output.append("") }
            case "..":
                _ = output.popLast()
                if isLast { output.append("") }
            default:
                output.append(segment)
            }
        }
        return "/" + output.joined(separator: "/")
    }
}
