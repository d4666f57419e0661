/// Why ``RequestHeadParser`` refused the bytes of a request head. The description names the rule
/// broken, never the bytes. A server answers ``tooLarge(limit:)`` with 431,
/// ``transferEncoding`` with 501 and the others with 400.
public enum RequestHeadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The head (request line, fields and the empty line ending it) is longer than the limit.
    case tooLarge(limit: Int)
    /// A line ends with a lone LF, or a CR is not followed by LF.
    case lineEnding
    /// The request line is not `METHOD SP TARGET SP HTTP/d.d`.
    case malformedRequestLine
    /// A field line has no colon.
    case malformedFieldLine(position: Int)
    /// A field line starts with a space or tab (obsolete line folding, RFC 9112 §5.2).
    case lineFolding(position: Int)
    /// The method, the target or a field breaks its grammar.
    case invalidField(HTTPFieldError)
    /// `Content-Length` is not a decimal number, or two of them differ (RFC 9112 §6.3).
    case invalidContentLength
    /// The request has a `Transfer-Encoding`; request bodies are read only by `Content-Length`.
    case transferEncoding

    /// The rule, for a person.
    public var description: String {
        switch self {
        case .tooLarge(let limit): "request head larger than \(limit) bytes"
        case .lineEnding: "a line of the request head does not end with CR LF"
        case .malformedRequestLine: "the request line is not 'METHOD TARGET HTTP/d.d'"
        case .malformedFieldLine(let position): "header line \(position) has no colon"
        case .lineFolding(let position): "header line \(position) is folded (starts with a space or tab)"
        case .invalidField(let error): error.description
        case .invalidContentLength: "Content-Length is not one decimal number"
        case .transferEncoding: "Transfer-Encoding is not supported on requests (send Content-Length)"
        }
    }
}
