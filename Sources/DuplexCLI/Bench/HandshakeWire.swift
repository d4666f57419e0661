@_spi(Core) import DuplexCore
import NIOCore

/// The HTTP/1.1 side of the opening handshake as the generator does it: the request written by
/// hand, the response parsed just enough to hand to ``ClientHandshake/validate(_:)``.
enum HandshakeWire {
    /// The largest response head accepted before the handshake is declared broken.
    static let maxResponseHeadSize = 16 * 1024

    /// Why a response head could not be read.
    enum ParseError: Error, CustomStringConvertible {
        case tooLarge
        case malformedStatusLine(String)
        case malformedHeader(String)
        case invalidField(HTTPFieldError)

        var description: String {
            switch self {
            case .tooLarge: "response head larger than \(HandshakeWire.maxResponseHeadSize) bytes"
            case .malformedStatusLine(let line): "malformed status line: \(line)"
            case .malformedHeader(let line): "malformed header line: \(line)"
            case .invalidField(let error): "invalid response: \(error)"
            }
        }
    }

    /// The request's bytes: request line, header fields, empty line.
    static func encode(_ request: HandshakeRequest) -> ByteBuffer {
        var buffer = ByteBuffer()
        request.write(to: &buffer)
        return buffer
    }

    /// Reads a complete response head from the front of `buffer`, consuming it, or returns `nil`
    /// (consuming nothing) while the empty line that ends it has not arrived yet.
    static func decodeResponse(from buffer: inout ByteBuffer) throws(ParseError) -> HandshakeResponse? {
        let view = buffer.readableBytesView
        guard let headLength = endOfHead(in: view) else {
            if view.count > maxResponseHeadSize { throw .tooLarge }
            return nil
        }
        let head = buffer.readString(length: headLength) ?? ""
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: true).makeIterator()
        guard let statusLine = lines.next() else { throw .malformedStatusLine("") }
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw .malformedStatusLine(String(statusLine))
        }
        var fields: [(name: String, value: String)] = []
        while let line = lines.next() {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedHeader(String(line)) }
            fields.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
        }
        do {
            let reason = parts.count > 2 ? String(parts[2]) : ""
            return try HandshakeResponse(status: status, reason: reason, headers: HeaderFields(parsedFields: fields))
        } catch {
            throw .invalidField(error)
        }
    }

    /// The length of the head including its final CRLF CRLF, if it is complete.
    private static func endOfHead(in bytes: ByteBufferView) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = bytes.startIndex
        while index <= bytes.endIndex - 4 {
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13, bytes[index + 3] == 10 {
                return index - bytes.startIndex + 4
            }
            index += 1
        }
        return nil
    }
}
