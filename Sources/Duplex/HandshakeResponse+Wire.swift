@_spi(Core) import DuplexCore
import NIOCore

extension HandshakeResponse {
    /// Creates a plain-text response for `status`, with `body` as its text.
    init(status: HTTPStatus, headers: HeaderFields = HeaderFields(), body: String) {
        self.init(uncheckedStatus: status.code, reason: status.reason, headers: headers, body: body)
    }

    /// The response as HTTP/1.1 bytes. A response other than 101 gets `Content-Length` and
    /// `Connection: close` (the server closes the connection after any refusal). Every value was
    /// validated when the response and its fields were made (``HTTPFieldError``).
    func wireBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256 + body.utf8.count)
        var response = self
        if status != 101 {
            if !headers.contains(name: "Content-Type"), !body.isEmpty {
                response.headers.add(uncheckedName: "Content-Type", value: "text/plain; charset=utf-8")
            }
            response.headers.replaceOrAdd(uncheckedName: "Content-Length", value: String(body.utf8.count))
            response.headers.replaceOrAdd(uncheckedName: "Connection", value: "close")
        }
        response.write(to: &buffer)
        return buffer
    }
}
