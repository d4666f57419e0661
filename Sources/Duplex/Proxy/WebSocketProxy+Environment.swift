#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension WebSocketProxy {
    /// The proxy the environment names for `url`, read as curl reads it, or `nil` for a direct
    /// connection (always for a `ws+unix:` URL).
    ///
    /// - `wss://` URLs use `https_proxy`, else `HTTPS_PROXY`; `ws://` URLs use `http_proxy` only
    ///   (like curl, the upper-case `HTTP_PROXY` is ignored: a CGI program gets it from a request's
    ///   `Proxy:` header). Then `all_proxy`, else `ALL_PROXY`. The lower-case name wins; an
    ///   empty value counts as unset.
    /// - The value is a proxy URL as ``init(url:)`` reads it (`http://`, `socks5://`,
    ///   `socks5h://`, or no scheme for HTTP).
    /// - `no_proxy`, else `NO_PROXY`: a comma-separated list; `*` alone means every host; an entry
    ///   matches the host itself and, for a name, every name under it (`example.com` and
    ///   `.example.com` both match `example.com` and `api.example.com`, not `myexample.com`),
    ///   without regard to case; IP addresses match exactly (no CIDR ranges; brackets optional for
    ///   IPv6). Ports in entries are not supported.
    ///
    /// Duplex never reads the environment unless you call this: where a library's traffic goes
    /// stays a decision of the program that links it, a proxy variable meant for other tools
    /// cannot redirect it unnoticed, and `no_proxy` needs the URL, which is known here.
    ///
    /// - Parameters:
    ///   - url: The `ws://` or `wss://` URL to connect to.
    ///   - environment: The variables to read; `nil` (the default) reads the process's
    ///     environment. Pass a dictionary to decide from other values (or in tests).
    /// - Throws: ``WebSocketError/invalidURL(_:)`` or ``HTTPFieldError`` when `url` is not a valid
    ///   `ws://`, `wss://` or `ws+unix:` URL, and what ``init(url:)`` throws for the variable's value (the
    ///   error's reason names the variable).
    public static func fromEnvironment(
        for url: String, environment: [String: String]? = nil
    ) throws -> WebSocketProxy? {
        let target = try WebSocketURL(validating: url)
        guard target.unixSocketPath == nil else { return nil }
        let lookup: (String) -> String? = { name in
            let value = environment.map { $0[name] } ?? Self.processEnvironment(name)
            return value?.isEmpty == false ? value : nil
        }
        let names = (target.isSecure ? ["https_proxy", "HTTPS_PROXY"] : ["http_proxy"]) + ["all_proxy", "ALL_PROXY"]
        guard let (name, value) = names.lazy.compactMap({ name in lookup(name).map { (name, $0) } }).first else {
            return nil
        }
        if let exclusions = lookup("no_proxy") ?? lookup("NO_PROXY"),
            NoProxyList(exclusions).matches(host: target.host)
        {
            return nil
        }
        do throws(WebSocketProxyError) {
            return try WebSocketProxy(url: value)
        } catch .invalid(let reason) {
            throw WebSocketProxyError.invalid("\(name): \(reason)")
        } catch .invalidCredentials(let reason) {
            throw WebSocketProxyError.invalidCredentials("\(name): \(reason)")
        } catch {
            throw error
        }
    }

    /// The process environment's value for `name`.
    private static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// The hosts a `no_proxy` value exempts from the proxy.
struct NoProxyList {
    private let matchesEverything: Bool
    /// Lower case, without a leading dot or brackets.
    private let entries: [Substring]

    init(_ value: String) {
        let items = value.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        matchesEverything = items.contains("*")
        entries = items.map { item in
            var entry = Substring(item.lowercased())
            if entry.hasPrefix("[") && entry.hasSuffix("]") { entry = entry.dropFirst().dropLast() }
            if entry.hasPrefix(".") { entry = entry.dropFirst() }
            return entry
        }
    }

    /// Whether `host` (a name, or an IP literal without brackets) is exempt.
    func matches(host: String) -> Bool {
        if matchesEverything { return true }
        var host = Substring(host.lowercased())
        if host.hasSuffix(".") { host = host.dropLast() }
        let isAddress = host.contains(":") || host.allSatisfy { $0 == "." || $0.isASCII && $0.isNumber }
        return entries.contains { entry in
            host == entry || (!isAddress && host.hasSuffix("." + entry))
        }
    }
}

extension Substring {
    /// Without the spaces and tabs at either end.
    fileprivate func trimmingWhitespace() -> Substring {
        let isText: (Character) -> Bool = { $0 != " " && $0 != "\t" }
        guard let first = firstIndex(where: isText), let last = lastIndex(where: isText) else { return "" }
        return self[first...last]
    }
}
