import DuplexCore

/// Which `Origin` headers the server accepts in a handshake; a refused origin gets 403 before the
/// application is asked.
///
/// Browsers send `Origin` with every WebSocket handshake, and a page from any site can open a
/// WebSocket to any server with the user's cookies (cross-site WebSocket hijacking). The default,
/// ``sameOrigin(allowing:)`` with no extra origins, only accepts an origin whose host and port match
/// the `Host` header. Requests without `Origin` (non-browser clients) always pass.
public struct OriginPolicy: Sendable, Hashable {
    private let isEnabled: Bool
    private let allowed: Set<String>

    /// Accepts an origin matching `Host`, or one of `allowed` (compared ignoring case, e.g.
    /// `https://app.example.com`). Requests without `Origin` pass.
    public static func sameOrigin(allowing allowed: [String] = []) -> OriginPolicy {
        OriginPolicy(isEnabled: true, allowed: Set(allowed.map { $0.lowercased() }))
    }

    /// Accepts every origin. Only for servers that authenticate connections some other way than
    /// cookies.
    public static let disabled = OriginPolicy(isEnabled: false, allowed: [])

    /// Whether a handshake with `origin` (if any) sent to `host` is accepted.
    package func accepts(origin: String?, host: String) -> Bool {
        guard isEnabled, let origin else { return true }
        let lowered = origin.lowercased()
        if allowed.contains(lowered) { return true }
        guard let schemeEnd = lowered.firstRange(of: "://") else { return false }
        let authority = lowered[schemeEnd.upperBound...]
        let scheme = lowered[..<schemeEnd.lowerBound]
        let host = host.lowercased()
        if authority == host { return true }
        let defaultPort = scheme == "https" ? ":443" : scheme == "http" ? ":80" : nil
        guard let defaultPort else { return false }
        return authority + defaultPort == host || authority == host + defaultPort
    }
}
