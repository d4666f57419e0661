@_spi(Core) import DuplexCore

/// Turns fuzz bytes into the handshake messages the core validates, the way a lenient HTTP/1.1
/// parser would: a start line, then `name: value` header lines up to the first empty line, values
/// trimmed of spaces and tabs. Lines end at LF with an optional CR before it; bytes that are not
/// UTF-8 are replaced. `nil` when a part is not valid HTTP (``HTTPFieldError``): the transport
/// answers such a request 400 and fails such a response as malformed.
enum HTTPMessageDecoder {
    /// A request: `METHOD TARGET HTTP/x.y`, then headers. Missing parts get harmless defaults.
    static func request(from bytes: some Collection<UInt8>) -> HandshakeRequest? {
        guard let (startLine, headers) = split(bytes) else { return nil }
        let words = startLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        return try? HandshakeRequest(
            method: words.indices.contains(0) ? String(words[0]) : "",
            target: words.indices.contains(1) ? String(words[1]) : "/",
            version: words.indices.contains(2) ? version(words[2]) : .http1_1,
            headers: headers
        )
    }

    /// A response: `HTTP/x.y STATUS REASON`, then headers. A status that is not a number is 0.
    static func response(from bytes: some Collection<UInt8>) -> HandshakeResponse? {
        guard let (startLine, headers) = split(bytes) else { return nil }
        let words = startLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        let status = words.indices.contains(1) ? number(words[1]) : 0
        return try? HandshakeResponse(
            status: status,
            reason: words.indices.contains(2) ? String(words[2]) : "",
            headers: headers
        )
    }

    private static func split(_ bytes: some Collection<UInt8>) -> (startLine: Substring, headers: HeaderFields)? {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? line.dropLast() : line
        }[...]
        let startLine = lines.popFirst() ?? ""
        var fields: [(name: String, value: String)] = []
        for line in lines {
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        guard let headers = try? HeaderFields(parsedFields: fields) else { return nil }
        return (startLine, headers)
    }

    /// `HTTP/major.minor`; anything else reads as HTTP/1.0, which a WebSocket handshake refuses.
    private static func version(_ word: Substring) -> HTTPVersionNumber {
        guard word.hasPrefix("HTTP/") else { return .http1_0 }
        let numbers = word.dropFirst(5).split(separator: ".", omittingEmptySubsequences: false)
        guard numbers.count == 2 else { return .http1_0 }
        return HTTPVersionNumber(major: number(numbers[0]), minor: number(numbers[1]))
    }

    /// Up to four leading decimal digits (so the value cannot overflow); 0 when there are none.
    private static func number(_ word: Substring) -> Int {
        word.prefix(4).prefix { $0.isASCII && $0.isNumber }.reduce(0) { $0 * 10 + Int(String($1))! }
    }
}
