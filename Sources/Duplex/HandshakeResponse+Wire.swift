@_spi(Core) import DuplexCore
import NIOCore

extension HandshakeResponse {
    /// Creates a plain-text response for `status`, with `body` as its text.
    init(status: HTTPStatus, headers: HeaderFields = HeaderFields(), body: String) {
        self.init(uncheckedStatus: status.code, reason: status.reason, headers: headers, body: body)
    }

    /// The response as HTTP/1.1 bytes. A response other than 101 gets `Content-Type: text/plain`
    /// when it has a body and no type, and the fields of ``closingWireBytes(body:allocator:)``.
    /// Every value was validated when the response and its fields were made (``HTTPFieldError``).
    func wireBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        guard status != 101 else {
            var buffer = allocator.buffer(capacity: 256)
            write(to: &buffer)
            return buffer
        }
        var head = self
        if !headers.contains(name: "Content-Type"), !body.isEmpty {
            head.headers.add(uncheckedName: "Content-Type", value: "text/plain; charset=utf-8")
        }
        return head.closingWireBytes(body: body.utf8, allocator: allocator)
    }

    /// This response's head followed by `body` (in place of ``body``), with `Content-Length` and
    /// `Connection: close` replacing any the head has: the server closes the connection after
    /// any response but a 101.
    func closingWireBytes(body: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        var head = self
        head.body = ""
        head.headers.replaceOrAdd(uncheckedName: "Content-Length", value: String(body.count))
        head.headers.replaceOrAdd(uncheckedName: "Connection", value: "close")
        var buffer = allocator.buffer(capacity: 256 + body.count)
        head.write(to: &buffer)
        buffer.writeBytes(body)
        return buffer
    }
}
