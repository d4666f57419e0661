/// A value that cannot be written into an HTTP/1.1 head: it breaks the RFC 9110 grammar of the
/// field it was given for (a header name that is not a token, a header value with CR or LF, a
/// request target with a space, a status code outside 100...999, …).
///
/// The error names the field and the rule and never holds the offending bytes, so that logging it
/// or printing its ``description`` cannot inject anything either: a header is named by its name
/// when that name is valid (`header X-Trace`), else by its position (`header name 3`).
public struct HTTPFieldError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule a value breaks.
    public enum Rule: Sendable, Hashable, CustomStringConvertible {
        /// Not an RFC 9110 `token`: empty, or a character other than letters, digits and
        /// ``!#$%&'*+-.^_`|~``.
        case notAToken
        /// A control character (CR, LF, NUL, DEL or any other below 0x20 except tab).
        case controlCharacter
        /// A space or tab at the start or the end of a header value.
        case surroundingWhitespace
        /// A request target that does not start with `/` (only origin-form is written).
        case notOriginForm
        /// A request target or URL with a space, `#`, a control or a non-ASCII character
        /// (percent-encode them).
        case targetCharacter
        /// A status code outside 100...999.
        case statusCodeOutOfRange
        /// A subprotocol the server chose that is not one the client offered (RFC 6455 §4.2.2).
        case notOffered

        /// The rule, for a person.
        public var description: String {
            switch self {
            case .notAToken: "is not a token (one or more of A-Z a-z 0-9 !#$%&'*+-.^_`|~)"
            case .controlCharacter: "contains a control character (CR, LF, NUL, DEL or another below 0x20 except tab)"
            case .surroundingWhitespace: "begins or ends with a space or tab"
            case .notOriginForm: "does not start with '/'"
            case .targetCharacter: "contains a space, '#', a control character or a non-ASCII character"
            case .statusCodeOutOfRange: "is not a status code from 100 to 999"
            case .notOffered: "is not one the client offered"
            }
        }
    }

    /// The field, e.g. `header X-Trace`, `header name 3`, `request target`, `reason phrase`,
    /// `subprotocol 2`, `URL`. It never holds bytes of the rejected value.
    public var field: String
    /// The rule the value breaks.
    public var rule: Rule

    /// Creates an error. `field` must not hold the rejected value.
    public init(field: String, rule: Rule) {
        self.field = field
        self.rule = rule
    }

    /// The field and the rule, e.g. `header X-Trace contains a control character (…)`.
    public var description: String { "\(field) \(rule)" }
}

extension HTTPFieldError {
    /// Throws when `rule` is set, naming `field`.
    package static func check(_ rule: Rule?, field: @autoclosure () -> String) throws(HTTPFieldError) {
        if let rule { throw HTTPFieldError(field: field(), rule: rule) }
    }
}
