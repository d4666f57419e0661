@_spi(Core) import DuplexCore

/// The parts of a proxy URL (`scheme://[user[:password]@]host[:port][/]`), split but not yet
/// checked as a proxy: ``WebSocketProxy/init(url:)`` checks them. Reasons in the errors never
/// hold the URL, which may hold a password.
struct ProxyURLComponents {
    var kind: WebSocketProxy.Kind
    var username: String?
    var password: String?
    /// Without brackets when IPv6.
    var host: Substring
    var port: Int?

    init(parsing url: String) throws(WebSocketProxyError) {
        var rest = Substring(url)
        if let separator = rest.range(of: "://") {
            let scheme = rest[..<separator.lowerBound].lowercased()
            switch scheme {
            case "http": kind = .httpConnect
            case "socks5": kind = .socks5
            case "socks5h": kind = .socks5h
            default:
                let shown = scheme.utf8.allSatisfy(HTTPGrammar.isTokenCharacter) ? scheme : "?"
                throw .invalid("scheme \(shown) is not supported (http, socks5, socks5h)")
            }
            rest = rest[separator.upperBound...]
        } else {
            kind = .httpConnect
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw .invalid("a proxy URL has no path, query or fragment")
        }
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userinfo.firstIndex(of: ":")
            username = try Self.percentDecoded(userinfo[..<(colon ?? userinfo.endIndex)], part: "user name")
            if let colon {
                password = try Self.percentDecoded(userinfo[userinfo.index(after: colon)...], part: "password")
            }
        }
        let portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw .invalid("an IPv6 address lacks its ']'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw .invalid("text after the IPv6 address") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
            portText = nil
        }
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else {
                throw .invalid("the port is not a number from 1 to 65535")
            }
            self.port = port
        }
    }

    /// `part` with its `%XX` escapes decoded; it must then be UTF-8.
    private static func percentDecoded(_ part: Substring, part name: String) throws(WebSocketProxyError) -> String {
        var bytes: [UInt8] = []
        var iterator = part.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(HTTPGrammar.hexDigitValue),
                let low = iterator.next().flatMap(HTTPGrammar.hexDigitValue)
            else {
                throw .invalid("the \(name) has a '%' not followed by two hex digits")
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalid("the \(name) is not UTF-8 once percent-decoded")
        }
        return decoded
    }
}
