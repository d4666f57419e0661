import DuplexCore
import NIOCore

extension HandshakeResponse {
    /// Creates a plain-text response for `status`, with `body` as its text.
    init(status: HTTPStatus, headers: HeaderFields = HeaderFields(), body: String) {
        self.init(status: status.code, reason: status.reason, headers: headers, body: body)
    }

    /// The response as HTTP/1.1 bytes. A response other than 101 gets `Content-Length` and
    /// `Connection: close` (the server closes the connection after any refusal).
    func wireBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256 + body.utf8.count)
        buffer.writeString("HTTP/1.1 \(status) \(reason)\r\n")
        var fields = headers
        if status != 101 {
            if !fields.contains(name: "Content-Type"), !body.isEmpty {
                fields.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            }
            fields.replaceOrAdd(name: "Content-Length", value: String(body.utf8.count))
            fields.replaceOrAdd(name: "Connection", value: "close")
        }
        for field in fields {
            buffer.writeString("\(field.name): \(field.value)\r\n")
        }
        buffer.writeString("\r\n")
        buffer.writeString(body)
        return buffer
    }
}
