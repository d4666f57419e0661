#if Vapor
import Duplex
import Vapor

extension Response {
    /// Duplex's refusal as a Vapor response: its status, header fields and text body (Vapor adds
    /// `Content-Length`).
    convenience init(_ refusal: HandshakeResponse) {
        var headers = HTTPHeaders(refusal.headers)
        if !refusal.body.isEmpty, headers[.contentType].isEmpty {
            headers.contentType = .plainText
        }
        self.init(
            status: HTTPResponseStatus(statusCode: refusal.status, reasonPhrase: refusal.reason),
            headers: headers,
            body: Response.Body(string: refusal.body))
    }
}

extension HTTPHeaders {
    /// `fields` as NIO header fields.
    init(_ fields: HeaderFields) {
        self.init(fields.map { ($0.name, $0.value) })
    }
}
#endif
