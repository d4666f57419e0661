import NIOCore

extension HandshakeResponse {
    /// Writes the response as HTTP/1.1: status line, header fields, empty line, then the body as
    /// it is (the caller adds `Content-Length` when the body needs framing). Every part of the head
    /// was validated when the response and its fields were made, so the bytes parse back to them.
    @_spi(Core) public func write(to buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/1.1 ")
        buffer.writeString(String(status))
        buffer.writeStaticString(" ")
        buffer.writeString(reason)
        buffer.writeStaticString("\r\n")
        headers.write(to: &buffer)
        buffer.writeString(body)
    }
}
