import DuplexCore
import NIOCore

/// The answer to a plain HTTP request (one without `Upgrade: websocket`), returned by
/// ``WebSocketServerConfiguration/httpHandler``: a status, header fields and a body of bytes.
///
/// ```swift
/// configuration.httpHandler = { request in
///     guard request.target == "/logo.png" else { return .text("not found\n", status: .notFound) }
///     return try PlainHTTPResponse(contentType: "image/png", body: ByteBuffer(bytes: try await loadLogo()))
/// }
/// ```
///
/// The server adds `Content-Length` (the body's size) and `Connection: close`, replacing any
/// in ``headers``, and closes the connection once the response is written.
public struct PlainHTTPResponse: Sendable {
    /// The status, e.g. ``HTTPStatus/ok``.
    public var status: HTTPStatus
    /// The header fields, with `Content-Type` when one was given.
    public var headers: HeaderFields
    /// The body, sent as it is.
    public var body: ByteBuffer

    /// Creates a response whose body is `body` (for `[UInt8]`, pass `ByteBuffer(bytes: array)`),
    /// typed `contentType` (`nil`: no `Content-Type` field). Throws ``HTTPFieldError``
    /// (field `header Content-Type`) when `contentType` is not a valid field value.
    public init(
        status: HTTPStatus = .ok,
        contentType: String? = "application/octet-stream",
        headers: HeaderFields = HeaderFields(),
        body: ByteBuffer
    ) throws(HTTPFieldError) {
        self.init(status: status, headers: headers, body: body)
        if let contentType { try self.headers.replaceOrAdd(name: "Content-Type", value: contentType) }
    }

    /// A plain-text response: `text` in UTF-8, typed `text/plain; charset=utf-8`. For text of
    /// another type (HTML, JSON), pass `ByteBuffer(string:)` to ``init(status:contentType:headers:body:)``.
    public static func text(_ text: String, status: HTTPStatus = .ok, headers: HeaderFields = HeaderFields()) -> PlainHTTPResponse {
        var response = PlainHTTPResponse(status: status, headers: headers, body: ByteBuffer(string: text))
        response.headers.replaceOrAdd(uncheckedName: "Content-Type", value: "text/plain; charset=utf-8")
        return response
    }

    /// A response with the given parts, as they are.
    private init(status: HTTPStatus, headers: HeaderFields, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The response as HTTP/1.1 bytes, closing the connection after it.
    func wireBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        HandshakeResponse(status: status, headers: headers, body: "")
            .closingWireBytes(body: body.readableBytesView, allocator: allocator)
    }
}
