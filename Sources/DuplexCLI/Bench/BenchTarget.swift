import ArgumentParser
import Duplex

/// Where `duplex bench` connects: a plain `ws://` URL on a loopback or local address.
struct BenchTarget: ExpressibleByArgument, CustomStringConvertible {
    /// The host to connect to, without brackets for IPv6.
    var host: String
    /// The TCP port.
    var port: Int
    /// The request target (path and query), at least `/`.
    var target: String
    /// The `Host` header value.
    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    var description: String { "ws://\(hostHeader)\(target)" }

    /// Parses `ws://HOST[:PORT][/PATH]`; `wss://` is refused (the generator measures framing, not
    /// TLS), and so is what ``WebSocketURL`` refuses (a space, control or non-ASCII character).
    init?(argument: String) {
        guard argument.hasPrefix("ws://"), WebSocketURL(argument) != nil else { return nil }
        let rest = argument.dropFirst("ws://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<slash]
        target = slash == rest.endIndex ? "/" : String(rest[slash...])
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let portPart = authority[authority.index(after: close)...]
            guard let port = portPart.isEmpty ? 80 : Int(portPart.dropFirst()) else { return nil }
            self.port = port
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            guard let port = Int(authority[authority.index(after: colon)...]) else { return nil }
            self.port = port
        } else {
            host = String(authority)
            port = 80
        }
        guard !host.isEmpty, (1...65535).contains(port) else { return nil }
    }
}
