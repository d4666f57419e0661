import DuplexCore
import NIOCore

extension HandshakeRequest {
    /// The request as HTTP/1.1 bytes.
    func wireBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 512)
        buffer.writeString("\(method) \(target) HTTP/\(version.major).\(version.minor)\r\n")
        for field in headers {
            buffer.writeString("\(field.name): \(field.value)\r\n")
        }
        buffer.writeString("\r\n")
        return buffer
    }
}
