import Crypto
import DuplexCore

/// Independent statements of the opening-handshake rules (RFC 6455 §4), written from the RFC and
/// the documented order of checks rather than from the implementation, to judge its answers.
enum HandshakeOracle {
    /// The status `ServerHandshake.validate` must refuse `request` with, or `nil` when it must
    /// accept it: 405, 505, 400 (Host), 426/400 (Upgrade and Connection), 426 (version), 400 (key).
    static func expectedRejection(of request: HandshakeRequest) -> Int? {
        let headers = request.headers
        guard request.method == "GET" else { return 405 }
        guard request.version >= .http1_1 else { return 505 }
        guard headers["Host"].count == 1 else { return 400 }
        switch (hasToken("websocket", in: headers["Upgrade"]), hasToken("upgrade", in: headers["Connection"])) {
        case (false, false): return 426
        case (true, true): break
        default: return 400
        }
        guard headers["Sec-WebSocket-Version"].map(trimmed) == ["13"] else { return 426 }
        let keys = headers["Sec-WebSocket-Key"]
        guard keys.count == 1, isKey(trimmed(keys[0])) else { return 400 }
        return nil
    }

    /// Whether a comma-separated element of one of `values`, without surrounding spaces and tabs,
    /// equals `token` ignoring ASCII case.
    static func hasToken(_ token: String, in values: [String]) -> Bool {
        values.contains { value in
            value.split(separator: ",").contains { asciiLowercased(trimmed($0)) == token }
        }
    }

    /// Whether `key` is the base64 encoding of 16 bytes: 22 base64 digits, the last with its four
    /// low bits clear, then `==`.
    static func isKey(_ key: String) -> Bool {
        let digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        guard bytes[..<22].allSatisfy(digits.contains), let last = digits.firstIndex(of: bytes[21]) else { return false }
        return last & 0x0F == 0
    }

    /// `Sec-WebSocket-Accept` for `key`: base64 of the SHA-1 of the key and the RFC's GUID.
    static func acceptValue(for key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        return base64(Array(digest))
    }

    /// `text` with only the ASCII letters A–Z lowered, as HTTP's case-insensitive tokens require.
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }

    /// `text` without leading and trailing spaces and tabs.
    static func trimmed(_ text: some StringProtocol) -> String {
        String(text.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    private static func base64(_ bytes: [UInt8]) -> String {
        let digits = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var output: [UInt8] = []
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let group = bytes[start..<min(start + 3, bytes.count)]
            let value = group.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
            for index in 0..<4 {
                output.append(index <= group.count ? digits[Int(value >> (18 - 6 * index) & 63)] : UInt8(ascii: "="))
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
