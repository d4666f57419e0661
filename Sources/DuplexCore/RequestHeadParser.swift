import NIOCore

/// Reads one HTTP/1.1 request head (RFC 9112 §2–§5) from a connection's bytes as they arrive: the
/// request line, the field lines and the empty line ending them, at most `limit` bytes in all.
///
/// Strict where leniency has been a source of request smuggling: every line ends with CR LF, a field
/// line has a colon and is not folded, `Content-Length` is one decimal number and a
/// `Transfer-Encoding` is refused (``RequestHeadError``). Empty lines before the request line are
/// skipped (RFC 9112 §2.2). The method, target and fields are validated as ``HandshakeRequest`` and
/// ``HeaderFields`` require, so what is read can be written back unchanged. Bytes are scanned once
/// as they arrive; a head that arrives in one piece is not copied.
@_spi(Core) public struct RequestHeadParser: Sendable {
    /// A request head read whole.
    public struct Head: Sendable, Hashable {
        /// The request line and fields.
        public var request: HandshakeRequest
        /// The body's length from `Content-Length`, 0 without one.
        public var bodyLength: Int
    }

    private let limit: Int
    /// The bytes received so far, from the first byte of the head.
    private var buffered: ByteBuffer?
    /// How many bytes of ``buffered`` have been scanned for line ends.
    private var scanned = 0
    /// Where the request line starts, after any empty lines before it; `nil` until one is seen.
    private var headStart: Int?
    /// Where the line being scanned starts.
    private var lineStart = 0

    /// A parser for one head of at most `limit` bytes.
    public init(limit: Int) {
        self.limit = limit
    }

    /// Takes the next bytes of the connection. Returns `nil` while the head is incomplete, then the
    /// head and the bytes that followed it (the start of a body, or of the WebSocket stream).
    public mutating func receive(_ bytes: ByteBuffer) throws(RequestHeadError) -> (head: Head, rest: ByteBuffer)? {
        var buffer: ByteBuffer
        if var earlier = buffered {
            buffered = nil
            earlier.writeImmutableBuffer(bytes)
            buffer = earlier
        } else {
            buffer = bytes
        }
        guard let (lines, end) = try scan(buffer) else {
            buffered = buffer
            return nil
        }
        let head = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(RequestHeadError) in try Self.parse(UnsafeRawBufferPointer(rebasing: bytes[lines])) }
        }
        buffer.moveReaderIndex(forwardBy: end)
        return (try head.get(), buffer)
    }

    /// Scans the new bytes of `buffer` for line ends. Once the empty line ending the head is there,
    /// returns the head's lines (from the request line to the last field line, without its CR LF)
    /// and the offset just past the empty line.
    private mutating func scan(_ buffer: ByteBuffer) throws(RequestHeadError) -> (lines: Range<Int>, end: Int)? {
        let result: Result<(lines: Range<Int>, end: Int)?, RequestHeadError> = buffer.withUnsafeReadableBytes { bytes in
            var index = scanned
            defer { scanned = index }
            while index < bytes.count {
                if index >= limit { return .failure(.tooLarge(limit: limit)) }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n") { return .failure(.lineEnding) }
                if byte != UInt8(ascii: "\r") {
                    index += 1
                    continue
                }
                // A CR last: scanned again with the next bytes.
                guard index + 1 < bytes.count else { return .success(nil) }
                guard bytes[index + 1] == UInt8(ascii: "\n") else { return .failure(.lineEnding) }
                if index + 1 >= limit { return .failure(.tooLarge(limit: limit)) }
                let line = lineStart..<index
                index += 2
                lineStart = index
                if line.isEmpty {
                    // The end of the head, or an empty line before the request line (skipped).
                    if let headStart { return .success((headStart..<line.lowerBound - 2, index)) }
                } else if headStart == nil {
                    headStart = line.lowerBound
                }
            }
            return .success(nil)
        }
        return try result.get()
    }

    /// Parses the lines of a head, separated by CR LF.
    private static func parse(_ head: UnsafeRawBufferPointer) throws(RequestHeadError) -> Head {
        var lines = head.split(separator: UInt8(ascii: "\r"), omittingEmptySubsequences: false).makeIterator()
        // Every line but the first starts with the LF of the CR LF before it.
        guard let requestLine = lines.next() else { throw .malformedRequestLine }
        let (method, target, version) = try parseRequestLine(requestLine)
        var fields: [(name: String, value: String)] = []
        while let line = lines.next() {
            let fieldLine = line.dropFirst()
            let position = fields.count + 1
            if let first = fieldLine.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
                throw .lineFolding(position: position)
            }
            guard let colon = fieldLine.firstIndex(of: UInt8(ascii: ":")) else {
                throw .malformedFieldLine(position: position)
            }
            fields.append((
                name: String(decoding: fieldLine[..<colon], as: UTF8.self),
                value: String(decoding: fieldLine[(colon + 1)...], as: UTF8.self)
            ))
        }
        let request: HandshakeRequest
        do {
            request = try HandshakeRequest(
                method: method, target: target, version: version, headers: HeaderFields(parsedFields: fields))
        } catch {
            throw .invalidField(error)
        }
        return Head(request: request, bodyLength: try bodyLength(of: request.headers))
    }

    /// `METHOD SP TARGET SP HTTP/d.d`, with exactly one space between the parts.
    private static func parseRequestLine(
        _ line: Slice<UnsafeRawBufferPointer>
    ) throws(RequestHeadError) -> (String, String, HTTPVersionNumber) {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else { throw .malformedRequestLine }
        let version = Array(parts[2])
        guard version.count == 8, version[..<5].elementsEqual("HTTP/".utf8), version[6] == UInt8(ascii: "."),
            let major = digit(version[5]), let minor = digit(version[7])
        else { throw .malformedRequestLine }
        return (
            String(decoding: parts[0], as: UTF8.self), String(decoding: parts[1], as: UTF8.self),
            HTTPVersionNumber(major: major, minor: minor)
        )
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// The length `Content-Length` gives (RFC 9112 §6.3): each field one decimal number of at most
    /// 18 digits, all equal; no `Transfer-Encoding`.
    private static func bodyLength(of headers: HeaderFields) throws(RequestHeadError) -> Int {
        guard headers["Transfer-Encoding"].isEmpty else { throw .transferEncoding }
        var length: Int?
        for value in headers["Content-Length"] {
            guard (1...18).contains(value.utf8.count), value.utf8.allSatisfy({ digit($0) != nil }),
                let parsed = Int(value), length == nil || length == parsed
            else { throw .invalidContentLength }
            length = parsed
        }
        return length ?? 0
    }
}
