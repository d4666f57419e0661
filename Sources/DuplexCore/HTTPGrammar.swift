/// The RFC 9110 / RFC 9112 / RFC 3986 rules a value must follow before Duplex writes it into an
/// HTTP/1.1 head, in one place. Each check returns the rule the value breaks, or `nil` when it
/// follows them all. The checks look at the value's UTF-8 bytes; a non-ASCII character is
/// `obs-text` (bytes 0x80–0xFF), which field values and reason phrases may hold and tokens and
/// request targets may not.
package enum HTTPGrammar {
    /// `token = 1*tchar` (RFC 9110 §5.6.2): header names, methods, subprotocols, extension names
    /// and parameter names.
    package static func checkToken(_ value: some StringProtocol) -> HTTPFieldError.Rule? {
        !value.utf8.isEmpty && value.utf8.allSatisfy(isTokenCharacter) ? nil : .notAToken
    }

    /// `field-value = *field-content` (RFC 9110 §5.5): visible characters, `obs-text`, and spaces or
    /// tabs between them, so no CR, LF, NUL, DEL or other control character, and no space or tab
    /// at either end (a parser would drop it, so the value would not read back as written).
    package static func checkFieldValue(_ value: some StringProtocol) -> HTTPFieldError.Rule? {
        if let rule = checkText(value) { return rule }
        let bytes = value.utf8
        guard let first = bytes.first else { return nil }
        let last = bytes[bytes.index(bytes.endIndex, offsetBy: -1)]
        return isWhitespace(first) || isWhitespace(last) ? .surroundingWhitespace : nil
    }

    /// `reason-phrase = *( HTAB / SP / VCHAR / obs-text )` (RFC 9112 §4): like a field value, but
    /// spaces at the ends are allowed. Also the rule for quoted extension parameter values.
    package static func checkText(_ value: some StringProtocol) -> HTTPFieldError.Rule? {
        value.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7F || $0 == 0x09 } ? nil : .controlCharacter
    }

    /// A request target in origin-form (RFC 9112 §3.2.1, `absolute-path [ "?" query ]`): it starts
    /// with `/` and holds only visible ASCII other than `#` (no space, no control character, no
    /// fragment, nothing that is not percent-encoded ASCII). The finer RFC 3986 character classes
    /// are not enforced, as browsers and servers do not enforce them either.
    package static func checkRequestTarget(_ value: some StringProtocol) -> HTTPFieldError.Rule? {
        guard value.utf8.first == UInt8(ascii: "/") else { return .notOriginForm }
        return value.utf8.allSatisfy(isTargetCharacter) ? nil : .targetCharacter
    }

    /// Visible ASCII other than `#`: what a request target (and a URL) may hold.
    package static func isTargetCharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "#")
    }

    /// A status code: three digits, 100 to 999 (RFC 9110 §15).
    package static func checkStatusCode(_ code: Int) -> HTTPFieldError.Rule? {
        (100...999).contains(code) ? nil : .statusCodeOutOfRange
    }

    /// Throws when `code` and `reason` cannot make a status line (fields `status code` and
    /// `reason phrase`).
    package static func validateStatusLine(code: Int, reason: String) throws(HTTPFieldError) {
        try HTTPFieldError.check(checkStatusCode(code), field: "status code")
        try HTTPFieldError.check(checkText(reason), field: "reason phrase")
    }

    /// `tchar` (RFC 9110 §5.6.2).
    package static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// The value of an ASCII hexadecimal digit (a percent escape's), or `nil`.
    package static func hexDigitValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == 0x09
    }
}
