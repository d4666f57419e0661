import NIOCore

extension HeaderFields {
    /// Writes each field as `name: value` and CRLF, then the empty line ending a head.
    func write(to buffer: inout ByteBuffer) {
        for field in self {
            buffer.writeString(field.name)
            buffer.writeStaticString(": ")
            buffer.writeString(field.value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
    }
}
