import NIOCore

extension HandshakeRequest {
    /// Writes the request as an HTTP/1.1 head: request line, header fields, empty line. Every part
    /// was validated when the request and its fields were made, so the bytes parse back to them.
    @_spi(Core) public func write(to buffer: inout ByteBuffer) {
        buffer.writeString(method)
        buffer.writeStaticString(" ")
        buffer.writeString(target)
        buffer.writeStaticString(" HTTP/")
        buffer.writeString(String(version.major))
        buffer.writeStaticString(".")
        buffer.writeString(String(version.minor))
        buffer.writeStaticString("\r\n")
        headers.write(to: &buffer)
    }
}
